import SIPCore
import Testing
@testable import SIPProxy
import TestSupport

/// stird as the RFC 5626 edge proxy for relay user equipment: REGISTERs
/// from a TLS flow are relayed to `[rue] registrar` with a Path naming
/// the flow (RFC 3327 §4.2), and requests aimed at that Path go over the
/// same connection only (§5.3): 430 when it is gone, 403 for a token that
/// does not verify.
@Suite struct EdgeProxyFlowTests {
    static let rue = SocketAddress(host: "127.0.0.3", port: 40_001)!
    static let registrar = SocketAddress(host: "127.0.0.1", port: 5090)!
    static let connection: UInt64 = 42

    final class Edge {
        let h: ProxyHarness
        let flows = FlowTable()
        init(domain: String = "stird.test") {
            var cfg = ProxyConfiguration()
            cfg.registrar = EdgeRegistrar(uri: "sip:127.0.0.1:5090;transport=tcp", domain: domain)
            cfg.routes = RouteTable(routes: [StaticRoute(name: "callee", userPrefix: nil, domain: nil, nextHop: ProxyHarness.callee,
                                                         transport: .udp)])
            h = ProxyHarness(config: cfg)
            h.queue.sync { h.core.flows = flows }
            flows.opened(FlowToken(connectionID: EdgeProxyFlowTests.connection, remote: EdgeProxyFlowTests.rue, transport: .tls))
        }

        func receive(_ text: String, from: SocketAddress = EdgeProxyFlowTests.rue, transport: TransportProtocol = .tls,
                     connectionID: UInt64? = EdgeProxyFlowTests.connection) {
            let rx = ReceivedMessage(bytes: Array(text.utf8), source: from, local: h.sender.local, transport: transport,
                                     connectionID: connectionID)
            h.queue.sync { h.core.receive(rx) }
        }

        /// Relays one REGISTER and answers it `status`; returns the Path URI.
        func register(contact: String = Msgs.instanceContact, status: Int = 200) -> String? {
            receive(Msgs.register(contact: contact))
            guard let sent = h.take().first(where: { $0.message?.method == "REGISTER" })?.message else { return nil }
            let path = sent.headers(named: "Path").first
            receive(Msg.response(to: sent, status: status, reason: status == 200 ? "OK" : "Forbidden"), from: EdgeProxyFlowTests.registrar,
                    transport: .tcp, connectionID: 7)
            _ = h.take()
            return path.map { String($0.dropFirst().prefix { $0 != ">" }) }
        }
    }

    enum Msgs {
        static let instanceContact = "<sip:alice@127.0.0.3:40001;transport=tls>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000000000001>\";reg-id=1"
        static func register(contact: String, ruri: String = "sip:stird.test", extra: String = "", branch: String? = nil) -> String {
            "REGISTER \(ruri) SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.3:40001;branch=z9hG4bK\(branch ?? "reg\(contact.count)");rport\r\n"
                + "Max-Forwards: 70\r\nFrom: <sip:+12155551234@stird.test>;tag=r1\r\nTo: <sip:+12155551234@stird.test>\r\n"
                + "Call-ID: reg-1\r\nCSeq: 1 REGISTER\r\nContact: \(contact)\r\nExpires: 600\r\n\(extra)Content-Length: 0\r\n\r\n"
        }
        /// The registrar's INVITE for the registered contact, with the Path as Route.
        static func invite(route: String?, ruri: String = "sip:alice@127.0.0.3:40001;transport=tls", callID: String = "in-1") -> String {
            "INVITE \(ruri) SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5090;branch=z9hG4bK\(callID);rport\r\nMax-Forwards: 69\r\n"
                + (route.map { "Route: <\($0)>\r\n" } ?? "")
                + "From: <sip:+12155550000@example.net>;tag=c1\r\nTo: <sip:+12155551234@stird.test>\r\nCall-ID: \(callID)\r\n"
                + "CSeq: 1 INVITE\r\nContact: <sip:caller@127.0.0.1:5091>\r\nContent-Length: 0\r\n\r\n"
        }
    }

    /// RFC 3327 §4.2, RFC 5626 §5.1: the relayed REGISTER goes to the
    /// registrar with our Path on top (token user part, our address, lr,
    /// ob for an outbound Contact) and Supported: path.
    @Test func registerIsRelayedWithAPathNamingItsFlow() throws {
        let e = Edge()
        e.receive(Msgs.register(contact: Msgs.instanceContact))
        let out = e.h.take()
        #expect(out.count == 1, "\(out.map(\.firstLine))")
        let sent = try #require(out.first)
        #expect(sent.to == Self.registrar && sent.transport == .tcp)
        let message = try #require(sent.message)
        let path = try #require(message.headers(named: "Path").first)
        let uri = try #require(SIPURI(String(path.dropFirst().prefix { $0 != ">" })))
        #expect(uri.host == "127.0.0.1" && uri.port == 5060)
        #expect(uri.parameter("lr") != nil && uri.parameter("ob") != nil && uri.parameter("transport") == .some("tcp"))
        let token = try #require(uri.user)
        #expect(FlowTokenSealer().open(token[...]) == .valid(FlowToken(connectionID: Self.connection, remote: Self.rue, transport: .tls)))
        #expect(message.headers(named: "Supported").contains("path"))
    }

    /// Without reg-id and +sip.instance the UA did not ask for outbound:
    /// no `ob` (RFC 5626 §5.1). A UA that lists path gets no second Supported.
    @Test func obOnlyForOutboundContacts() throws {
        let e = Edge()
        e.receive(Msgs.register(contact: "<sip:alice@127.0.0.3:40001;transport=tls>", extra: "Supported: path, gruu\r\n"))
        let message = try #require(e.h.take().first?.message)
        let path = try #require(message.headers(named: "Path").first)
        #expect(!path.contains(";ob"))
        #expect(message.headers(named: "Supported") == ["path, gruu"])
    }

    /// A REGISTER over UDP (no flow) or for another domain is routed as
    /// any request, without a Path.
    @Test func registerWithoutAFlowOrForAnotherDomainHasNoPath() throws {
        let e = Edge()
        e.receive(Msgs.register(contact: Msgs.instanceContact), transport: .udp, connectionID: nil)
        e.receive(Msgs.register(contact: Msgs.instanceContact, ruri: "sip:other.test", branch: "other"))
        let out = e.h.take()
        #expect(out.count == 2)
        #expect(out.allSatisfy { $0.message?.headers(named: "Path").isEmpty == true && $0.to == ProxyHarness.callee })
    }

    /// RFC 5626 §5.3: a request whose top Route is our Path URI goes over
    /// the flow (that connection, nothing else) with the Route removed.
    @Test func requestForThePathGoesOverTheFlow() throws {
        let e = Edge()
        let path = try #require(e.register())
        e.receive(Msgs.invite(route: path), from: Self.registrar, transport: .tcp, connectionID: 7)
        let out = e.h.take().filter { $0.message?.method == "INVITE" }
        let sent = try #require(out.first)
        #expect(sent.overFlow && sent.connectionID == Self.connection && sent.to == Self.rue && sent.transport == .tls)
        #expect(sent.message?.routes.isEmpty == true)
    }

    /// The registrar may use the Path URI as the Request-URI instead.
    @Test func requestURIWithTheTokenGoesOverTheFlow() throws {
        let e = Edge()
        let path = try #require(e.register())
        e.receive(Msgs.invite(route: nil, ruri: path), from: Self.registrar, transport: .tcp, connectionID: 7)
        let sent = try #require(e.h.take().first { $0.message?.method == "INVITE" })
        #expect(sent.overFlow && sent.connectionID == Self.connection)
    }

    /// The flow closed: 430 Flow Failed upstream, counted, nothing sent on.
    @Test func closedFlowIsAnswered430() throws {
        let e = Edge()
        let path = try #require(e.register())
        #expect(e.flows.registrations == 1)
        e.flows.closed(connectionID: Self.connection)
        #expect(e.flows.registrations == 0)
        e.receive(Msgs.invite(route: path), from: Self.registrar, transport: .tcp, connectionID: 7)
        let out = e.h.take()
        #expect(out.map(\.firstLine).contains("SIP/2.0 430 Flow Failed"), "\(out.map(\.firstLine))")
        #expect(!out.contains { $0.message?.method == "INVITE" })
        #expect(e.flows.failures == 1)
    }

    /// RFC 5626 §5.3: "If the flow token has been tampered with, the proxy
    /// SHOULD send a 403". An altered token is never sent anywhere.
    @Test func alteredTokenIsAnswered403() throws {
        let e = Edge()
        let path = try #require(e.register())
        let at = try #require(path.firstIndex(of: "@"))
        var chars = Array(path)
        let i = path.distance(from: path.startIndex, to: at) - 3
        chars[i] = chars[i] == "A" ? "B" : "A"
        e.receive(Msgs.invite(route: String(chars)), from: Self.registrar, transport: .tcp, connectionID: 7)
        let out = e.h.take()
        #expect(out.map(\.firstLine).contains { $0.hasPrefix("SIP/2.0 403 Forbidden") }, "\(out.map(\.firstLine))")
        #expect(!out.contains { $0.message?.method == "INVITE" })
        #expect(e.flows.failures == 0)
    }

    /// The flow closed between the check and the send: the transport
    /// reports the message undelivered and the caller gets 430, not 503.
    @Test func flowLostOnTheWayIsAnswered430() throws {
        let e = Edge()
        let path = try #require(e.register())
        e.receive(Msgs.invite(route: path), from: Self.registrar, transport: .tcp, connectionID: 7)
        let sent = try #require(e.h.take().first { $0.message?.method == "INVITE" })
        e.h.queue.sync { e.h.core.transportFailed(sent.bytes) }
        #expect(e.h.take().map(\.firstLine).contains("SIP/2.0 430 Flow Failed"))
        #expect(e.flows.failures == 1)
    }

    /// A 2xx to an unregistering REGISTER (Expires 0) ends the count; a
    /// refused REGISTER never counts.
    @Test func registrationsGaugeFollowsTheRegistrar() throws {
        let e = Edge()
        _ = e.register(status: 403)
        #expect(e.flows.registrations == 0)
        _ = e.register()
        #expect(e.flows.registrations == 1)
        _ = e.register(contact: Msgs.instanceContact + ";expires=0")
        #expect(e.flows.registrations == 0)
    }

    /// In-dialog requests of the far end (the registrar side).
    static func inDialog(_ method: String, route: String, branch: String) -> String {
        "\(method) sip:alice@10.0.0.9:5060;transport=tls SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5090;branch=z9hG4bK\(branch);rport\r\n"
            + "Max-Forwards: 69\r\nRoute: \(route)\r\nFrom: <sip:+12155550000@example.net>;tag=c1\r\n"
            + "To: <sip:+12155551234@stird.test>;tag=rue1\r\nCall-ID: in-1\r\nCSeq: \(method == "ACK" ? "1 ACK" : "2 " + method)\r\n"
            + "Content-Length: 0\r\n\r\n"
    }

    /// The INVITE sent over the flow is Record-Routed with the flow's token
    /// (RFC 5626 §5.3), so the dialog's ACK and BYE from the far end take
    /// the flow too (the RUE's Contact may be unreachable behind a NAT),
    /// while the RUE's own BYE, arriving on the flow, goes outward.
    @Test func dialogRequestsFollowTheFlowRecordRoute() throws {
        let e = Edge()
        let path = try #require(e.register())
        e.receive(Msgs.invite(route: path), from: Self.registrar, transport: .tcp, connectionID: 7)
        let invite = try #require(e.h.take().first { $0.message?.method == "INVITE" }?.message)
        let rr = try #require(invite.recordRoutes.first?.parsedURI)
        let user = try #require(rr.user)
        #expect(FlowTokenSealer().open(user[...]) == .valid(FlowToken(connectionID: Self.connection, remote: Self.rue, transport: .tls)))
        let rrText = "<\(rr.description)>"

        e.receive(Self.inDialog("ACK", route: rrText, branch: "ack1"), from: Self.registrar, transport: .tcp, connectionID: 7)
        let ack = try #require(e.h.take().first { $0.message?.method == "ACK" })
        #expect(ack.overFlow && ack.connectionID == Self.connection, "the 2xx ACK over the flow")

        e.receive(Self.inDialog("BYE", route: rrText, branch: "bye1"), from: Self.registrar, transport: .tcp, connectionID: 7)
        let bye = try #require(e.h.take().first { $0.message?.method == "BYE" })
        #expect(bye.overFlow && bye.connectionID == Self.connection && bye.message?.routes.isEmpty == true)

        // The RUE's BYE on its own flow: our Route is popped, the next one decides.
        e.receive(Self.inDialog("BYE", route: rrText + ", <sip:127.0.0.1:5090;transport=tcp;lr>", branch: "bye2"))
        let out = try #require(e.h.take().first { $0.message?.method == "BYE" })
        #expect(!out.overFlow && out.to == Self.registrar && out.transport == .tcp)
    }

    /// A RUE calling out over the connection it registered on: the
    /// Record-Route names that flow, so the callee's BYE reaches it. A
    /// connection that never registered gets a plain Record-Route.
    @Test func callFromARegisteredFlowIsRecordRoutedWithItsToken() throws {
        let e = Edge()
        _ = try #require(e.register())
        e.receive(Msg.invite(ruri: "sip:+15551230000@127.0.0.1:5060").replacingOccurrences(of: "SIP/2.0/UDP", with: "SIP/2.0/TLS"))
        let out = try #require(e.h.take().first { $0.message?.method == "INVITE" }?.message)
        let user = try #require(out.recordRoutes.first?.parsedURI?.user)
        #expect(FlowTokenSealer().open(user[...]) == .valid(FlowToken(connectionID: Self.connection, remote: Self.rue, transport: .tls)))

        let other = FlowToken(connectionID: 43, remote: SocketAddress(host: "127.0.0.3", port: 40_002)!, transport: .tls)
        e.flows.opened(other)
        e.receive(Msg.invite(branch: "z9hG4bKc2", callID: "call-2").replacingOccurrences(of: "SIP/2.0/UDP", with: "SIP/2.0/TLS"),
                  from: other.remote, connectionID: 43)
        let plain = try #require(e.h.take().first { $0.message?.method == "INVITE" }?.message)
        #expect(plain.recordRoutes.first?.parsedURI?.user == nil)
    }

    /// Without `[rue] registrar` nothing changes: a Route to us with a
    /// user part is popped and the request routed as before.
    @Test func withoutARegistrarTokensMeanNothing() throws {
        let h = ProxyHarness()
        h.receive(Msgs.invite(route: "sip:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA@127.0.0.1:5060;lr", ruri: "sip:+1215@127.0.0.1:5080"))
        let out = h.take()
        #expect(out.contains { $0.message?.method == "INVITE" && $0.to == ProxyHarness.callee && !$0.overFlow })
    }
}
