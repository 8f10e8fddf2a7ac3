import SIPProxy
import Testing

@Suite("INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §7.1)")
struct TransactionInviteServerTests {
    typealias Machine = InviteServerTransaction

    private func harness(reliable: Bool, autoTryingAfter: Duration? = .milliseconds(200)) -> TransactionHarness<Machine> {
        let h = TransactionHarness(Machine(reliable: reliable, timers: TransactionTimers(), autoTryingAfter: autoTryingAfter))
        h.send(.start)
        return h
    }

    @Test func startPassesInviteToTUAndArmsThe100TryingTimer() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        #expect(m.state == .proceeding)
        #expect(m.handle(.start) == [.startTimer(.trying100, .milliseconds(200)), .passRequestToTU])
        #expect(m.state == .proceeding)
    }

    @Test func sends100TryingAutomaticallyAfter200ms() {
        let h = harness(reliable: false)
        h.advance(by: .milliseconds(199))
        #expect(h.times(of: .send100Trying).isEmpty)
        h.advance(by: .milliseconds(1))
        #expect(h.times(of: .send100Trying) == [.milliseconds(200)])
        h.advance(by: .seconds(10))
        #expect(h.times(of: .send100Trying).count == 1)
        #expect(h.state == .proceeding)
    }

    @Test func auto100TryingIsSuppressedWhenTUSentProvisionalEarlier() {
        let h = harness(reliable: false)
        h.advance(by: .milliseconds(150))
        #expect(h.send(.tuResponse(status: 180)) == [.sendResponse(status: 180), .cancelTimer(.trying100)])
        h.advance(by: .seconds(1))
        #expect(h.times(of: .send100Trying).isEmpty)
        #expect(h.clock.pendingCount == 0)
    }

    @Test func auto100TryingIsSuppressedWhenTUSentFinalEarlier() {
        let h = harness(reliable: true)
        h.send(.tuResponse(status: 486))
        h.send(.tuResponse(status: 200))
        h.advance(by: .seconds(1))
        #expect(h.times(of: .send100Trying).isEmpty)
    }

    @Test func noAuto100TryingWhenDisabled() {
        var m = Machine(reliable: false, timers: TransactionTimers(), autoTryingAfter: nil)
        #expect(m.handle(.start) == [.passRequestToTU])
        #expect(m.handle(.timerFired(.trying100)) == [])
        // Nothing was sent yet, so a retransmitted INVITE has nothing to elicit.
        #expect(m.handle(.retransmittedRequest) == [.absorb])
    }

    @Test func zeroDelaySends100TryingAtOnce() {
        var m = Machine(reliable: false, timers: TransactionTimers(), autoTryingAfter: .zero)
        #expect(m.handle(.start) == [.send100Trying, .passRequestToTU])
        #expect(m.handle(.retransmittedRequest) == [.resendLastResponse])
    }

    @Test func retransmittedInviteInProceedingResendsLastProvisionalOnceThereIsOne() {
        let h = harness(reliable: false)
        #expect(h.send(.retransmittedRequest) == [.absorb])
        h.advance(by: .milliseconds(200))
        #expect(h.send(.retransmittedRequest) == [.resendLastResponse])
        #expect(h.send(.tuResponse(status: 183)) == [.sendResponse(status: 183)])
        #expect(h.send(.retransmittedRequest) == [.resendLastResponse])
        #expect(h.state == .proceeding)
    }

    @Test func successFromTUEntersAcceptedWithTimerL() {
        let h = harness(reliable: false)
        h.advance(by: .milliseconds(100))
        #expect(h.send(.tuResponse(status: 200)) == [
            .sendResponse(status: 200), .cancelTimer(.trying100), .startTimer(.l, .seconds(32)),
        ])
        #expect(h.state == .accepted)
        h.advance(by: .seconds(40))
        #expect(h.times(of: .terminated) == [secs(32.1)])
        #expect(h.clock.pendingCount == 0)
    }

    @Test func acceptedAbsorbsInvitesPassesAcksAndSendsFurther2xxUntilTimerL() {
        let h = harness(reliable: true)
        h.send(.tuResponse(status: 180))
        h.send(.tuResponse(status: 200))
        // RFC 6026 §7.1.
        #expect(h.send(.retransmittedRequest) == [.absorb])
        #expect(h.send(.ack) == [.passAckToTU])
        #expect(h.send(.ack) == [.passAckToTU])
        #expect(h.send(.tuResponse(status: 200)) == [.sendResponse(status: 200)])
        #expect(h.send(.tuResponse(status: 183)) == [])
        #expect(h.send(.tuResponse(status: 486)) == [])
        #expect(h.send(.transportError) == [.transportFailure])
        #expect(h.state == .accepted)
        h.advance(by: .seconds(32))
        #expect(h.actions.last == .terminated)
        #expect(h.state == .terminated)
    }

    @Test func inviteServerRetransmitsNonSuccessFinalWithTimerGCappedAtT2UntilTimerH() {
        let h = harness(reliable: false, autoTryingAfter: nil)
        #expect(h.send(.tuResponse(status: 486)) == [
            .sendResponse(status: 486), .startTimer(.g, .milliseconds(500)), .startTimer(.h, .seconds(32)),
        ])
        #expect(h.state == .completed)
        h.advance(by: .seconds(40))
        #expect(h.times(of: .resendLastResponse) == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5].map(secs))
        #expect(h.starts(of: .g) == [500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000, 4000].map { .milliseconds($0) })
        // §17.2.1: Timer H without ACK → Terminated and the TU learns of the failure.
        #expect(h.times(of: .timeout) == [secs(32)])
        #expect(h.actions.suffix(2) == [.timeout, .terminated])
        #expect(h.clock.pendingCount == 0)
    }

    @Test func timerHFiringCancelsTimerG() {
        var m = Machine(reliable: false, timers: TransactionTimers(), autoTryingAfter: nil)
        _ = m.handle(.start)
        _ = m.handle(.tuResponse(status: 404))
        #expect(m.handle(.timerFired(.h)) == [.cancelTimer(.g), .timeout, .terminated])
    }

    @Test func reliableCompletedDoesNotRetransmitAndTimesOutWithoutAck() {
        let h = harness(reliable: true, autoTryingAfter: nil)
        #expect(h.send(.tuResponse(status: 503)) == [.sendResponse(status: 503), .startTimer(.h, .seconds(32))])
        h.advance(by: .seconds(40))
        #expect(h.times(of: .resendLastResponse).isEmpty)
        #expect(h.times(of: .timeout) == [secs(32)])
        #expect(h.state == .terminated)
    }

    @Test func retransmittedInviteInCompletedResendsFinal() {
        let h = harness(reliable: true)
        h.send(.tuResponse(status: 404))
        #expect(h.send(.retransmittedRequest) == [.resendLastResponse])
        // Completed discards anything more from the TU.
        #expect(h.send(.tuResponse(status: 200)) == [])
        #expect(h.send(.tuResponse(status: 180)) == [])
        #expect(h.state == .completed)
    }

    @Test func ackInCompletedEntersConfirmedAndArmsTimerI() {
        let h = harness(reliable: false)
        h.advance(by: .milliseconds(300))
        h.send(.tuResponse(status: 486))
        h.advance(by: .seconds(2))
        #expect(h.send(.ack) == [.absorb, .cancelTimer(.g), .cancelTimer(.h), .startTimer(.i, .seconds(5))])
        #expect(h.state == .confirmed)
        // §17.2.1: further ACKs and INVITEs are absorbed in Confirmed.
        #expect(h.send(.ack) == [.absorb])
        #expect(h.send(.retransmittedRequest) == [.absorb])
        #expect(h.send(.tuResponse(status: 486)) == [])
        h.advance(by: .seconds(10))
        #expect(h.times(of: .terminated) == [secs(7.3)])
        #expect(h.times(of: .resendLastResponse) == [0.8, 1.8].map(secs))
        #expect(h.times(of: .timeout).isEmpty)
        #expect(h.clock.pendingCount == 0)
    }

    @Test func reliableAckTerminatesAtOnceBecauseTimerIIsZero() {
        var m = Machine(reliable: true, timers: TransactionTimers(), autoTryingAfter: nil)
        _ = m.handle(.start)
        _ = m.handle(.tuResponse(status: 603))
        #expect(m.handle(.ack) == [.absorb, .cancelTimer(.h), .terminated])
        #expect(m.state == .terminated)
    }

    @Test func transportErrorInformsTUButKeepsState() {
        // RFC 6026 §7.1: state is kept so INVITE retransmissions are still absorbed.
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        #expect(m.handle(.transportError) == [.transportFailure])
        #expect(m.state == .proceeding)
        _ = m.handle(.tuResponse(status: 480))
        #expect(m.handle(.transportError) == [.transportFailure])
        #expect(m.state == .completed)
        _ = m.handle(.ack)
        #expect(m.handle(.transportError) == [.transportFailure])
        #expect(m.state == .confirmed)
    }

    @Test func ackOutsideCompletedConfirmedOrAcceptedIsIgnored() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        #expect(m.handle(.ack) == [])
        #expect(m.state == .proceeding)
    }

    @Test func staleTimerFiresAreIgnored() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        for timer in TransactionTimer.allCases where timer != .trying100 {
            #expect(m.handle(.timerFired(timer)) == [])
        }
        _ = m.handle(.tuResponse(status: 180))
        #expect(m.handle(.timerFired(.trying100)) == [])
        _ = m.handle(.tuResponse(status: 404))
        _ = m.handle(.ack)
        #expect(m.handle(.timerFired(.g)) == [])
        #expect(m.handle(.timerFired(.h)) == [])
        #expect(m.state == .confirmed)
    }

    @Test func eventsBeforeStartAndSecondStartAreIgnored() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        #expect(m.handle(.tuResponse(status: 200)) == [])
        #expect(m.handle(.ack) == [])
        #expect(m.handle(.retransmittedRequest) == [])
        #expect(m.handle(.transportError) == [])
        _ = m.handle(.start)
        #expect(m.handle(.start) == [])
        #expect(m.handle(.tuResponse(status: 99)) == [])
        #expect(m.handle(.tuResponse(status: 700)) == [])
        #expect(m.state == .proceeding)
    }

    @Test(arguments: [false, true])
    func everyEventAfterTerminatedIsIgnored(reliable: Bool) {
        var m = Machine(reliable: reliable, timers: TransactionTimers())
        _ = m.handle(.start)
        _ = m.handle(.tuResponse(status: 200))
        _ = m.handle(.timerFired(.l))
        #expect(m.state == .terminated)
        var events: [Machine.Event] = [.start, .retransmittedRequest, .ack, .tuResponse(status: 200), .transportError]
        events += TransactionTimer.allCases.map { .timerFired($0) }
        for event in events {
            #expect(m.handle(event) == [])
        }
    }
}
