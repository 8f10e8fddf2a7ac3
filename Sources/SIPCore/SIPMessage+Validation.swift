/// Well-formedness checks a proxy makes before acting on a message
/// (RFC 3261 §16.3 step 1, §8.2.2, RFC 4475 §3.1.2 and §3.3). Only syntax is
/// judged here; routing policy (416 for URI schemes, 483 for Max-Forwards 0,
/// 420 for Proxy-Require, loop detection) belongs to the proxy.
extension SIPMessage {
    /// nil when the request may be processed, else the status (400 or 505)
    /// and a reason phrase to answer with.
    public func validateRequest() -> (status: Int, reason: String)? {
        guard case let .request(method, uri, version) = startLine else { return (400, "Not A Request") }
        // RFC 3261 §8.2.2 / §21.5.6: another SIP version gets 505.
        switch SIPMessage.versionCheck(version) {
        case .supported: break
        case .unsupported: return (505, "Version Not Supported")
        case .malformed: return (400, "Bad SIP-Version")
        }
        if let reason = SIPMessage.requestURIProblem(uri) { return (400, reason) }
        if let reason = headerProblem(method: method) {
            // RFC 4475 §3.1.2.18: an unknown method whose CSeq does not match
            // is better answered 501 than 400, particularly by proxies.
            if reason == SIPMessage.cseqMismatch, !SIPMessage.knownMethods.contains(method) {
                return (501, "Not Implemented")
            }
            return (400, reason)
        }
        return nil
    }

    static let cseqMismatch = "CSeq Method Mismatch"

    /// Methods of RFC 3261 and its registered extensions (RFC 3262, 3265,
    /// 3311, 3428, 3515, 3903, 6086).
    static let knownMethods: Set<String> = [
        "INVITE", "ACK", "OPTIONS", "BYE", "CANCEL", "REGISTER", "PRACK", "SUBSCRIBE", "NOTIFY",
        "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE",
    ]

    /// nil when the response may be processed; else why it must be dropped
    /// (RFC 4475 §3.1.2.5, §3.1.2.19: a bad response is discarded, never
    /// answered).
    public func validateResponse() -> String? {
        guard case let .response(version, code, _) = startLine else { return "Not A Response" }
        // Status-Code = 3DIGIT, 1xx to 6xx (RFC 3261 §7.2, §21).
        guard code.utf8.count == 3, let status = Int(code), (100...699).contains(status) else {
            return "Status Code Out Of Range"
        }
        guard SIPMessage.versionCheck(version) == .supported else { return "Unsupported SIP Version" }
        // A proxy forwards Contact, Record-Route and P-Asserted-Identity of a
        // response without acting on them (RFC 3261 §16.7): their syntax is
        // the endpoints' business, and checking it costs a URI parse each.
        return headerProblem(method: nil, checkAddressLists: false)
    }

    enum VersionCheck { case supported, unsupported, malformed }

    /// SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT, "SIP" case-insensitive.
    static func versionCheck(_ version: String) -> VersionCheck {
        guard version.utf8.count > 4, version.prefix(4).uppercased() == "SIP/" else { return .malformed }
        let numbers = version.dropFirst(4).split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 2, let major = SIPSyntax.number(numbers[0], limit: 1_000_000),
              let minor = SIPSyntax.number(numbers[1], limit: 1_000_000) else { return .malformed }
        return major == 2 && minor == 0 ? .supported : .unsupported
    }

    /// Request-URI problems (RFC 3261 §7.1, §19.1.5; RFC 4475 §3.1.2.7,
    /// §3.1.2.8, §3.1.2.11).
    static func requestURIProblem(_ uri: String) -> String? {
        if SIPSyntax.containsWhitespace(uri) || uri.hasPrefix("<") { return "Malformed Request-URI" }
        guard let parsed = SIPURI(uri) else { return "Malformed Request-URI" }
        if parsed.hasHeaders { return "Headers Not Allowed In Request-URI" }
        return nil
    }

    /// Mandatory fields (RFC 3261 §8.1.1), single-valued fields, and the
    /// syntax of the fields a proxy reads. `method` is nil for responses.
    func headerProblem(method: String?, checkAddressLists: Bool = true) -> String? {
        let required: [(key: String, name: String)] = [
            ("via", "Via"), ("from", "From"), ("to", "To"), ("call-id", "Call-ID"), ("cseq", "CSeq"),
        ]
        var counts: [String: Int] = [:]
        for field in fields { counts[field.key, default: 0] += 1 }
        for header in required where counts[header.key, default: 0] == 0 {
            return "Missing \(header.name)"
        }
        // RFC 4475 §3.3.8: more than one value in a single-value field.
        let single: [(key: String, name: String)] = [
            ("call-id", "Call-ID"), ("from", "From"), ("to", "To"), ("cseq", "CSeq"),
            ("max-forwards", "Max-Forwards"), ("content-length", "Content-Length"),
        ]
        for header in single where counts[header.key, default: 0] > 1 {
            return "Multiple \(header.name) Header Fields"
        }
        if let reason = viaProblem() { return reason }
        for header in [(key: "from", name: "From"), (key: "to", name: "To")] {
            if let reason = addressProblem(header.key, name: header.name, single: true) { return reason }
        }
        if let callID = callID, !SIPMessage.isCallID(callID) { return "Bad Call-ID" }
        guard let cseq else { return "Bad CSeq" }
        // RFC 3261 §8.2.2 / RFC 4475 §3.1.2.17: CSeq method must match.
        if let method, cseq.method != method { return SIPMessage.cseqMismatch }
        if counts["max-forwards", default: 0] > 0, maxForwards == nil { return "Bad Max-Forwards" }
        guard checkAddressLists else { return nil }
        let lists: [(key: String, name: String)] = [
            ("contact", "Contact"), ("route", "Route"), ("record-route", "Record-Route"),
            ("p-asserted-identity", "P-Asserted-Identity"),
        ]
        for header in lists {
            if let reason = addressProblem(header.key, name: header.name, single: false) { return reason }
        }
        return nil
    }

    /// Every Via value must parse; empty list elements are errors
    /// (RFC 4475 §3.1.2.1).
    private func viaProblem() -> String? {
        var parsedVias: [SIPVia] = []
        for field in fields where field.key == "via" {
            let split = SIPSyntax.split(field.value, at: ",")
            guard !split.unbalanced else { return "Bad Via" }
            for element in split.elements {
                guard !element.isEmpty, let via = SIPVia(element) else { return "Bad Via" }
                parsedVias.append(via)
            }
        }
        // Every value parsed: keep them for `vias`, which would parse again.
        parsed.vias = parsedVias
        return nil
    }

    /// name-addr / addr-spec syntax of every value of `key`.
    private func addressProblem(_ key: String, name: String, single: Bool) -> String? {
        for field in fields where field.key == key {
            let split = SIPSyntax.split(field.value, at: ",")
            if split.unbalanced { return "Bad \(name): Unterminated Quote Or '<'" }
            if single, split.elements.count > 1 { return "Multiple \(name) Values" }
            // Contact: * is the wildcard of REGISTER (RFC 3261 §10.2.2).
            if key == "contact", split.elements == ["*"] { continue }
            for element in split.elements {
                do {
                    let value = try SIPNameAddr.parse(element)
                    // Single-valued From/To: keep the parse for `from`/`to`.
                    if single, key == "from" { parsed.from = .some(value) }
                    if single, key == "to" { parsed.to = .some(value) }
                } catch let error as SIPParseError {
                    return "Bad \(name): \(error.reason)"
                } catch {
                    return "Bad \(name)"
                }
            }
        }
        return nil
    }

    /// callid = word [ "@" word ] (RFC 3261 §25.1).
    static func isCallID(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.utf8.allSatisfy { byte in
                SIPSyntax.isTokenByte(byte) || "()<>:\\\"/[]?{}".utf8.contains(byte)
            }
        }
    }
}
