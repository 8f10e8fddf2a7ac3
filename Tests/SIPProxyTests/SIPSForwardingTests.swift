import SIPCore
import Testing
@testable import SIPProxy
import TestSupport

/// How the core picks TLS: `sips:` URIs (RFC 3261 §26.2.2, RFC 5630),
/// `transport=tls`, `transport = tls` routes; Via and Record-Route for a
/// TLS hop; the name a TLS next hop must prove (RFC 5922 §7.2).
@Suite struct SIPSForwardingTests {
    private static let tlsCallee = SocketAddress(host: "127.0.0.1", port: 5081)!

    private static func harness(udpOnly: Bool) -> ProxyHarness {
        var cfg = ProxyConfiguration()
        var routes = [StaticRoute(name: "plain", userPrefix: nil, domain: "plain.test", nextHop: ProxyHarness.callee, transport: .udp,
                                  transportFixed: true)]
        if !udpOnly {
            routes.append(StaticRoute(name: "secure", userPrefix: nil, domain: "secure.test", nextHop: tlsCallee, transport: .tls,
                                      transportFixed: true, tlsServerName: "callee.secure.test"))
        }
        cfg.routes = RouteTable(routes: routes)
        cfg.staticHosts = ["next.example": "127.0.0.1"]
        return ProxyHarness(config: cfg)
    }

    /// RFC 5630 §3.1.3, §4.4: a sips: request whose next hop is not TLS is
    /// answered 480 with warn-code 380 and never forwarded in cleartext.
    @Test(arguments: ["sips:+15551230000@plain.test", "sips:+15551230000@plain.test;transport=tcp"])
    func sipsWithoutATLSNextHopIsRefused(ruri: String) throws {
        let h = Self.harness(udpOnly: true)
        h.receive(Msg.invite(ruri: ruri), transport: .tls)
        let out = h.take()
        #expect(out.count == 1, "only the answer: \(out.map(\.firstLine))")
        #expect(out.first?.firstLine == "SIP/2.0 480 Temporarily Unavailable")
        #expect(out.first?.to == ProxyHarness.caller)
        let warning = out.first?.message?.headers(named: "Warning").first ?? ""
        #expect(warning.hasPrefix("380 ") && warning.hasSuffix("\"SIPS Not Allowed\""), "\(warning)")
    }

    /// Without TLS here at all, a sips: request to a host gets the same 480,
    /// not the 503 of a missing transport.
    @Test func sipsWithoutATLSListenerIsRefused480() throws {
        let h = Self.harness(udpOnly: true)
        h.queue.sync { h.sender.listening = [.udp, .tcp] }
        h.receive(Msg.invite(ruri: "sips:+15551230000@next.example"))
        let out = h.take()
        #expect(out.map(\.firstLine) == ["SIP/2.0 480 Temporarily Unavailable"])
    }

    /// The same call with a sip: URI goes over UDP as before.
    @Test func sipOverTheSameRouteIsForwarded() throws {
        let h = Self.harness(udpOnly: true)
        h.receive(Msg.invite(ruri: "sip:+15551230000@plain.test"))
        let out = h.take()
        #expect(out.count == 1)
        #expect(out.first?.transport == .udp)
        #expect(out.first?.message?.method == "INVITE")
    }

    /// A sips: request over a TLS route: TLS, our Via says TLS, the
    /// Record-Route is a SIPS URI (RFC 3261 §16.6 step 4), the route's
    /// tls_server_name is the name to check.
    @Test func sipsOverATLSRoute() throws {
        let h = Self.harness(udpOnly: false)
        h.receive(Msg.invite(ruri: "sips:+15551230000@secure.test"), transport: .tls)
        let out = h.take()
        let sent = try #require(out.first)
        #expect(out.count == 1)
        #expect(sent.transport == .tls)
        #expect(sent.to == Self.tlsCallee)
        #expect(sent.serverName == "callee.secure.test")
        let fwd = try #require(sent.message)
        #expect(fwd.vias.first?.transport == "TLS")
        #expect(fwd.recordRoutes.first?.uri == "sips:127.0.0.1:5060;lr")
    }

    /// A Route or Request-URI naming a host: TLS by sips: (port 5061 by
    /// default, RFC 3261 §19.1.2) or transport=tls, and that host is the
    /// name the certificate must carry; Record-Route says transport=tls.
    @Test(arguments: [
        ("sip:+15551230000@next.example;transport=tls", "", 5060),
        ("sips:+15551230000@next.example", "", 5061),
        ("sip:+15551230000@127.0.0.1:5060", "Route: <sips:next.example;lr>\r\n", 5061),
    ])
    func tlsByURI(ruri: String, route: String, port: Int) throws {
        let h = Self.harness(udpOnly: true)
        h.receive(Msg.invite(ruri: ruri, extra: route), transport: .tls)
        let out = h.take()
        let sent = try #require(out.first)
        #expect(sent.transport == .tls, "\(sent.firstLine)")
        #expect(sent.to == SocketAddress(host: "127.0.0.1", port: port))
        #expect(sent.serverName == "next.example")
        let fwd = try #require(sent.message)
        #expect(fwd.vias.first?.transport == "TLS")
        let rr = fwd.recordRoutes.first?.uri ?? ""
        #expect(rr == "sip:127.0.0.1:5060;transport=tls;lr" || rr == "sips:127.0.0.1:5060;lr", "\(rr)")
    }
}
