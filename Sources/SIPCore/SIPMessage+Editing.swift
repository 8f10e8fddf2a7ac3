/// Edits a proxy makes (RFC 3261 §16.6, §16.7, RFC 3581). Every edit touches
/// only the fields it names; all others keep their received bytes.
extension SIPMessage {
    /// Appends a header field after the existing ones.
    public func addHeader(name: String, value: String) {
        let field = SIPHeaderField(name: name, value: value)
        editing(field.kind) { fields.append(field) }
    }

    /// Removes every field called `name` (case-insensitive, compact forms
    /// understood).
    public func removeHeaders(named name: String) {
        let (key, kind) = SIPHeaderField.keyAndKind(for: name)
        editing(kind) {
            while let index = SIPHeaderField.firstIndex(in: fields, of: kind, key) { fields.remove(at: index) }
        }
    }

    /// Removes all fields called `name`, then appends one.
    public func setHeader(name: String, value: String) {
        removeHeaders(named: name)
        addHeader(name: name, value: value)
    }

    /// Replaces the first field with `key` in place (others removed), or
    /// appends one.
    func replaceFirst(_ key: String, name: String, value: String) {
        let (key, kind) = SIPHeaderField.keyAndKind(for: key)
        guard let index = SIPHeaderField.firstIndex(in: fields, of: kind, key) else {
            addHeader(name: name, value: value)
            return
        }
        editing(kind) {
            fields[index] = SIPHeaderField(name: fields[index].name, value: value)
            while let later = SIPHeaderField.firstIndex(in: fields, of: kind, key, from: index + 1) {
                fields.remove(at: later)
            }
        }
    }

    /// Inserts `name: value` before the first field with the same name, or
    /// at the top of the header section.
    func insertOnTop(name: String, value: String) {
        let (key, kind) = SIPHeaderField.keyAndKind(for: name)
        let index = SIPHeaderField.firstIndex(in: fields, of: kind, key) ?? 0
        editing(kind) { fields.insert(SIPHeaderField(name: name, value: value), at: index) }
    }

    /// Removes the first element of the first field called `key`; the rest
    /// of a comma-separated field is kept (RFC 3261 §7.3.1).
    func removeFirstElement(_ key: String) {
        let (key, kind) = SIPHeaderField.keyAndKind(for: key)
        guard let index = SIPHeaderField.firstIndex(in: fields, of: kind, key) else { return }
        // The rest of the field from its second element on, as written (nil
        // for a single element, which removes the field): a response's Vias
        // (SIPp writes them on one line) go back upstream without being
        // split into Strings and joined again.
        let rest: String? = fields[index].withValueBytes { buffer in
            var count = 0
            var second: Int?
            _ = SIPBytes.split(buffer, 0..<buffer.count, separator: 0x2C) { element in
                count += 1
                guard count == 2 else { return true }
                second = element.lowerBound
                return false
            }
            return second.map { SIPBytes.string(buffer, $0..<buffer.count) }
        }
        editing(kind) {
            if let rest {
                fields[index] = SIPHeaderField(name: fields[index].name, value: rest)
            } else {
                fields.remove(at: index)
            }
        }
    }

    /// Replaces the first element of the first field called `key`.
    func replaceFirstElement(_ key: String, with value: String) {
        let (key, kind) = SIPHeaderField.keyAndKind(for: key)
        guard let index = SIPHeaderField.firstIndex(in: fields, of: kind, key) else { return }
        var elements = SIPSyntax.split(fields[index].value, at: ",").elements
        elements[0] = value
        editing(kind) { fields[index] = SIPHeaderField(name: fields[index].name, value: elements.joined(separator: ", ")) }
    }

    /// Adds a Via value on top (RFC 3261 §16.6 step 8), e.g.
    /// "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK...".
    public func prependVia(_ value: String) {
        insertOnTop(name: "Via", value: value)
    }

    /// Removes the topmost Via value (RFC 3261 §16.7 step 3).
    public func removeTopVia() {
        removeFirstElement("via")
    }

    /// RFC 3261 §18.2.1 / RFC 3581 §4: sets `received` on the topmost Via
    /// (nil removes it) and, when `rport` is given, sets the rport value
    /// (added if the client did not send the flag). Does nothing when the
    /// topmost Via is malformed.
    public func setTopViaReceived(_ received: String?, rport: Int?) {
        guard let text = topViaText, var via = SIPVia(text) else { return }
        via.received = received
        if let rport { via.setRport(.some(rport)) }
        replaceFirstElement("via", with: via.description)
    }

    /// Sets the To tag (RFC 3261 §8.2.6.2). The To field keeps its text and
    /// gets ";tag=..." appended when it had none; an existing tag is replaced.
    public func setToTag(_ tag: String) {
        guard let index = fields.firstIndex(where: { $0.kind == .to }) else { return }
        let field = fields[index]
        guard var to = try? SIPNameAddr.parse(field.value) else { return }
        editing(.to) {
            if to.tag == nil {
                fields[index] = SIPHeaderField(name: field.name, value: field.value + ";tag=" + tag)
            } else {
                to.tag = tag
                fields[index] = SIPHeaderField(name: field.name, value: to.description)
            }
        }
    }

    /// Removes the first Route value (RFC 3261 §16.4, loose routing).
    public func removeFirstRoute() {
        removeFirstElement("route")
    }

    /// Adds a Record-Route value on top (RFC 3261 §16.6 step 4), e.g.
    /// "<sip:192.0.2.1:5060;lr>".
    public func prependRecordRoute(_ value: String) {
        insertOnTop(name: "Record-Route", value: value)
    }

    /// Adds a Path value on top (RFC 3327 §4.2: each proxy on the way to
    /// the registrar puts its own first), e.g. "<sip:token@192.0.2.1;lr;ob>".
    public func prependPath(_ value: String) {
        if headers(named: "Path").isEmpty { addHeader(name: "Path", value: value) } else { insertOnTop(name: "Path", value: value) }
    }

    /// Removes the topmost Record-Route value (undoes `prependRecordRoute`).
    public func removeFirstRecordRoute() {
        removeFirstElement("record-route")
    }
}
