/// One static route from the INI (`[route "name"]`): requests whose
/// Request-URI user starts with `userPrefix` and/or whose host equals
/// `domain` go to `nextHop`.
public struct StaticRoute: Equatable, Sendable {
    public var name: String
    public var userPrefix: String?
    public var domain: String?
    public var nextHop: SocketAddress
    public var transport: TransportProtocol
    /// The route names its transport (`transport = ...`): a request too
    /// large for UDP is then refused (513) instead of going over TCP.
    public var transportFixed: Bool
    /// For `transport = tls`: the name the next hop's certificate must
    /// carry (RFC 5922 §7.2); nil checks `nextHop`'s address.
    public var tlsServerName: String?
    /// `retarget_to`: the TN or URI the daemon retargets matching requests
    /// to before routing them again (the core itself ignores it).
    public var retargetTo: String?
    /// Proxy or B2BUA for INVITEs this route carries (`mode`, else `[proxy] mode`).
    public var mode: CallMode

    public init(name: String, userPrefix: String?, domain: String?, nextHop: SocketAddress, transport: TransportProtocol,
                transportFixed: Bool = false, tlsServerName: String? = nil, retargetTo: String? = nil, mode: CallMode = .proxy) {
        self.name = name
        self.userPrefix = userPrefix
        self.domain = domain?.lowercased()
        self.nextHop = nextHop
        self.transport = transport
        self.transportFixed = transportFixed
        self.tlsServerName = tlsServerName
        self.retargetTo = retargetTo
        self.mode = mode
    }
}

/// Static next-hop table. The most specific match wins: a domain match
/// counts more than none, then the longest user prefix; ties keep file order.
public struct RouteTable: Equatable, Sendable {
    public var routes: [StaticRoute]
    public init(routes: [StaticRoute] = []) { self.routes = routes }

    public func lookup(user: String?, host: String?) -> StaticRoute? {
        // Host and digits are only built when some route needs them (a
        // table of catch-all routes, the common case, allocates nothing).
        var lowered: String??
        var digits: String??
        var best: (route: StaticRoute, score: Int)?
        for route in routes {
            var score = 0
            if let d = route.domain {
                if lowered == nil { lowered = .some(host?.lowercased()) }
                guard d == lowered! else { continue }
                score += 100_000
            }
            if let p = route.userPrefix {
                if digits == nil { digits = .some(user.map(Self.dialledDigits)) }
                guard let u = digits!, u.hasPrefix(p) || (u.hasPrefix("+") && u.dropFirst().hasPrefix(p)) else { continue }
                score += p.count + 1
            }
            if best == nil || score > best!.score { best = (route, score) }
        }
        return best?.route
    }

    /// The user part up to its first ';', without RFC 3966 visual
    /// separators ('-', '.', '(', ')'), which do not matter for prefixes.
    static func dialledDigits(_ user: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(user.utf8.count)
        for b in user.utf8 {
            if b == UInt8(ascii: ";") { break }
            if b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "(") || b == UInt8(ascii: ")") { continue }
            bytes.append(b)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
