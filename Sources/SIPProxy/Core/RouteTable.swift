/// One static route from the INI (`[route "name"]`): requests whose
/// Request-URI user starts with `userPrefix` and/or whose host equals
/// `domain` go to `nextHop`.
public struct StaticRoute: Equatable, Sendable {
    public var name: String
    public var userPrefix: String?
    public var domain: String?
    public var nextHop: SocketAddress
    public var transport: TransportProtocol

    public init(name: String, userPrefix: String?, domain: String?, nextHop: SocketAddress, transport: TransportProtocol) {
        self.name = name
        self.userPrefix = userPrefix
        self.domain = domain?.lowercased()
        self.nextHop = nextHop
        self.transport = transport
    }
}

/// Static next-hop table. The most specific match wins: a domain match
/// counts more than none, then the longest user prefix; ties keep file order.
public struct RouteTable: Equatable, Sendable {
    public var routes: [StaticRoute]
    public init(routes: [StaticRoute] = []) { self.routes = routes }

    public func lookup(user: String?, host: String?) -> StaticRoute? {
        let host = host?.lowercased()
        // RFC 3966 visual separators and a leading '+' do not matter for prefixes.
        let digits = user.map { u in String(u.prefix { $0 != ";" }.filter { $0 != "-" && $0 != "." && $0 != "(" && $0 != ")" }) }
        var best: (route: StaticRoute, score: Int)?
        for route in routes {
            var score = 0
            if let d = route.domain {
                guard d == host else { continue }
                score += 100_000
            }
            if let p = route.userPrefix {
                guard let u = digits, u.hasPrefix(p) || (u.hasPrefix("+") && u.dropFirst().hasPrefix(p)) else { continue }
                score += p.count + 1
            }
            if best == nil || score > best!.score { best = (route, score) }
        }
        return best?.route
    }
}
