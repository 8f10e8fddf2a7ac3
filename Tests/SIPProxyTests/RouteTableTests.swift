import Testing
@testable import SIPProxy

@Suite struct RouteTableTests {
    static let a = SocketAddress(host: "127.0.0.1", port: 1)!
    static let b = SocketAddress(host: "127.0.0.1", port: 2)!
    static let c = SocketAddress(host: "::1", port: 3)!
    let table = RouteTable(routes: [
        StaticRoute(name: "default", userPrefix: nil, domain: nil, nextHop: a, transport: .udp),
        StaticRoute(name: "nanp", userPrefix: "1", domain: nil, nextHop: b, transport: .udp),
        StaticRoute(name: "ny", userPrefix: "1212", domain: nil, nextHop: c, transport: .tcp),
        StaticRoute(name: "dom", userPrefix: nil, domain: "Example.COM", nextHop: b, transport: .tcp),
    ])

    @Test(arguments: [
        ("+12125551234", "carrier.net", "ny"),
        ("12125551234", nil, "ny"),
        ("1-212-555-1234", nil, "ny"),
        ("13035551234", "carrier.net", "nanp"),
        ("4420795551234", nil, "default"),
        ("alice", "example.com", "dom"),
        ("12125551234", "EXAMPLE.com", "dom"),
        ("+12125551234;npdi", nil, "ny"),
    ] as [(String, String?, String)])
    func mostSpecificRouteWins(user: String, host: String?, expected: String) {
        #expect(table.lookup(user: user, host: host)?.name == expected)
    }

    @Test func emptyTableHasNoRoute() {
        #expect(RouteTable().lookup(user: "1", host: "x") == nil)
    }

    @Test func socketAddressParsesEndpoints() {
        #expect(SocketAddress(endpoint: "127.0.0.1:5080", defaultPort: 5060)?.port == 5080)
        #expect(SocketAddress(endpoint: "[::1]:5070", defaultPort: 5060)?.description == "[::1]:5070")
        #expect(SocketAddress(endpoint: "::1", defaultPort: 5060)?.port == 5060)
        #expect(SocketAddress(endpoint: "localhost:5060", defaultPort: 5060) == nil)
        #expect(SocketAddress(endpoint: "127.0.0.1:99999", defaultPort: 5060) == nil)
    }
}
