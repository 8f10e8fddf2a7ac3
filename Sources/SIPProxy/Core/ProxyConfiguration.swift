/// Proxy-core settings (`[proxy]` and `[transaction]` INI sections).
public struct ProxyConfiguration: Equatable, Sendable {
    public var timers = TransactionTimers()
    /// Send 100 Trying for INVITE when the TU has not answered within this time (RFC 3261 §17.2.1); nil disables.
    public var autoTrying: Duration? = .milliseconds(200)
    /// Insert Record-Route so in-dialog requests come back through us (RFC 3261 §16.6 step 4).
    public var recordRoute = true
    /// Max-Forwards put on requests that arrive without one (RFC 3261 §16.6 step 3).
    public var defaultMaxForwards = 70
    /// A suspended request is answered 500 after this long.
    public var processorTimeout: Duration = .seconds(10)
    /// Host names that mean "this proxy" in Route and Request-URI, besides our bound addresses.
    public var localNames: [String] = []
    /// Option tags this proxy supports in Proxy-Require (RFC 3261 §16.3 step 5).
    public var supportedExtensions: Set<String> = []
    public var routes = RouteTable()
    /// Fixed name → numeric address entries consulted before DNS (`[hosts]`).
    public var staticHosts: [String: String] = [:]
    /// Resolve other host names with the system resolver (off the loop).
    /// When false, a next hop that is neither numeric nor in `staticHosts` gets 503.
    public var resolveNames = true
    /// The path MTU towards UDP next hops, when known (`udp_mtu_bytes`). A
    /// request within 200 bytes of it goes over TCP instead (RFC 3261
    /// §18.1.1). nil: unknown; then only a request that cannot fit a UDP
    /// datagram at all (65,507 bytes over IPv4, 65,527 over IPv6) switches.
    public var udpMTU: Int?
    /// How routes without their own `mode` carry calls (`[proxy] mode`).
    public var mode: CallMode = .proxy
    /// Back-to-back user agent settings, for routes in `b2bua` mode.
    public var b2bua = B2BUASettings()
    /// Relay REGISTERs arriving over TLS or TCP here with a Path naming
    /// their flow (`[rue] registrar`, RFC 5626 §5); nil: REGISTER is
    /// routed like any request.
    public var registrar: EdgeRegistrar?
    public init() {}
}
