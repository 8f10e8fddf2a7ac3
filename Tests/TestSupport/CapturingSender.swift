import SIPCore
import SIPProxy

/// Records what a `ProxyCore` sends instead of touching sockets. Not
/// thread-safe: touch it on the core's queue, like the transport it replaces.
public final class CapturingSender: MessageSender {
    /// One message handed to the sender.
    public struct Sent {
        public var bytes: [UInt8]
        public var to: SocketAddress
        public var transport: TransportProtocol
        /// The name a new TLS connection would check (RFC 5922 §7.2).
        public var serverName: String?
        /// The connection named (a response's, or a flow's).
        public var connectionID: UInt64? = nil
        /// Sent with `send(_:overFlow:...)`: that connection or nothing.
        public var overFlow = false
        public var text: String { String(decoding: bytes, as: UTF8.self) }
        public var message: SIPMessage? { try? SIPMessage.parse(bytes) }
        public var firstLine: String { String(decoding: bytes.prefix { $0 != 13 }, as: UTF8.self) }
    }

    /// Everything sent so far, oldest first.
    public var sent: [Sent] = []
    /// The address the core is told it listens on.
    public let local = SocketAddress(host: "127.0.0.1", port: 5060)!
    /// The transports the core is told it listens on (all by default).
    public var listening = Set(TransportProtocol.allCases)

    public init() {}

    public func send(_ bytes: [UInt8], to destination: SocketAddress, transport: TransportProtocol, connectionID: UInt64?) {
        send(bytes, to: destination, transport: transport, connectionID: connectionID, serverName: nil)
    }

    public func send(_ bytes: [UInt8], to destination: SocketAddress, transport: TransportProtocol, connectionID: UInt64?,
                     serverName: String?) {
        sent.append(Sent(bytes: bytes, to: destination, transport: transport, serverName: serverName, connectionID: connectionID))
    }

    public func send(_ bytes: [UInt8], overFlow connectionID: UInt64, to destination: SocketAddress, transport: TransportProtocol) {
        sent.append(Sent(bytes: bytes, to: destination, transport: transport, serverName: nil, connectionID: connectionID, overFlow: true))
    }

    public func localAddress(transport: TransportProtocol, family: SocketAddress.Family) -> SocketAddress? {
        listening.contains(transport) ? local : nil
    }

    /// Removes and returns everything sent so far.
    public func take() -> [Sent] {
        defer { sent.removeAll() }
        return sent
    }
}
