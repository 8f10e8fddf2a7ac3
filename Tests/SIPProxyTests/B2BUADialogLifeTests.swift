import SIPCore
import Testing
@testable import SIPProxy
import TestSupport

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
