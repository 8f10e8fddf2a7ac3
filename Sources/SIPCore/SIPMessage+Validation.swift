/// Well-formedness checks a proxy makes before acting on a message
/// (RFC 3261 §16.3 step 1, §8.2.2, RFC 4475 §3.1.2 and §3.3). Only syntax is
/// judged here; routing policy (416 for URI schemes, 483 for Max-Forwards 0,
/// 420 for Proxy-Require, loop detection) belongs to the proxy.
extension SIPMessage {
    /// nil when the request may be processed, else why not: 400 with a
    /// phrase naming the problem, 505, or 501. `accepted` remembers address
    /// values that passed, and skips the check for values it holds.
    public func validateRequest(accepted: AcceptedFieldValues? = nil) -> SIPRequestRejection? {
        guard case let .request(method, uri, version) = startLine else { return .badRequest("Not A Request") }
        if headerHasNUL { return .badRequest("NUL Byte In Header") }
        // RFC 3261 §8.2.2 / §21.5.6: another SIP version gets 505.
        switch SIPMessage.fastVersionCheck(version) {
        case .supported: break
        case .unsupported: return SIPRequestRejection(SIPStatus(505))
        case .malformed: return .badRequest("Bad SIP-Version")
        }
        if let reason = SIPMessage.fastRequestURIProblem(uri, accepted: accepted) { return .badRequest(reason) }
        requestURIChecked = true
        if let reason = headerProblem(method: method, accepted: accepted) {
            // RFC 4475 §3.1.2.18: an unknown method whose CSeq does not match
            // is better answered 501 than 400, particularly by proxies.
            if reason == SIPMessage.cseqMismatch, !SIPMessage.knownMethods.contains(method) {
                return SIPRequestRejection(SIPStatus(501))
            }
            return .badRequest(reason)
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
    /// answered). `accepted`: as for `validateRequest`.
    public func validateResponse(accepted: AcceptedFieldValues? = nil) -> String? {
        guard case let .response(version, code, _) = startLine else { return "Not A Response" }
        if headerHasNUL { return "NUL Byte In Header" }
        // Status-Code = 3DIGIT, 1xx to 6xx (RFC 3261 §7.2, §21).
        guard code.utf8.count == 3, let status = Int(code), (100...699).contains(status) else {
            return "Status Code Out Of Range"
        }
        guard SIPMessage.fastVersionCheck(version) == .supported else { return "Unsupported SIP Version" }
        // A proxy forwards Contact, Record-Route and P-Asserted-Identity of a
        // response without acting on them (RFC 3261 §16.7): their syntax is
        // the endpoints' business, and checking it costs a URI parse each.
        // The same goes for the Vias below the topmost.
        return headerProblem(method: nil, checkAddressLists: false, accepted: accepted)
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
    ///
    /// Address values are checked on their bytes (`SIPBytes.nameAddr`);
    /// nothing is built here: `from`, `to` and the lists are parsed when
    /// first read, and `vias` shares one parse with this check.
    func headerProblem(method: String?, checkAddressLists: Bool = true, accepted: AcceptedFieldValues? = nil) -> String? {
        var via = 0, from = 0, to = 0, callIDs = 0, cseqs = 0, maxForwardsFields = 0, contentLengths = 0
        for i in fields.indices {
            switch fields[i].kind {
            case .via: via += 1
            case .from: from += 1
            case .to: to += 1
            case .callID: callIDs += 1
            case .cseq: cseqs += 1
            case .maxForwards: maxForwardsFields += 1
            case .contentLength: contentLengths += 1
            default: break
            }
        }
        if via == 0 { return "Missing Via" }
        if from == 0 { return "Missing From" }
        if to == 0 { return "Missing To" }
        if callIDs == 0 { return "Missing Call-ID" }
        if cseqs == 0 { return "Missing CSeq" }
        // RFC 4475 §3.3.8: more than one value in a single-value field.
        if callIDs > 1 { return "Multiple Call-ID Header Fields" }
        if from > 1 { return "Multiple From Header Fields" }
        if to > 1 { return "Multiple To Header Fields" }
        if cseqs > 1 { return "Multiple CSeq Header Fields" }
        if maxForwardsFields > 1 { return "Multiple Max-Forwards Header Fields" }
        if contentLengths > 1 { return "Multiple Content-Length Header Fields" }
        // Every Via value of a request must parse; empty list elements are
        // errors (RFC 4475 §3.1.2.1). Of a response only the topmost, which
        // should be ours: the others are the upstream elements', returned
        // to them unread.
        let shapes = accepted?.viaShapes
        if method == nil ? topVia(shapes: shapes) == nil : !parseVias(shapes: shapes).valid { return "Bad Via" }
        if let reason = addressProblem(.from, name: "From", single: true, accepted: accepted) { return reason }
        parsed.from.checked = true
        if let reason = addressProblem(.to, name: "To", single: true, accepted: accepted) { return reason }
        parsed.to.checked = true
        if let callID = callID, !SIPMessage.fastIsCallID(callID) { return "Bad Call-ID" }
        guard let cseq else { return "Bad CSeq" }
        // RFC 3261 §8.2.2 / RFC 4475 §3.1.2.17: CSeq method must match.
        if let method, cseq.method != method { return SIPMessage.cseqMismatch }
        if maxForwardsFields > 0, maxForwards == nil { return "Bad Max-Forwards" }
        guard checkAddressLists else { return nil }
        if let reason = addressProblem(.contact, name: "Contact", single: false, accepted: accepted) { return reason }
        if let reason = addressProblem(.route, name: "Route", single: false, accepted: accepted) { return reason }
        if let reason = addressProblem(.recordRoute, name: "Record-Route", single: false, accepted: accepted) { return reason }
        if let reason = addressProblem(.pAssertedIdentity, name: "P-Asserted-Identity", single: false, accepted: accepted) {
            return reason
        }
        return nil
    }

    /// name-addr / addr-spec syntax of every value of `key`
    /// (RFC 3261 §20.10, §25.1), with the reasons `SIPNameAddr.parse` gives.
    /// A value `accepted` holds passed before and is not checked again.
    private func addressProblem(_ kind: SIPHeaderField.Kind, name: String, single: Bool,
                                accepted: AcceptedFieldValues?) -> String? {
        for i in fields.indices where fields[i].kind == kind {
            let reason = fields[i].withValueBytes { buffer -> String? in
                if let accepted, accepted.contains(kind, buffer) { return nil }
                let reason = SIPMessage.addressListProblem(buffer, name: name, single: single,
                                                           wildcard: kind == .contact, useOSIP: true, accepted: accepted)
                if reason == nil { accepted?.remember(kind, buffer) }
                return reason
            }
            if let reason { return reason }
        }
        return nil
    }

    /// One field value: a comma-separated list of name-addr / addr-spec
    /// elements (RFC 3261 §7.3.1). `single` allows one element only;
    /// `wildcard` accepts a lone `*` (Contact of REGISTER, RFC 3261 §10.2.2).
    static func addressListProblem(_ value: String, name: String, single: Bool, wildcard: Bool,
                                   useOSIP: Bool = true) -> String? {
        var value = value
        return value.withUTF8 { addressListProblem($0, name: name, single: single, wildcard: wildcard, useOSIP: useOSIP) }
    }

    /// `addressListProblem` over a value's UTF-8 bytes.
    static func addressListProblem(_ buffer: UnsafeBufferPointer<UInt8>, name: String, single: Bool, wildcard: Bool,
                                   useOSIP: Bool, accepted: AcceptedFieldValues? = nil) -> String? {
        let whole = 0..<buffer.count
        let (count, unbalanced) = SIPBytes.splitCount(buffer, whole, separator: 0x2C)
        if unbalanced { return "Bad \(name): Unterminated Quote Or '<'" }
        if single, count > 1 { return "Multiple \(name) Values" }
        if wildcard, count == 1 {
            let element = SIPBytes.trim(buffer, whole)
            if element.count == 1, buffer[element.lowerBound] == 0x2A { return nil }
        }
        let plain = SIPBytes.isPlainASCII(buffer, whole)
        var reason: String?
        SIPBytes.split(buffer, whole, separator: 0x2C) { element in
            if plain {
                if case .failure(let error) = SIPBytes.nameAddr(buffer, element, useOSIP: useOSIP, accepted: accepted) {
                    reason = "Bad \(name): \(error.reason)"
                }
            } else {
                // Non-ASCII: the reference parser (Character semantics).
                do {
                    _ = try SIPNameAddr.parse(SIPBytes.string(buffer, element))
                } catch let error as SIPParseError {
                    reason = "Bad \(name): \(error.reason)"
                } catch {
                    reason = "Bad \(name)"
                }
            }
            return reason == nil
        }
        return reason
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
