import SIPCore
import Testing
@testable import SIPProxy
import TestSupport

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
