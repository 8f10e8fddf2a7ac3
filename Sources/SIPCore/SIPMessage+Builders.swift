/// Messages built from a request: responses (RFC 3261 §8.2.6), CANCEL (§9.1)
/// and the ACK for a non-2xx final response (§17.1.1.3). Copied header
/// fields keep their received bytes.
extension SIPMessage {
    /// RFC 3261 §8.2.6.2 / §16.7: a response to this request. All Via
    /// values, From, To, Call-ID and CSeq are copied; the To tag `toTag` is
    /// added when status > 100 and To has none; Content-Length is 0.
    public func makeResponse(_ status: SIPStatus, toTag: String?) -> SIPMessage {
        makeResponse(status: status.code, reason: status.reason, toTag: toTag)
    }

    /// As `makeResponse(_:toTag:)` with the code and phrase given apart
    /// (for relaying a status as received).
    public func makeResponse(status: Int, reason: String, toTag: String?) -> SIPMessage {
        var copied: [SIPHeaderField] = []
        for field in fields where ["via", "from", "to", "call-id", "cseq"].contains(field.key) {
            copied.append(field)
        }
        let response = SIPMessage(
            startLine: .response(version: "SIP/2.0", code: String(status), reason: Array(reason.utf8)),
            fields: copied, body: [])
        if status > 100, let toTag, response.to?.tag == nil {
            response.setToTag(toTag)
        }
        response.addHeader(name: "Content-Length", value: "0")
        return response
    }

    /// RFC 3261 §9.1: the CANCEL for this INVITE: same Request-URI, Call-ID,
    /// From, To and CSeq number (method CANCEL), a single Via equal to the
    /// top Via of this request, Route fields copied; Max-Forwards 70.
    public func makeCancel() -> SIPMessage {
        hopRequest(method: "CANCEL", to: fields.filter { $0.kind == .to })
    }

    /// RFC 3261 §17.1.1.3: the ACK for a non-2xx final `response` to this
    /// INVITE: Request-URI, Call-ID, From, CSeq number and Route as in this
    /// request, To from the response (with its tag), the top Via of this
    /// request only.
    public func makeAck(for response: SIPMessage) -> SIPMessage {
        var to = response.fields.filter { $0.kind == .to }
        if to.isEmpty { to = fields.filter { $0.kind == .to } }
        return hopRequest(method: "ACK", to: to)
    }

    private func hopRequest(method: String, to: [SIPHeaderField]) -> SIPMessage {
        var copied: [SIPHeaderField] = []
        if let first = fields.first(where: { $0.kind == .via }), let topVia = topViaText {
            let single = SIPSyntax.split(first.value, at: ",").elements.count == 1
            copied.append(single ? first : SIPHeaderField(name: first.name, value: topVia))
        }
        for field in fields where field.kind == .route { copied.append(field) }
        copied.append(SIPHeaderField(name: "Max-Forwards", value: "70"))
        copied.append(contentsOf: fields.filter { $0.kind == .from })
        copied.append(contentsOf: to)
        copied.append(contentsOf: fields.filter { $0.kind == .callID })
        let number = cseq.map { String($0.number) } ?? "0"
        copied.append(SIPHeaderField(name: "CSeq", value: number + " " + method))
        copied.append(SIPHeaderField(name: "Content-Length", value: "0"))
        let version: String
        if case let .request(_, _, received) = startLine { version = received } else { version = "SIP/2.0" }
        return SIPMessage(
            startLine: .request(method: method, uri: requestURI ?? "", version: version),
            fields: copied, body: [])
    }
}
