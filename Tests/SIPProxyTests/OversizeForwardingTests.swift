import SIPCore
import Testing
@testable import SIPProxy

/// RFC 3261 §18.1.1: a request too large for UDP is not sent as a datagram
/// that `sendto` refuses (EMSGSIZE) and the transaction would retransmit
/// into Timer B: it goes over TCP, or is answered 513 at once.
@Suite("Forwarding requests too large for UDP (RFC 3261 §18.1.1)")
struct OversizeForwardingTests {
    private static func route(fixed: Bool) -> ProxyConfiguration {
        var cfg = ProxyConfiguration()
        cfg.routes = RouteTable(routes: [StaticRoute(name: "callee", userPrefix: nil, domain: nil, nextHop: ProxyHarness.callee,
                                                     transport: .udp, transportFixed: fixed)])
        return cfg
    }

    private static func invite(padding: Int) -> String {
        Msg.invite(extra: "X-Padding: \(String(repeating: "p", count: padding))\r\n")
    }

    @Test func aRequestLargerThanADatagramGoesOverTCP() throws {
        let h = ProxyHarness(config: Self.route(fixed: false))
        h.receive(Self.invite(padding: 65_400), transport: .tcp)
        let out = h.take()
        #expect(out.count == 1)
        let sent = try #require(out.first)
        #expect(sent.transport == .tcp)
        #expect(sent.to == ProxyHarness.callee)
        let fwd = try #require(sent.message)
        #expect(fwd.vias.count == 2)
        #expect(fwd.vias.first?.transport == "TCP")
        #expect(fwd.recordRoutes.count == 1)
        #expect(fwd.recordRoutes.first?.uri.contains("transport=tcp") == true)
    }

    @Test func aFixedUDPNextHopGets513AtOnce() throws {
        let h = ProxyHarness(config: Self.route(fixed: true))
        h.receive(Self.invite(padding: 65_400), transport: .tcp)
        let out = h.take()
        #expect(out.map(\.firstLine) == ["SIP/2.0 513 Message Too Large"])
        #expect(out.first?.transport == .tcp)
        // Nothing is retransmitted later either.
        h.advance(.seconds(40))
        #expect(!h.take().contains { $0.firstLine.hasPrefix("INVITE") })
    }

    @Test func aKnownPathMTUSwitchesWithin200Bytes() throws {
        var cfg = Self.route(fixed: false)
        cfg.udpMTU = 1_500
        let h = ProxyHarness(config: cfg)
        h.receive(Self.invite(padding: 1_200))
        let sent = try #require(h.take().first)
        #expect(sent.transport == .tcp)
        #expect(sent.bytes.count > 1_300)
        // A small request stays on UDP.
        h.receive(Msg.invite(branch: "z9hG4bKsmall", callID: "call-2"))
        let small = try #require(h.take().first)
        #expect(small.transport == .udp)
        #expect(small.message?.vias.first?.transport == "UDP")
    }

    @Test func withoutAPathMTUAnOrdinaryLargeRequestStaysOnUDP() throws {
        let h = ProxyHarness(config: Self.route(fixed: false))
        h.receive(Self.invite(padding: 4_000))
        let sent = try #require(h.take().first)
        #expect(sent.transport == .udp)
    }
}
