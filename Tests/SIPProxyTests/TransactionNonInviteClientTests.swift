import SIPProxy
import Testing

@Suite("Non-INVITE client transaction (RFC 3261 §17.1.2)")
struct TransactionNonInviteClientTests {
    typealias Machine = NonInviteClientTransaction

    private func harness(reliable: Bool) -> TransactionHarness<Machine> {
        let h = TransactionHarness(Machine(reliable: reliable, timers: TransactionTimers()))
        h.send(.start)
        return h
    }

    @Test func startSendsRequestAndArmsTimersEAndF() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        #expect(m.state == .trying)
        #expect(m.handle(.start) == [.sendRequest, .startTimer(.e, .milliseconds(500)), .startTimer(.f, .seconds(32))])
        var r = Machine(reliable: true, timers: TransactionTimers())
        #expect(r.handle(.start) == [.sendRequest, .startTimer(.f, .seconds(32))])
    }

    @Test func nonInviteClientRetransmitsWithTimerECappedAtT2UntilTimerF() {
        let h = harness(reliable: false)
        h.advance(by: .seconds(40))
        // §17.1.2.2: E = MIN(2*E, T2): 0.5, 1, 2, 4, 4, 4, ...
        #expect(h.times(of: .sendRequest) == [0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5].map(secs))
        #expect(h.starts(of: .e) == [500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000, 4000].map { .milliseconds($0) })
        #expect(h.times(of: .timeout) == [secs(32)])
        #expect(h.actions.suffix(2) == [.timeout, .terminated])
        #expect(h.state == .terminated)
        #expect(h.clock.pendingCount == 0)
    }

    @Test func timerFFiringCancelsTimerE() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        #expect(m.handle(.timerFired(.f)) == [.cancelTimer(.e), .timeout, .terminated])
    }

    @Test func reliableNonInviteClientNeverRetransmitsAndTimesOut() {
        let h = harness(reliable: true)
        h.advance(by: .seconds(40))
        #expect(h.times(of: .sendRequest) == [.zero])
        #expect(h.times(of: .timeout) == [secs(32)])
    }

    @Test func timerEUsesT2OnceInProceeding() {
        let h = harness(reliable: false)
        h.advance(by: .milliseconds(600))
        #expect(h.send(.response(status: 100)) == [.passToTU(status: 100)])
        #expect(h.state == .proceeding)
        h.advance(by: .seconds(40))
        // The E armed in Trying (1 s at 0.5) fires at 1.5, then every T2.
        #expect(h.times(of: .sendRequest) == [0, 0.5, 1.5, 5.5, 9.5, 13.5, 17.5, 21.5, 25.5, 29.5].map(secs))
        #expect(h.times(of: .timeout) == [secs(32)])
        #expect(h.state == .terminated)
    }

    @Test func timerFAlsoEndsProceeding() {
        var m = Machine(reliable: true, timers: TransactionTimers())
        _ = m.handle(.start)
        _ = m.handle(.response(status: 100))
        #expect(m.handle(.response(status: 183)) == [.passToTU(status: 183)])
        #expect(m.handle(.timerFired(.f)) == [.timeout, .terminated])
    }

    @Test func finalResponseEntersCompletedWithTimerKAndAbsorbsRetransmissions() {
        let h = harness(reliable: false)
        h.advance(by: .milliseconds(700))
        #expect(h.send(.response(status: 200)) == [
            .cancelTimer(.e), .cancelTimer(.f), .startTimer(.k, .seconds(5)), .passToTU(status: 200),
        ])
        #expect(h.state == .completed)
        #expect(h.send(.response(status: 200)) == [])
        #expect(h.send(.response(status: 180)) == [])
        #expect(h.send(.response(status: 500)) == [])
        h.advance(by: .seconds(10))
        #expect(h.times(of: .terminated) == [secs(5.7)])
        #expect(h.times(of: .sendRequest) == [0, 0.5].map(secs))
        #expect(h.clock.pendingCount == 0)
    }

    @Test func finalResponseFromProceedingEntersCompleted() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        _ = m.handle(.response(status: 100))
        #expect(m.handle(.response(status: 481)) == [
            .cancelTimer(.e), .cancelTimer(.f), .startTimer(.k, .seconds(5)), .passToTU(status: 481),
        ])
        #expect(m.handle(.timerFired(.k)) == [.terminated])
    }

    @Test func reliableFinalResponseTerminatesAtOnceBecauseTimerKIsZero() {
        var m = Machine(reliable: true, timers: TransactionTimers())
        _ = m.handle(.start)
        #expect(m.handle(.response(status: 200)) == [.cancelTimer(.f), .passToTU(status: 200), .terminated])
        #expect(m.state == .terminated)
    }

    @Test func transportErrorInTryingOrProceedingTerminatesWithFailure() {
        var trying = Machine(reliable: false, timers: TransactionTimers())
        _ = trying.handle(.start)
        #expect(trying.handle(.transportError) == [.cancelTimer(.e), .cancelTimer(.f), .transportFailure, .terminated])

        var proceeding = Machine(reliable: true, timers: TransactionTimers())
        _ = proceeding.handle(.start)
        _ = proceeding.handle(.response(status: 100))
        #expect(proceeding.handle(.transportError) == [.cancelTimer(.f), .transportFailure, .terminated])
    }

    @Test func transportErrorInCompletedIsIgnored() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        _ = m.handle(.response(status: 404))
        #expect(m.handle(.transportError) == [])
        #expect(m.state == .completed)
    }

    @Test func staleTimerFiresAreIgnored() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        for timer in TransactionTimer.allCases where timer != .e && timer != .f {
            #expect(m.handle(.timerFired(timer)) == [])
        }
        _ = m.handle(.response(status: 404))
        #expect(m.handle(.timerFired(.e)) == [])
        #expect(m.handle(.timerFired(.f)) == [])
        #expect(m.state == .completed)
    }

    @Test func eventsBeforeStartAndSecondStartAreIgnored() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        #expect(m.handle(.response(status: 200)) == [])
        #expect(m.handle(.transportError) == [])
        _ = m.handle(.start)
        #expect(m.handle(.start) == [])
        #expect(m.handle(.response(status: 42)) == [])
        #expect(m.state == .trying)
    }

    @Test func everyEventAfterTerminatedIsIgnored() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        _ = m.handle(.transportError)
        var events: [Machine.Event] = [.start, .transportError, .response(status: 100), .response(status: 200)]
        events += TransactionTimer.allCases.map { .timerFired($0) }
        for event in events {
            #expect(m.handle(event) == [])
        }
        #expect(m.state == .terminated)
    }
}
