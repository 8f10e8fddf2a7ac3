import SIPCore
import Testing
@testable import SIPProxy
import TestSupport

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
