import SIPCore
import Testing
@testable import SIPProxy
import TestSupport

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
