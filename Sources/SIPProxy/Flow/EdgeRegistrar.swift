import SIPCore

/// Where stird relays the REGISTERs of relay user equipment (RFC 9248
/// §5, `[rue] registrar`), acting as the edge proxy of RFC 5626 §5 and a
/// Path proxy (RFC 3327 §4.2): a REGISTER that arrived over TLS or TCP
/// goes to this hop with a Path naming its flow.
public struct EdgeRegistrar: Equatable, Sendable {
    public var host: String
    public var port: Int
    public var transport: TransportProtocol
    /// A `transport` parameter or sips: named it (not switched for size).
    public var transportFixed: Bool
    /// The name a TLS registrar's certificate must carry: the URI's host
    /// when it is a name (RFC 5922 §7.2), nil for a numeric host.
    public var serverName: String?
    /// Only REGISTERs whose Request-URI host is this domain are relayed;
    /// empty: every REGISTER that arrives over a flow.
    public var domain: String

    /// Parses `sip:HOST[:PORT][;transport=udp|tcp|tls]` or `sips:`; nil
    /// for anything else (a user part, headers, another scheme).
    public init?(uri text: String, domain: String) {
        guard let uri = SIPURI(text), uri.scheme == "sip" || uri.scheme == "sips", uri.user == nil, !uri.hasHeaders,
              let host = uri.host, !host.isEmpty else { return nil }
        var transport: TransportProtocol = uri.scheme == "sips" ? .tls : .udp
        var fixed = uri.scheme == "sips"
        if case let .some(.some(t)) = uri.parameter("transport") {
            switch t.lowercased() {
            case "udp" where uri.scheme == "sip": transport = .udp
            case "tcp": transport = uri.scheme == "sips" ? .tls : .tcp
            case "tls": transport = .tls
            default: return nil
            }
            fixed = true
        }
        self.host = host
        port = uri.port ?? (transport == .tls ? 5061 : 5060)
        self.transport = transport
        transportFixed = fixed
        serverName = transport == .tls && SocketAddress(host: host, port: 0) == nil ? host : nil
        self.domain = domain
    }
}
