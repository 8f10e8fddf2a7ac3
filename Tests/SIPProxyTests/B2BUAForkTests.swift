import SIPCore
import Testing
@testable import SIPProxy
import TestSupport

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
