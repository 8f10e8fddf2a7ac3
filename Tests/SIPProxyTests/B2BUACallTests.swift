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

/// RFC 3261 §13.3.1.4 on leg A, SIGHUP and drain with calls up.
@Suite struct B2BUADialogLifeTests {
    @Test func the2xxIsResentUntilTheAckAndTheCallEndsWithoutOne() throws {
        let h = B2BUACallTests.harness()
        let (_, ok) = try B2BUACallTests.answeredCall(h)
        h.advance(.milliseconds(500))
        #expect(h.take().map(\.firstLine) == ["SIP/2.0 200 OK"])
        h.advance(.seconds(1))
        #expect(h.take().map(\.firstLine) == ["SIP/2.0 200 OK"])
        h.receive(B2BUACallTests.callerRequest("ACK", toTag: ok.toTag!, cseq: 1, branch: "z9hG4bKack"))
        _ = h.take()
        h.advance(.seconds(10))
        #expect(h.take().isEmpty)

        let lost = B2BUACallTests.harness()
        _ = try B2BUACallTests.answeredCall(lost)
        for _ in 0..<40 { lost.advance(.seconds(1)) }
        let sent = lost.take()
        #expect(sent.filter { $0.firstLine == "SIP/2.0 200 OK" }.count >= 6)
        #expect(Set(sent.filter { $0.message?.method == "BYE" }.compactMap { $0.message?.callID }).count == 2)
        #expect(lost.queue.sync { lost.core.stats.dialogsEnded[.noAck] } == 1)
    }

    @Test func confirmedCallsSurviveARouteReloadAndADrain() throws {
        let h = B2BUACallTests.harness()
        let (legB, ok) = try B2BUACallTests.answeredCall(h)
        h.receive(B2BUACallTests.callerRequest("ACK", toTag: ok.toTag!, cseq: 1, branch: "z9hG4bKack"))
        _ = h.take()
        h.queue.sync {
            h.core.updateRoutes(RouteTable())
            h.core.beginDrain()
        }
        // The drain waits for the call …
        #expect(h.queue.sync { h.core.pendingDrainCount } == 1)
        // … a new call is refused while draining …
        h.receive(Msg.invite(branch: "z9hG4bKc9", callID: "call-2"))
        #expect(h.take().first?.firstLine.hasPrefix("SIP/2.0 503") == true)
        // … the call up still ends normally, on both legs.
        h.receive(B2BUACallTests.callerRequest("BYE", toTag: ok.toTag!))
        let out = h.take()
        #expect(out.contains { $0.firstLine == "SIP/2.0 200 OK" })
        #expect(out.contains { $0.message?.method == "BYE" && $0.message?.callID == legB.callID })
        #expect(h.queue.sync { h.core.pendingDrainCount } == 0)
    }
}

@Suite struct B2BUADialogValueTests {
    @Test func earlyConfirmedAndEnded() {
        var d = B2BUADialog()
        #expect(d.handle(.reinviteStarted) == .glare)  // no re-INVITE before the 2xx
        #expect(d.handle(.answered) == .none && d.state == .confirmed)
        #expect(d.handle(.failed(status: 486, cancelled: false)) == .none)  // a confirmed call does not fail
        #expect(d.handle(.reinviteStarted) == .none)
        #expect(d.handle(.reinviteStarted) == .glare)
        #expect(d.handle(.reinviteEnded) == .none)
        #expect(d.handle(.bye(fromCaller: false)) == .ended(.byeCallee))
        #expect(d.handle(.bye(fromCaller: true)) == .none)  // ends once
    }

    @Test(arguments: [(486, false, DialogEndCause.rejected), (487, false, .cancelled), (408, false, .noAnswer), (500, true, .cancelled)])
    func failureCauses(status: Int, cancelled: Bool, cause: DialogEndCause) {
        var d = B2BUADialog()
        #expect(d.handle(.failed(status: status, cancelled: cancelled)) == .ended(cause))
    }
}

/// In-dialog requests both ways (RFC 3261 §12.2, §14; RFC 3311; RFC 3262),
/// and the races of the initial INVITE.
@Suite struct B2BUAInDialogTests {
    typealias T = B2BUACallTests

    @Test func reinviteFromCalleeIsAnsweredAndItsAckCrossesBack() throws {
        let h = T.harness()
        let (legB, ok) = try T.answeredCall(h)
        h.receive(T.callerRequest("ACK", toTag: ok.toTag!, cseq: 1, branch: "z9hG4bKack"))
        _ = h.take()
        h.receive(T.calleeRequest("INVITE", legB: legB, cseq: 7), from: ProxyHarness.callee)
        let re = try #require(h.take().first { $0.message?.method == "INVITE" }?.message)
        #expect(re.callID == "call-1" && re.cseq?.number == 1 && re.contacts.first?.uri == "sip:b2bua@127.0.0.1:5060")
        #expect(re.toTag == "f1" && re.fromTag == ok.toTag)
        let answer = re.makeResponse(status: 200, reason: "OK", toTag: nil)
        answer.addHeader(name: "Contact", value: "<sip:caller@127.0.0.1:5077>")
        h.receive(String(decoding: answer.serialize(), as: UTF8.self))
        let back = h.take()
        #expect(back.first?.firstLine == "SIP/2.0 200 OK" && back.first?.message?.callID == legB.callID)
        #expect(back.first?.message?.contacts.first?.uri == "sip:b2bua@127.0.0.1:5060")
        // The callee's ACK for that 2xx: stird ACKs the caller's 2xx, CSeq of its re-INVITE on leg A.
        h.receive(T.calleeRequest("ACK", legB: legB, cseq: 7, branch: "z9hG4bKback"), from: ProxyHarness.callee)
        let ack = try #require(h.take().first?.message)
        #expect(ack.method == "ACK" && ack.callID == "call-1" && ack.cseq?.number == 1)
        // The caller's new Contact (target refresh, §12.2.1.2) is where leg A's next request goes.
        #expect(ack.requestURI == "sip:caller@127.0.0.1:5077")
    }

    @Test func updateAndOptionsFromTheCallerCrossToLegB() throws {
        let h = T.harness()
        let (legB, ok) = try T.answeredCall(h)
        for (i, method) in ["UPDATE", "OPTIONS"].enumerated() {
            h.receive(T.callerRequest(method, toTag: ok.toTag!, cseq: 2 + i, branch: "z9hG4bKu\(i)"))
            let out = try #require(h.take().first { $0.message?.method == method }?.message)
            #expect(out.callID == legB.callID && out.cseq?.number == UInt32(2 + i) && out.toTag == "b1")
            #expect((out.contacts.first != nil) == (method == "UPDATE"))
            h.receive(T.calleeResponse(out, 200, "OK"), from: ProxyHarness.callee)
            let back = h.take()
            #expect(back.first?.firstLine == "SIP/2.0 200 OK" && back.first?.message?.callID == "call-1")
            #expect(back.first?.message?.cseq?.number == UInt32(2 + i) && back.first?.message?.cseq?.method == method)
        }
    }

    @Test func reliableProvisionalKeepsItsRSeqAndPrackIsMappedToLegB() throws {
        let h = T.harness()
        h.receive(Msg.invite(extra: "Supported: 100rel\r\n"))
        let legB = try #require(h.take().first?.message)
        #expect(legB.headers(named: "Supported") == ["100rel"])
        let ringing = legB.makeResponse(status: 183, reason: "Session Progress", toTag: "b1")
        ringing.addHeader(name: "Contact", value: "<sip:callee@10.2.2.2:5080>")
        ringing.addHeader(name: "Require", value: "100rel")
        ringing.addHeader(name: "RSeq", value: "8")
        h.receive(String(decoding: ringing.serialize(), as: UTF8.self), from: ProxyHarness.callee)
        let early = try #require(h.take().first?.message)
        #expect(early.statusCode == 183 && early.headers(named: "RSeq") == ["8"] && early.headers(named: "Require") == ["100rel"])
        h.receive(T.callerRequest("PRACK", toTag: early.toTag!, cseq: 2, branch: "z9hG4bKpr").replacingOccurrences(
            of: "Content-Length: 0", with: "RAck: 8 1 INVITE\r\nContent-Length: 0"))
        let prack = try #require(h.take().first { $0.message?.method == "PRACK" }?.message)
        #expect(prack.callID == legB.callID && prack.toTag == "b1" && prack.headers(named: "RAck") == ["8 1 INVITE"])
        #expect(prack.cseq?.number == 2 && prack.requestURI == "sip:callee@10.2.2.2:5080")
    }

    @Test func a2xxAfterTheCallerCancelledIsAckedAndEndedOnLegB() throws {
        let h = T.harness()
        h.receive(T.callerInvite)
        let legB = try #require(h.take().first?.message)
        h.receive(T.calleeResponse(legB, 180, "Ringing"), from: ProxyHarness.callee)
        _ = h.take()
        h.receive(Msg.cancel())
        _ = h.take()
        h.receive(T.calleeResponse(legB, 200, "OK"), from: ProxyHarness.callee)
        let out = h.take()
        #expect(!out.contains { $0.to == ProxyHarness.caller })
        #expect(out.contains { $0.message?.method == "ACK" && $0.message?.callID == legB.callID })
        #expect(out.contains { $0.message?.method == "BYE" && $0.message?.callID == legB.callID })
    }

    @Test func timerCCancelsLegBAndTheCallerHears408() throws {
        let h = T.harness()
        h.receive(T.callerInvite)
        let legB = try #require(h.take().first?.message)
        h.receive(T.calleeResponse(legB, 180, "Ringing"), from: ProxyHarness.callee)
        _ = h.take()
        h.advance(.seconds(181))
        let cancel = try #require(h.take().first { $0.message?.method == "CANCEL" }?.message)
        #expect(cancel.callID == legB.callID)
        h.receive(T.calleeResponse(legB, 487, "Request Terminated"), from: ProxyHarness.callee)
        #expect(h.take().contains { $0.firstLine == "SIP/2.0 408 Request Timeout" && $0.to == ProxyHarness.caller })
    }

    @Test func ourOwnLegBInviteComingBackIsALoop() throws {
        let h = T.harness()
        h.receive(T.callerInvite)
        let legB = try #require(h.take().first)
        // The next hop routes leg B's INVITE straight back to stird.
        h.receive(legB.text, from: ProxyHarness.callee)
        #expect(h.take().map(\.firstLine) == ["SIP/2.0 482 Loop Detected"])
    }
}

/// RFC 3261 §13.2.2.4 on leg B: retransmitted 2xx and a second fork's 2xx.
@Suite struct B2BUALegBAnswerTests {
    typealias T = B2BUACallTests

    @Test func aRetransmitted2xxGetsTheSameAckAndASecondForkIsAckedAndEnded() throws {
        let h = T.harness()
        let (legB, ok) = try T.answeredCall(h)
        h.receive(T.callerRequest("ACK", toTag: ok.toTag!, cseq: 1, branch: "z9hG4bKack"))
        let ack = try #require(h.take().first)
        h.receive(T.calleeResponse(legB, 200, "OK"), from: ProxyHarness.callee)
        let again = h.take()
        #expect(again.map(\.bytes) == [ack.bytes])
        // Another fork (To tag b2) answers too: ACKed and ended on leg B, the caller hears nothing.
        h.receive(T.calleeResponse(legB, 200, "OK", tag: "b2"), from: ProxyHarness.callee)
        let stray = h.take()
        #expect(!stray.contains { $0.to == ProxyHarness.caller })
        #expect(stray.contains { $0.message?.method == "ACK" && $0.message?.toTag == "b2" })
        #expect(stray.contains { $0.message?.method == "BYE" && $0.message?.toTag == "b2" && $0.message?.cseq?.number == 2 })
        // The call itself is still up, with the first fork.
        h.receive(T.callerRequest("BYE", toTag: ok.toTag!, cseq: 3, branch: "z9hG4bKbye"))
        #expect(h.take().contains { $0.message?.method == "BYE" && $0.message?.toTag == "b1" && $0.message?.cseq?.number == 3 })
    }
}

/// Forked early dialogs (RFC 3261 §12.1.2, §13.2.2.4): each fork on leg B
/// is its own early dialog on leg A.
@Suite struct B2BUAForkTests {
    typealias T = B2BUACallTests

    static func provisional(_ legB: SIPMessage, _ status: Int, tag: String, contact: String) -> String {
        let r = legB.makeResponse(status: status, reason: status == 180 ? "Ringing" : "Session Progress", toTag: tag)
        r.addHeader(name: "Contact", value: contact)
        return String(decoding: r.serialize(), as: UTF8.self)
    }

    @Test func eachForkGetsItsOwnToTagOnLegAAndTheAnsweringOneBecomesTheCall() throws {
        let h = T.harness()
        h.receive(T.callerInvite)
        let legB = try #require(h.take().first?.message)
        h.receive(Self.provisional(legB, 180, tag: "b1", contact: "<sip:one@10.2.2.1:5080>"), from: ProxyHarness.callee)
        let first = try #require(h.take().first?.message)
        h.receive(Self.provisional(legB, 183, tag: "b2", contact: "<sip:two@10.2.2.2:5080>"), from: ProxyHarness.callee)
        let second = try #require(h.take().first?.message)
        #expect(first.toTag != nil && second.toTag != nil && first.toTag != second.toTag)
        #expect(!second.contacts.contains { $0.uri.contains("10.2.2") })
        // An UPDATE in the second early dialog reaches the second fork.
        h.receive(T.callerRequest("UPDATE", toTag: second.toTag!, cseq: 2, branch: "z9hG4bKup"))
        let update = try #require(h.take().first { $0.message?.method == "UPDATE" }?.message)
        #expect(update.toTag == "b2" && update.requestURI == "sip:two@10.2.2.2:5080" && update.callID == legB.callID)
        // The second fork answers: the caller's 200 carries that fork's tag.
        let ok = legB.makeResponse(status: 200, reason: "OK", toTag: "b2")
        ok.addHeader(name: "Contact", value: "<sip:two@10.2.2.2:5080>")
        h.receive(String(decoding: ok.serialize(), as: UTF8.self), from: ProxyHarness.callee)
        let answer = try #require(h.take().first { $0.firstLine == "SIP/2.0 200 OK" && $0.to == ProxyHarness.caller }?.message)
        #expect(answer.toTag == second.toTag)
        // The first fork's early dialog is gone on leg A …
        h.receive(T.callerRequest("UPDATE", toTag: first.toTag!, cseq: 3, branch: "z9hG4bKup1"))
        #expect(h.take().first?.firstLine == "SIP/2.0 481 Call/Transaction Does Not Exist")
        // … and the call goes on with the second: ACK and BYE to it.
        h.receive(T.callerRequest("ACK", toTag: second.toTag!, cseq: 1, branch: "z9hG4bKack"))
        let ack = try #require(h.take().first?.message)
        #expect(ack.method == "ACK" && ack.toTag == "b2" && ack.requestURI == "sip:two@10.2.2.2:5080")
        h.receive(T.callerRequest("BYE", toTag: second.toTag!, cseq: 4, branch: "z9hG4bKbye"))
        #expect(h.take().contains { $0.message?.method == "BYE" && $0.message?.toTag == "b2" })
        #expect(h.queue.sync { h.core.dialogs.isEmpty })
    }
}

/// Edges of the initial INVITE: an early BYE from the caller, a leg B
/// request too large for UDP.
@Suite struct B2BUAEdgeTests {
    typealias T = B2BUACallTests

    @Test func aByeInTheEarlyDialogEndsTheInviteLikeACancel() throws {
        let h = T.harness()
        h.receive(T.callerInvite)
        let legB = try #require(h.take().first?.message)
        h.receive(T.calleeResponse(legB, 180, "Ringing"), from: ProxyHarness.callee)
        let ringing = try #require(h.take().first?.message)
        h.receive(T.callerRequest("BYE", toTag: ringing.toTag!))
        let out = h.take()
        #expect(out.contains { $0.firstLine == "SIP/2.0 200 OK" && $0.message?.cseq?.method == "BYE" })
        #expect(out.contains { $0.firstLine == "SIP/2.0 487 Request Terminated" && $0.message?.cseq?.method == "INVITE" })
        #expect(out.contains { $0.message?.method == "CANCEL" && $0.message?.callID == legB.callID })
        #expect(h.queue.sync { h.core.dialogs.isEmpty && h.core.stats.dialogsEnded[.cancelled] == 1 })
    }

    @Test func aLegBInviteTooLargeForUDPIsRefused513() {
        let h = T.harness { $0.udpMTU = 1300 }
        let body = String(repeating: "a=x-filler:0123456789\r\n", count: 60)
        h.receive(Msg.invite(extra: "Content-Type: application/sdp\r\n", body: body), transport: .tcp)
        let out = h.take()
        #expect(out.count == 1 && out.first?.firstLine == "SIP/2.0 513 Message Too Large")
        #expect(h.queue.sync { h.core.dialogs.isEmpty })
    }
}
