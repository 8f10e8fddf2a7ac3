import SIPCore
import Testing
@testable import SIPProxy
import TestSupport

/// A finished call leaves nothing behind: the dialog context and its
/// transactions point at each other until the call and its transactions end.
@Suite struct B2BUAMemoryTests {
    typealias T = B2BUACallTests

    @Test func anUnansweredCallIsFreedOnceItsTransactionsEnd() throws {
        let h = T.harness()
        h.receive(T.callerInvite)
        _ = h.take()
        weak var dialog = h.queue.sync { h.core.dialogs.values.first }
        #expect(dialog != nil)
        for _ in 0..<80 { h.advance(.seconds(1)) }
        #expect(h.queue.sync { h.core.dialogs.isEmpty })
        #expect(dialog == nil)
    }

    @Test func anAnsweredCallIsFreedAfterItsBye() throws {
        let h = T.harness()
        let (_, ok) = try T.answeredCall(h)
        weak var dialog = h.queue.sync { h.core.dialogs.values.first }
        h.receive(T.callerRequest("ACK", toTag: ok.toTag!, cseq: 1, branch: "z9hG4bKack"))
        h.receive(T.callerRequest("BYE", toTag: ok.toTag!))
        for _ in 0..<80 { h.advance(.seconds(1)) }
        #expect(h.queue.sync { h.core.dialogs.isEmpty })
        #expect(dialog == nil)
    }
}
