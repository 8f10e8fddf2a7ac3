/// SIP transports stird speaks (RFC 3261 §18; TLS per §26.2.1 over TCP).
public enum TransportProtocol: String, Hashable, Sendable, CaseIterable {
    case udp = "UDP"
    case tcp = "TCP"
    case tls = "TLS"

    /// Lower-case name used in URI `transport=` parameters.
    public var uriName: String { rawValue.lowercased() }
    /// Stream transports are reliable: no retransmissions (RFC 3261 §17.1.1.2).
    public var isReliable: Bool { self != .udp }
}

/// One message as it came off the wire, before parsing.
public struct ReceivedMessage {
    public var bytes: [UInt8]
    public var source: SocketAddress
    /// The local address the message arrived on.
    public var local: SocketAddress
    public var transport: TransportProtocol
    /// Set for stream transports: the connection to answer on (RFC 3261 §18.2.2).
    public var connectionID: UInt64?
    /// Over TLS, what the peer's verified certificate says it is
    /// (subjectAltName dNSNames and URIs, `sha256:` fingerprint); empty
    /// otherwise. See `TLSSession.peerIdentities`.
    public var tlsPeerIdentities: [String]

    public init(bytes: [UInt8], source: SocketAddress, local: SocketAddress, transport: TransportProtocol, connectionID: UInt64?,
                tlsPeerIdentities: [String] = []) {
        self.bytes = bytes
        self.source = source
        self.local = local
        self.transport = transport
        self.connectionID = connectionID
        self.tlsPeerIdentities = tlsPeerIdentities
    }
}

/// What the proxy core needs from the transport layer. Implemented by
/// `TransportLayer` on real sockets and by a capturing fake in tests.
public protocol MessageSender: AnyObject {
    /// Sends one serialized message. Stream transports reuse `connectionID`
    /// when it is still open, else any open connection to `destination`,
    /// else connect. Never blocks.
    func send(_ bytes: [UInt8], to destination: SocketAddress, transport: TransportProtocol, connectionID: UInt64?)
    /// As `send`, naming the host a new TLS connection must authenticate
    /// (RFC 5922 §7.2); nil means the numeric `destination` itself.
    func send(_ bytes: [UInt8], to destination: SocketAddress, transport: TransportProtocol, connectionID: UInt64?,
              serverName: String?)
    /// The address to put in our Via sent-by / Record-Route for traffic to
    /// `family` over `transport`, or nil when we do not listen there.
    func localAddress(transport: TransportProtocol, family: SocketAddress.Family) -> SocketAddress?
    /// Sends over exactly this connection, an RFC 5626 flow (§5.3): never
    /// over another connection to the same far end and never over a new
    /// one (the far end may be behind a NAT that only this connection
    /// passes). When it is gone the message is reported undelivered.
    func send(_ bytes: [UInt8], overFlow connectionID: UInt64, to destination: SocketAddress, transport: TransportProtocol)
}

extension MessageSender {
    /// Senders that never open TLS connections ignore the name.
    public func send(_ bytes: [UInt8], to destination: SocketAddress, transport: TransportProtocol, connectionID: UInt64?,
                     serverName: String?) {
        send(bytes, to: destination, transport: transport, connectionID: connectionID)
    }

    /// Senders without connections of their own send as for a response.
    public func send(_ bytes: [UInt8], overFlow connectionID: UInt64, to destination: SocketAddress, transport: TransportProtocol) {
        send(bytes, to: destination, transport: transport, connectionID: connectionID)
    }
}

/// A transport setup error with the address that failed.
public struct TransportError: Error, Equatable, CustomStringConvertible {
    public var address: String
    public var reason: String
    public var description: String { "\(address): \(reason)" }
}
