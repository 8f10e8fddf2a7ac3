import SIPCore

/// What the server transport decides from a message's own header section
/// when the connection it belongs to cannot carry it (RFC 3261 §18.2.2,
/// §18.3). Parses only the start line and header fields.
enum StreamResponseRouting {
    /// RFC 3261 §18.2.2: when the connection a request came on has closed,
    /// a response over a reliable transport goes on a new connection to the
    /// address in the top Via's `received` (else its sent-by host) and the
    /// port in sent-by, or 5060 when sent-by has none. Not the request's
    /// source port: that was the client's ephemeral end of the closed
    /// connection, where nobody listens. (RFC 3581 `rport` applies to
    /// unreliable transports only, §4.) nil for anything but a response
    /// whose top Via names a numeric address. Over TLS the port is 5061
    /// when sent-by has none (§19.1.2), and the name a new TLS connection must
    /// authenticate: the sent-by host (RFC 3261 §26.3.2.1; RFC 5922 §7.2),
    /// or nil for a numeric sent-by, whose address is checked instead.
    static func reconnectTarget(forResponse bytes: [UInt8], transport: TransportProtocol) -> (address: SocketAddress, name: String?)? {
        guard let response = SIPMessage.parseHeaderSection(bytes), !response.isRequest,
              let via = response.topVia else { return nil }
        let host = via.received ?? via.host
        guard let address = SocketAddress(host: host, port: via.port ?? (transport == .tls ? 5061 : 5060)) else { return nil }
        let name = SocketAddress(host: via.host, port: 0) == nil ? via.host : nil
        return (address, name)
    }

    /// RFC 3261 §18.3, §20.14: Content-Length is mandatory on a stream and
    /// tells where the next message starts; a missing, negative, malformed or
    /// repeated one leaves the rest of the stream unframeable, so the
    /// connection is closed. When the offending request's header section is
    /// complete and has what a response needs (Via, From, To, Call-ID, CSeq)
    /// it first gets a 400 whose reason phrase names the error (RFC 4475
    /// §3.1.2.3 ncl, §3.3.9 mcl01), or 513 when its Content-Length makes it
    /// larger than `max_message_size` (§21.5.9). Responses and ACKs get
    /// nothing (§17).
    /// `source` is the peer, recorded as the Via's `received` when the
    /// sent-by host differs (§18.2.1).
    static func framingRejection(headerSection: [UInt8], error: SIPParseError, source: SocketAddress) -> [UInt8]? {
        guard let request = SIPMessage.parseHeaderSection(headerSection), request.isRequest,
              request.method != "ACK", let via = request.vias.first, request.from != nil, request.to != nil,
              request.callID != nil, request.cseq != nil else { return nil }
        if via.host.replacingBrackets().lowercased() != source.host.lowercased() { request.setTopViaReceived(source.host, rport: nil) }
        let tag = String(UInt64.random(in: 1...UInt64.max), radix: 16)
        let status = error == SIPStreamFramer.messageTooLarge ? SIPStatus(513) : error.status
        return request.makeResponse(status, toTag: tag).serialize()
    }
}
