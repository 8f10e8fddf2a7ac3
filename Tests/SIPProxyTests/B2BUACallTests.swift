import SIPCore
import Testing
@testable import SIPProxy
import TestSupport

/// Back-to-back user agent calls through the proxy core (RFC 3261 §§12–17,
/// RFC 7092): stird is UAS on leg A and UAC on leg B.
@Suite struct B2BUACallTests {
    static func harness(mode: CallMode = .b2bua, maxDialogs: Int = 100, configure: (inout ProxyConfiguration) -> Void = { _ in })
        -> ProxyHarness {
        var cfg = ProxyConfiguration()
        cfg.routes = RouteTable(routes: [StaticRoute(name: "callee", userPrefix: nil, domain: nil, nextHop: ProxyHarness.callee,
                                                     transport: .udp, mode: mode)])
        cfg.b2bua.maxDialogs = maxDialogs
        cfg.autoTrying = nil
        configure(&cfg)
        return ProxyHarness(config: cfg)
    }

    static let callerInvite = Msg.invite(extra: "Record-Route: <sip:10.9.9.9;lr>\r\nP-Asserted-Identity: <sip:+15551110000@a.example>\r\n"
        + "X-Secret: internal\r\nContent-Type: application/sdp\r\n", body: "v=0\r\no=- 1 1 IN IP4 10.1.1.1\r\n")

    /// The callee's response to leg B's request, with its own Contact and Record-Route.
    static func calleeResponse(_ request: SIPMessage, _ status: Int, _ reason: String, tag: String = "b1", body: String = "") -> String {
        let r = request.makeResponse(status: status, reason: reason, toTag: status > 100 ? tag : nil)
        if status > 100, status < 300 {
            r.addHeader(name: "Contact", value: "<sip:callee@10.2.2.2:5080>")
            r.addHeader(name: "Record-Route", value: "<sip:10.7.7.7;lr>")
        }
        if !body.isEmpty {
            r.addHeader(name: "Content-Type", value: "application/sdp")
            r.body = Array(body.utf8)
        }
        return String(decoding: r.serialize(), as: UTF8.self)
    }

    /// INVITE on leg A up to the 200 OK relayed back; returns leg B's INVITE and leg A's 200.
    static func answeredCall(_ h: ProxyHarness) throws -> (legB: SIPMessage, ok: SIPMessage) {
        h.receive(callerInvite)
        let legB = try #require(h.take().first?.message)
        h.receive(calleeResponse(legB, 180, "Ringing"), from: ProxyHarness.callee)
        _ = h.take()
        h.receive(calleeResponse(legB, 200, "OK", body: "v=0\r\no=- 2 2 IN IP4 10.2.2.2\r\n"), from: ProxyHarness.callee)
        let ok = try #require(h.take().first?.message)
        return (legB, ok)
    }

    static func callerRequest(_ method: String, toTag: String, cseq: Int = 2, branch: String = "z9hG4bKa2") -> String {
        "\(method) sip:b2bua@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=\(branch);rport\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:+15551110000@127.0.0.1>;tag=f1\r\nTo: <sip:+15551230000@127.0.0.1>;tag=\(toTag)\r\n"
            + "Call-ID: call-1\r\nCSeq: \(cseq) \(method)\r\nContact: <sip:caller@127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n"
    }

    static func calleeRequest(_ method: String, legB: SIPMessage, cseq: Int = 1, branch: String = "z9hG4bKb2") -> String {
        "\(method) sip:b2bua@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=\(branch);rport\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:+15551230000@127.0.0.1>;tag=b1\r\nTo: <sip:+15551110000@127.0.0.1>;tag=\(legB.fromTag!)\r\n"
            + "Call-ID: \(legB.callID!)\r\nCSeq: \(cseq) \(method)\r\nContact: <sip:callee@10.2.2.2:5080>\r\nContent-Length: 0\r\n\r\n"
    }

    @Test func legBIsANewDialogThatCarriesOnlyThePassedHeadersAndTheBody() throws {
        let h = Self.harness()
        h.receive(Self.callerInvite)
        let sent = h.take()
        #expect(sent.count == 1)
        let legB = try #require(sent.first?.message)
        let text = sent[0].text
        #expect(sent[0].to == ProxyHarness.callee)
        #expect(legB.callID != "call-1" && !text.contains("call-1"))
        #expect(legB.fromTag != "f1")
        #expect(legB.vias.count == 1 && !text.contains("127.0.0.1:5070"))
        #expect(!text.contains("10.9.9.9") && !text.contains("caller@"))
        #expect(!text.contains("X-Secret"))
        #expect(legB.headers(named: "P-Asserted-Identity") == ["<sip:+15551110000@a.example>"])
        #expect(legB.contacts.first?.uri == "sip:b2bua@127.0.0.1:5060")
        #expect(legB.maxForwards == 69)
        #expect(legB.cseq?.number == 1)
        #expect(String(decoding: legB.body, as: UTF8.self) == "v=0\r\no=- 1 1 IN IP4 10.1.1.1\r\n")
        #expect(legB.from?.uri == "sip:+15551110000@127.0.0.1" && legB.to?.uri == "sip:+15551230000@127.0.0.1")
    }

    @Test func legBCallIDHashesToTheLoopOfLegA() {
        for loops in 1...8 {
            for index in 0..<loops {
                let id = B2BUACallID.make(loop: index, of: loops)
                #expect(ProxyShards.index(of: Array(id.utf8)[...], count: loops) == index)
            }
        }
    }

    @Test func answeredCallRelaysResponsesWithoutTheCalleesTopology() throws {
        let h = Self.harness()
        h.receive(Self.callerInvite)
        let legB = try #require(h.take().first?.message)
        h.receive(Self.calleeResponse(legB, 180, "Ringing"), from: ProxyHarness.callee)
        let ringing = h.take()
        #expect(ringing.first?.firstLine == "SIP/2.0 180 Ringing")
        #expect(ringing.first?.to == ProxyHarness.caller)
        h.receive(Self.calleeResponse(legB, 200, "OK", body: "v=0\r\no=- 2 2 IN IP4 10.2.2.2\r\n"), from: ProxyHarness.callee)
        let out = h.take()
        let ok = try #require(out.first?.message)
        #expect(out[0].firstLine == "SIP/2.0 200 OK")
        #expect(ok.callID == "call-1" && ok.fromTag == "f1" && ok.toTag != nil && ok.toTag != "b1")
        #expect(!out[0].text.contains(legB.callID!) && !out[0].text.contains("10.2.2.2:5080") && !out[0].text.contains("10.7.7.7"))
        #expect(ok.contacts.first?.uri == "sip:b2bua@127.0.0.1:5060")
        #expect(String(decoding: ok.body, as: UTF8.self) == "v=0\r\no=- 2 2 IN IP4 10.2.2.2\r\n")
        #expect(h.queue.sync { h.core.stats.dialogsActive } == 1)
        // The caller's ACK for the 2xx becomes stird's ACK on leg B, to the callee's Contact.
        h.receive(Self.callerRequest("ACK", toTag: ok.toTag!, cseq: 1, branch: "z9hG4bKack"))
        let ack = h.take()
        #expect(ack.count == 1)
        let ackB = try #require(ack.first?.message)
        #expect(ackB.method == "ACK" && ackB.callID == legB.callID && ackB.toTag == "b1" && ackB.cseq?.number == 1)
        #expect(ackB.requestURI == "sip:callee@10.2.2.2:5080" && ackB.routes.first?.uri == "sip:10.7.7.7;lr")
        #expect(!ack[0].text.contains("call-1") && !ack[0].text.contains("z9hG4bKack"))
    }

    @Test func byeFromCallerIsAnsweredAndSentOnLegB() throws {
        let h = Self.harness()
        let (legB, ok) = try Self.answeredCall(h)
        h.receive(Self.callerRequest("BYE", toTag: ok.toTag!))
        let out = h.take()
        #expect(out.map(\.firstLine).contains("SIP/2.0 200 OK"))
        let bye = try #require(out.first { $0.message?.method == "BYE" })
        #expect(bye.message?.callID == legB.callID && bye.message?.cseq?.number == 2 && bye.message?.toTag == "b1")
        #expect(!bye.text.contains("call-1") && !bye.text.contains("5070"))
        let stats = h.queue.sync { h.core.stats }
        #expect(stats.dialogsActive == 0 && stats.dialogsEnded[.byeCaller] == 1)
        // The dialog is gone: a second BYE gets 481.
        h.receive(Self.callerRequest("BYE", toTag: ok.toTag!, cseq: 3, branch: "z9hG4bKa3"))
        #expect(h.take().first?.firstLine == "SIP/2.0 481 Call/Transaction Does Not Exist")
    }

    @Test func byeFromCalleeIsSentOnLegAToTheCallersContact() throws {
        let h = Self.harness()
        let (legB, ok) = try Self.answeredCall(h)
        h.receive(Self.calleeRequest("BYE", legB: legB), from: ProxyHarness.callee)
        let out = h.take()
        let bye = try #require(out.first { $0.message?.method == "BYE" })
        // Loose routing (RFC 3261 §12.2.1.1): to the caller's Record-Route first.
        #expect(bye.to == SocketAddress(host: "10.9.9.9", port: 5060)!)
        #expect(bye.message?.requestURI == "sip:caller@127.0.0.1:5070")
        #expect(bye.message?.callID == "call-1" && bye.message?.fromTag == ok.toTag && bye.message?.toTag == "f1")
        #expect(bye.message?.routes.first?.uri == "sip:10.9.9.9;lr")
        #expect(!bye.text.contains(legB.callID!) && !bye.text.contains("10.2.2.2"))
        #expect(out.contains { $0.firstLine == "SIP/2.0 200 OK" && $0.to == ProxyHarness.callee })
        #expect(h.queue.sync { h.core.stats.dialogsEnded[.byeCallee] } == 1)
    }

    @Test func busyIsRelayedAndTheLegBErrorAckedHopByHop() throws {
        let h = Self.harness()
        h.receive(Self.callerInvite)
        let legB = try #require(h.take().first?.message)
        h.receive(Self.calleeResponse(legB, 486, "Busy Here"), from: ProxyHarness.callee)
        let out = h.take()
        #expect(out.contains { $0.firstLine == "SIP/2.0 486 Busy Here" && $0.to == ProxyHarness.caller })
        #expect(out.contains { $0.message?.method == "ACK" && $0.to == ProxyHarness.callee })
        #expect(h.queue.sync { h.core.stats.dialogsEnded[.rejected] } == 1)
    }

    @Test func cancelOnLegAIsAnswered487AndCancelsLegB() throws {
        let h = Self.harness()
        h.receive(Self.callerInvite)
        let legB = try #require(h.take().first?.message)
        h.receive(Self.calleeResponse(legB, 180, "Ringing"), from: ProxyHarness.callee)
        _ = h.take()
        h.receive(Msg.cancel())
        let out = h.take()
        #expect(out.contains { $0.firstLine == "SIP/2.0 200 OK" && $0.to == ProxyHarness.caller })
        #expect(out.contains { $0.firstLine == "SIP/2.0 487 Request Terminated" && $0.to == ProxyHarness.caller })
        let cancel = try #require(out.first { $0.message?.method == "CANCEL" })
        #expect(cancel.message?.callID == legB.callID && cancel.to == ProxyHarness.callee)
        #expect(h.queue.sync { h.core.stats.dialogsEnded[.cancelled] } == 1)
    }

    @Test func noAnswerIs408() throws {
        let h = Self.harness()
        h.receive(Self.callerInvite)
        _ = h.take()
        for _ in 0..<40 { h.advance(.seconds(1)) }
        let out = h.take()
        #expect(out.contains { $0.firstLine == "SIP/2.0 408 Request Timeout" && $0.to == ProxyHarness.caller })
        #expect(h.queue.sync { h.core.stats.dialogsEnded[.noAnswer] } == 1)
    }

    @Test func unknownDialogAimedAtStirdIs481() {
        let h = Self.harness()
        h.receive(Self.callerRequest("BYE", toTag: "nosuch"))
        #expect(h.take().map(\.firstLine) == ["SIP/2.0 481 Call/Transaction Does Not Exist"])
    }

    @Test func maxDialogsRefusesNewCallsWith503() throws {
        let h = Self.harness(maxDialogs: 1)
        _ = try Self.answeredCall(h)
        h.receive(Msg.invite(branch: "z9hG4bKc9", callID: "call-2"))
        let out = h.take()
        #expect(out.count == 1 && out[0].firstLine.hasPrefix("SIP/2.0 503 Service Unavailable"))
        #expect(out.first?.message?.headers(named: "Retry-After") == ["5"])
        #expect(h.queue.sync { h.core.stats.dialogsRefused } == 1)
    }

    @Test func maxDialogDurationEndsTheCallWithByeOnBothLegs() throws {
        let h = Self.harness { $0.b2bua.maxDialogDuration = .seconds(60) }
        let (legB, ok) = try Self.answeredCall(h)
        h.receive(Self.callerRequest("ACK", toTag: ok.toTag!, cseq: 1, branch: "z9hG4bKack"))
        h.advance(.seconds(61))
        let byes = h.take().filter { $0.message?.method == "BYE" }
        // Each leg's route set: the caller's Record-Route, the callee's.
        #expect(Set(byes.map(\.to)) == [SocketAddress(host: "10.9.9.9", port: 5060)!, SocketAddress(host: "10.7.7.7", port: 5060)!])
        #expect(byes.contains { $0.message?.callID == legB.callID })
        #expect(h.queue.sync { h.core.stats.dialogsEnded[.maxDuration] } == 1)
    }

    @Test func reinviteCrossesAndASecondOneMeanwhileGets491() throws {
        let h = Self.harness()
        let (legB, ok) = try Self.answeredCall(h)
        h.receive(Self.callerRequest("INVITE", toTag: ok.toTag!, cseq: 2, branch: "z9hG4bKre1"))
        let re = try #require(h.take().first { $0.message?.method == "INVITE" })
        #expect(re.message?.callID == legB.callID && re.message?.cseq?.number == 2)
        // Glare (RFC 3261 §14.2): the callee's re-INVITE while ours is pending.
        h.receive(Self.calleeRequest("INVITE", legB: legB, cseq: 5), from: ProxyHarness.callee)
        #expect(h.take().map(\.firstLine) == ["SIP/2.0 491 Request Pending"])
        h.receive(Self.calleeResponse(re.message!, 200, "OK"), from: ProxyHarness.callee)
        #expect(h.take().first?.firstLine == "SIP/2.0 200 OK")
    }

    @Test func infoFromCalleeReachesTheCallerAndItsAnswerComesBack() throws {
        let h = Self.harness()
        let (legB, _) = try Self.answeredCall(h)
        h.receive(Self.calleeRequest("INFO", legB: legB, cseq: 3), from: ProxyHarness.callee)
        let info = try #require(h.take().first { $0.message?.method == "INFO" })
        #expect(info.to == SocketAddress(host: "10.9.9.9", port: 5060)! && info.message?.callID == "call-1")
        h.receive(Msg.response(to: info.message!, status: 200, reason: "OK"))
        let back = h.take()
        #expect(back.first?.firstLine == "SIP/2.0 200 OK" && back.first?.to == ProxyHarness.callee)
        #expect(back.first?.message?.callID == legB.callID)
    }

    @Test func aProxyModeRouteStillForwardsTheCallerTopology() throws {
        let h = Self.harness(mode: .proxy)
        h.receive(Self.callerInvite)
        let forwarded = try #require(h.take().first?.message)
        #expect(forwarded.callID == "call-1" && forwarded.vias.count == 2)
        #expect(h.queue.sync { h.core.stats.dialogsCreated } == 0)
    }
}

extension Msg {
    static func invite(extra: String, body: String) -> String {
        let head = invite(extra: extra).replacingOccurrences(of: "Content-Length: 0\r\n\r\n", with: "")
        return head + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
    }
}
