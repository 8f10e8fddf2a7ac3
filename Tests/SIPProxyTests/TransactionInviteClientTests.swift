import SIPProxy
import Testing

@Suite("INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §7.2)")
struct TransactionInviteClientTests {
    typealias Machine = InviteClientTransaction

    private func harness(reliable: Bool) -> TransactionHarness<Machine> {
        let h = TransactionHarness(Machine(reliable: reliable, timers: TransactionTimers()))
        h.send(.start)
        return h
    }

    @Test func startSendsInviteAndArmsTimersAAndBOnUnreliableTransport() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        #expect(m.state == .calling)
        #expect(m.handle(.start) == [.sendRequest, .startTimer(.a, .milliseconds(500)), .startTimer(.b, .seconds(32))])
        #expect(m.state == .calling)
    }

    @Test func startArmsOnlyTimerBOnReliableTransport() {
        var m = Machine(reliable: true, timers: TransactionTimers())
        #expect(m.handle(.start) == [.sendRequest, .startTimer(.b, .seconds(32))])
    }

    @Test func inviteClientRetransmitsWithDoublingTimerAUntilTimerB() {
        let h = harness(reliable: false)
        h.advance(by: .seconds(40))
        // §17.1.1.2: A = T1, 2T1, 4T1, ... (no cap); B = 64*T1 ends it.
        #expect(h.times(of: .sendRequest) == [0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5].map(secs))
        #expect(h.starts(of: .a) == [500, 1000, 2000, 4000, 8000, 16_000, 32_000].map { .milliseconds($0) })
        #expect(h.times(of: .timeout) == [secs(32)])
        #expect(h.times(of: .terminated) == [secs(32)])
        #expect(h.state == .terminated)
        #expect(h.clock.pendingCount == 0)
    }

    @Test func timerAKeepsDoublingPastT2() {
        // With a long B the uncapped doubling is visible beyond T2 = 4 s.
        var m = Machine(reliable: false, timers: TransactionTimers(t1: .seconds(1), t2: .seconds(2)))
        _ = m.handle(.start)
        #expect(m.handle(.timerFired(.a)) == [.sendRequest, .startTimer(.a, .seconds(2))])
        #expect(m.handle(.timerFired(.a)) == [.sendRequest, .startTimer(.a, .seconds(4))])
        #expect(m.handle(.timerFired(.a)) == [.sendRequest, .startTimer(.a, .seconds(8))])
    }

    @Test func timerBFiringTellsTUTimeoutAndCancelsTimerA() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        #expect(m.handle(.timerFired(.b)) == [.cancelTimer(.a), .timeout, .terminated])
        #expect(m.state == .terminated)
    }

    @Test func reliableInviteClientNeverRetransmitsAndTimesOutAfter64T1() {
        let h = harness(reliable: true)
        h.advance(by: .seconds(60))
        #expect(h.times(of: .sendRequest) == [.zero])
        #expect(h.times(of: .timeout) == [secs(32)])
        #expect(h.state == .terminated)
    }

    @Test func provisionalMovesToProceedingAndStopsRetransmissionAndTimerB() {
        let h = harness(reliable: false)
        h.advance(by: .milliseconds(600))
        #expect(h.send(.response(status: 100)) == [.cancelTimer(.a), .cancelTimer(.b), .passToTU(status: 100)])
        #expect(h.state == .proceeding)
        h.advance(by: .seconds(100))
        #expect(h.times(of: .sendRequest) == [0, 0.5].map(secs))
        #expect(h.times(of: .timeout).isEmpty)
        #expect(h.state == .proceeding)
        #expect(h.clock.pendingCount == 0)
    }

    @Test func furtherProvisionalsInProceedingGoToTU() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        _ = m.handle(.response(status: 100))
        #expect(m.handle(.response(status: 180)) == [.passToTU(status: 180)])
        #expect(m.handle(.response(status: 183)) == [.passToTU(status: 183)])
        #expect(m.state == .proceeding)
    }

    @Test func successFromCallingEntersAcceptedWithTimerM() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        #expect(m.handle(.response(status: 200)) == [
            .cancelTimer(.a), .cancelTimer(.b), .startTimer(.m, .seconds(32)), .passToTU(status: 200),
        ])
        #expect(m.state == .accepted)
    }

    @Test func acceptedPassesEveryFurther2xxToTUUntilTimerM() {
        let h = harness(reliable: true)
        h.send(.response(status: 180))
        #expect(h.send(.response(status: 200)) == [.startTimer(.m, .seconds(32)), .passToTU(status: 200)])
        #expect(h.state == .accepted)
        h.advance(by: .seconds(1))
        // RFC 6026 §7.2: retransmitted 2xx (or a 2xx from another fork) go to the TU.
        #expect(h.send(.response(status: 200)) == [.passToTU(status: 200)])
        #expect(h.send(.response(status: 202)) == [.passToTU(status: 202)])
        // Provisional and non-2xx responses have no business here.
        #expect(h.send(.response(status: 180)) == [])
        #expect(h.send(.response(status: 486)) == [])
        h.advance(by: .seconds(31))
        #expect(h.times(of: .terminated) == [secs(32)])
        #expect(h.actions.last == .terminated)
        #expect(h.state == .terminated)
    }

    @Test func nonSuccessFinalEntersCompletedSendsAckAndArmsTimerD() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        _ = m.handle(.response(status: 180))
        #expect(m.handle(.response(status: 486)) == [
            .sendAck, .startTimer(.d, .seconds(32)), .passToTU(status: 486),
        ])
        #expect(m.state == .completed)
    }

    @Test func nonSuccessFinalFromCallingCancelsTimersAAndB() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        #expect(m.handle(.response(status: 603)) == [
            .sendAck, .cancelTimer(.a), .cancelTimer(.b), .startTimer(.d, .seconds(32)), .passToTU(status: 603),
        ])
    }

    @Test func retransmittedFinalInCompletedIsAbsorbedWithReAck() {
        let h = harness(reliable: false)
        h.send(.response(status: 404))
        h.advance(by: .seconds(1))
        #expect(h.send(.response(status: 404)) == [.sendAck])
        h.advance(by: .seconds(2))
        #expect(h.send(.response(status: 404)) == [.sendAck])
        #expect(h.send(.response(status: 200)) == [])
        #expect(h.send(.response(status: 180)) == [])
        #expect(h.times(of: .sendAck) == [0, 1, 3].map(secs))
        #expect(h.times(of: .passToTU(status: 404)) == [.zero])
        h.advance(by: .seconds(29))
        #expect(h.times(of: .terminated) == [secs(32)])
        #expect(h.clock.pendingCount == 0)
    }

    @Test func reliableNonSuccessFinalTerminatesAtOnceBecauseTimerDIsZero() {
        var m = Machine(reliable: true, timers: TransactionTimers())
        _ = m.handle(.start)
        #expect(m.handle(.response(status: 500)) == [.sendAck, .cancelTimer(.b), .passToTU(status: 500), .terminated])
        #expect(m.state == .terminated)
    }

    @Test func transportErrorInCallingTerminatesWithFailure() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        #expect(m.handle(.transportError) == [.cancelTimer(.a), .cancelTimer(.b), .transportFailure, .terminated])
        #expect(m.state == .terminated)
    }

    @Test func transportErrorSendingAckInCompletedTerminatesWithFailure() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        _ = m.handle(.response(status: 404))
        #expect(m.handle(.transportError) == [.cancelTimer(.d), .transportFailure, .terminated])
    }

    @Test func transportErrorIsIgnoredWhereNothingIsSent() {
        var proceeding = Machine(reliable: false, timers: TransactionTimers())
        _ = proceeding.handle(.start)
        _ = proceeding.handle(.response(status: 180))
        #expect(proceeding.handle(.transportError) == [])
        #expect(proceeding.state == .proceeding)

        var accepted = Machine(reliable: false, timers: TransactionTimers())
        _ = accepted.handle(.start)
        _ = accepted.handle(.response(status: 200))
        #expect(accepted.handle(.transportError) == [])
        #expect(accepted.state == .accepted)
    }

    @Test func staleAndForeignTimerFiresAreIgnored() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        for timer in TransactionTimer.allCases where timer != .a && timer != .b {
            #expect(m.handle(.timerFired(timer)) == [])
        }
        _ = m.handle(.response(status: 180))
        // A and B were cancelled; a fire that raced the cancel changes nothing.
        #expect(m.handle(.timerFired(.a)) == [])
        #expect(m.handle(.timerFired(.b)) == [])
        #expect(m.state == .proceeding)
    }

    @Test func eventsBeforeStartAndSecondStartAreIgnored() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        #expect(m.handle(.response(status: 200)) == [])
        #expect(m.handle(.timerFired(.b)) == [])
        #expect(m.handle(.transportError) == [])
        #expect(m.state == .calling)
        _ = m.handle(.start)
        #expect(m.handle(.start) == [])
    }

    @Test(arguments: [0, 99, 700, 1000, -1])
    func outOfRangeStatusIsIgnored(status: Int) {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        #expect(m.handle(.response(status: status)) == [])
        #expect(m.state == .calling)
    }

    @Test func everyEventAfterTerminatedIsIgnored() {
        var m = Machine(reliable: true, timers: TransactionTimers())
        _ = m.handle(.start)
        _ = m.handle(.timerFired(.b))
        #expect(m.state == .terminated)
        var events: [Machine.Event] = [.start, .transportError, .response(status: 100), .response(status: 200), .response(status: 404)]
        events += TransactionTimer.allCases.map { .timerFired($0) }
        for event in events {
            #expect(m.handle(event) == [])
        }
        #expect(m.state == .terminated)
    }
}
