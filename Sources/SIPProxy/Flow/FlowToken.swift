/// One RFC 5626 flow as stird names it: the TLS or TCP connection a
/// REGISTER came in on (§3.2, "flow"), identified by the transport
/// layer's connection id and checked against the far end's address and
/// transport, so a token can never select another connection that
/// happens to get the same id.
public struct FlowToken: Hashable, Sendable {
    public var connectionID: UInt64
    public var remote: SocketAddress
    public var transport: TransportProtocol

    public init(connectionID: UInt64, remote: SocketAddress, transport: TransportProtocol) {
        self.connectionID = connectionID
        self.remote = remote
        self.transport = transport
    }
}
