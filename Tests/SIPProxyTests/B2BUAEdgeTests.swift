import SIPCore
import Testing
@testable import SIPProxy
import TestSupport

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
