/// Typed and generic header access (RFC 3261 §7.3, §20).
extension SIPMessage {
    /// Values of every header field called `name` (case-insensitive, compact
    /// forms understood: i m e l c f s k t v y o u r b x a j d), in order.
    /// Comma-separated values inside one field are not split; the typed
    /// list accessors (`vias`, `routes`, `recordRoutes`, `contacts`,
    /// `pAssertedIdentities`) do split them.
    public func headers(named name: String) -> [String] {
        let (key, kind) = SIPHeaderField.keyAndKind(for: name)
        var values: [String] = []
        var next = SIPHeaderField.firstIndex(in: fields, of: kind, key)
        while let i = next {
            values.append(fields[i].value)
            next = SIPHeaderField.firstIndex(in: fields, of: kind, key, from: i + 1)
        }
        return values
    }

    /// Names of all header fields in order, as written.
    public var headerNames: [String] { fields.map(\.name) }

    /// All Identity header values (RFC 8224 §4; compact form `y`), order kept.
    public var identityHeaders: [String] { headers(named: "Identity") }

    /// Every element of every field called `name`, split at top-level commas
    /// (RFC 3261 §7.3.1), topmost first.
    func listElements(_ name: String) -> [String] {
        let (key, kind) = SIPHeaderField.keyAndKind(for: name)
        var elements: [String] = []
        var next = SIPHeaderField.firstIndex(in: fields, of: kind, key)
        while let i = next {
            elements.append(contentsOf: SIPSyntax.split(fields[i].value, at: ",").elements)
            next = SIPHeaderField.firstIndex(in: fields, of: kind, key, from: i + 1)
        }
        return elements
    }

    /// All Via values, topmost first, fields and comma-separated values
    /// flattened (RFC 3261 §20.42). Malformed values are left out: call
    /// `validateRequest()`/`validateResponse()` first.
    public var vias: [SIPVia] { parseVias().vias }

    /// `vias`, with `shapes` standing in for libosip2 on known Via shapes
    /// (the first read parses, later reads get the same answer).
    public func vias(shapes: ViaShapes?) -> [SIPVia] { parseVias(shapes: shapes).vias }

    /// Parses every Via element once (cached for `vias` and validation).
    /// `valid` is false when a field has an open quote or `<`, or an
    /// element (possibly empty) does not parse; `vias` holds the elements
    /// that did parse, in order.
    func parseVias(shapes: ViaShapes? = nil) -> (vias: [SIPVia], valid: Bool) {
        if let cached = parsed.vias, let valid = parsed.viasValid { return (cached, valid) }
        var vias: [SIPVia] = []
        vias.reserveCapacity(2)
        var valid = true
        for i in fields.indices where fields[i].kind == .via {
            fields[i].withValueBytes { buffer in
                let unbalanced = SIPBytes.split(buffer, 0..<buffer.count, separator: 0x2C) { element in
                    if let via = SIPVia.parse(buffer, element, shapes: shapes) {
                        vias.append(via)
                    } else {
                        valid = false
                    }
                    return true
                }
                if unbalanced { valid = false }
            }
        }
        parsed.vias = vias
        parsed.viasValid = valid
        return (vias, valid)
    }

    /// The topmost Via element, parsed alone; nil when there is no Via or
    /// the first element is malformed. A response needs only this one: its
    /// branch finds the client transaction (RFC 3261 §17.1.3), and the Vias
    /// below belong to the elements upstream, which get them back as they
    /// were (§16.7 step 3).
    public var topVia: SIPVia? { topVia(shapes: nil) }

    /// `topVia`, with `shapes` standing in for libosip2 on known Via shapes.
    func topVia(shapes: ViaShapes?) -> SIPVia? {
        if let vias = parsed.vias, parsed.viasValid == true { return vias.first }
        if let cached = parsed.topVia { return cached }
        var top: SIPVia?
        for i in fields.indices where fields[i].kind == .via {
            fields[i].withValueBytes { buffer in
                _ = SIPBytes.split(buffer, 0..<buffer.count, separator: 0x2C) { element in
                    top = SIPVia.parse(buffer, element, shapes: shapes)
                    return false
                }
            }
            break
        }
        parsed.topVia = .some(top)
        return top
    }

    /// The topmost Via value as received (text), nil when there is none.
    public var topViaText: String? { listElements("via").first }

    public var from: SIPNameAddr? { nameAddr(.from) }

    public var to: SIPNameAddr? { nameAddr(.to) }

    /// `from?.tag`, read from the field's bytes without building the
    /// name-addr (the loop hash and dialog checks of every request want
    /// only the tag).
    public var fromTag: String? { tag(.from) }

    /// `to?.tag`, as `fromTag`.
    public var toTag: String? { tag(.to) }

    /// From or To, parsed once.
    private func nameAddr(_ kind: SIPHeaderField.Kind) -> SIPNameAddr? {
        let cache = kind == .from ? parsed.from : parsed.to
        if let cached = cache.nameAddr { return cached }
        let value = firstNameAddr(kind, checked: cache.checked)
        if kind == .from { parsed.from.nameAddr = .some(value) } else { parsed.to.nameAddr = .some(value) }
        return value
    }

    /// The tag of From or To: from the parsed name-addr when there is one,
    /// else scanned once and cached on its own.
    private func tag(_ kind: SIPHeaderField.Kind) -> String? {
        let cache = kind == .from ? parsed.from : parsed.to
        if let nameAddr = cache.nameAddr { return nameAddr?.tag }
        if let cached = cache.tag { return cached }
        let value = headerTag(kind, checked: cache.checked)
        if kind == .from { parsed.from.tag = .some(value) } else { parsed.to.tag = .some(value) }
        return value
    }

    private func headerTag(_ kind: SIPHeaderField.Kind, checked: Bool) -> String? {
        guard let index = fields.firstIndex(where: { $0.kind == kind }) else { return nil }
        // .some(tag) from the byte scanner; nil sends non-ASCII values to
        // the reference parser (Character semantics), as `fastParse` does.
        let scanned: String?? = fields[index].withValueBytes { buffer in
            let whole = 0..<buffer.count
            guard SIPBytes.isPlainASCII(buffer, whole) else { return nil }
            guard case .success(let layout) = SIPBytes.nameAddr(buffer, whole, checkURI: !checked),
                  let list = layout.parameters else { return .some(nil) }
            var tag: String?
            SIPBytes.split(buffer, list, separator: 0x3B) { piece in
                guard let parameter = SIPBytes.parameter(buffer, piece),
                      SIPBytes.equalsIgnoringCase(buffer, parameter.name, "tag") else { return true }
                tag = parameter.value.map { SIPBytes.string(buffer, $0) }
                return false
            }
            return .some(tag)
        }
        if let scanned { return scanned }
        return kind == .from ? from?.tag : to?.tag
    }

    /// The first field's value as `SIPNameAddr.parse` reads it (nil where it
    /// throws); `checked` (validation passed) skips the URI grammar.
    private func firstNameAddr(_ kind: SIPHeaderField.Kind, checked: Bool) -> SIPNameAddr? {
        guard let value = firstValue(kind) else { return nil }
        return SIPNameAddr.fastParse(value, checkURI: !checked)
    }

    /// Value of the first field of `kind`.
    func firstValue(_ kind: SIPHeaderField.Kind) -> String? {
        for i in fields.indices where fields[i].kind == kind { return fields[i].value }
        return nil
    }

    private func nameAddrList(_ name: String) -> [SIPNameAddr] {
        listElements(name).compactMap { try? SIPNameAddr.parse($0) }
    }

    public var routes: [SIPNameAddr] { nameAddrList("route") }
    public var recordRoutes: [SIPNameAddr] { nameAddrList("record-route") }
    /// Contact values; a wildcard `*` (RFC 3261 §10.2.2) is left out.
    public var contacts: [SIPNameAddr] { nameAddrList("contact") }
    /// RFC 3325 §9.1.
    public var pAssertedIdentities: [SIPNameAddr] { nameAddrList("p-asserted-identity") }

    public var callID: String? {
        if let cached = parsed.callID { return cached }
        let value = firstValue(.callID)
        parsed.callID = .some(value)
        return value
    }

    /// CSeq (RFC 3261 §20.16): nil when absent or malformed (number above
    /// 2^32-1, method not a token).
    public var cseq: (number: UInt32, method: String)? {
        if let cached = parsed.cseq { return cached }
        let value = parseCSeq()
        parsed.cseq = .some(value)
        return value
    }

    private func parseCSeq() -> (number: UInt32, method: String)? {
        guard let value = firstValue(.cseq) else { return nil }
        return SIPMessage.parseCSeq(value)
    }

    /// Max-Forwards (RFC 3261 §20.22): nil when absent or not a number in
    /// 0...255 (RFC 4475 §3.1.2.4 allows treating an overlarge value as absent).
    /// Setting replaces the first field in place (others removed); nil removes it.
    public var maxForwards: Int? {
        get {
            guard let value = firstValue(.maxForwards),
                  let number = SIPSyntax.number(value, limit: 255) else { return nil }
            return Int(number)
        }
        set {
            guard let newValue else {
                removeHeaders(named: "Max-Forwards")
                return
            }
            replaceFirst("max-forwards", name: "Max-Forwards", value: String(newValue))
        }
    }

    /// Date (RFC 3261 §20.17), as received.
    public var date: String? { headers(named: "date").first }
}
