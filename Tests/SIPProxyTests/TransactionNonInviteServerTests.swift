import SIPProxy
import Testing

@Suite("Non-INVITE server transaction (RFC 3261 §17.2.2)")
struct TransactionNonInviteServerTests {
    typealias Machine = NonInviteServerTransaction

    private func harness(reliable: Bool) -> TransactionHarness<Machine> {
        let h = TransactionHarness(Machine(reliable: reliable, timers: TransactionTimers()))
        h.send(.start)
        return h
    }

    @Test func startPassesRequestToTUInTrying() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        #expect(m.state == .trying)
        #expect(m.handle(.start) == [.passRequestToTU])
        #expect(m.state == .trying)
    }

    @Test func retransmissionInTryingIsAbsorbed() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        #expect(m.handle(.retransmittedRequest) == [.absorb])
        #expect(m.state == .trying)
    }

    @Test func provisionalEntersProceedingAndRetransmissionsResendIt() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        #expect(m.handle(.tuResponse(status: 100)) == [.sendResponse(status: 100)])
        #expect(m.state == .proceeding)
        #expect(m.handle(.retransmittedRequest) == [.resendLastResponse])
        #expect(m.handle(.tuResponse(status: 100)) == [.sendResponse(status: 100)])
        #expect(m.state == .proceeding)
    }

    @Test func finalEntersCompletedWithTimerJAndResendsOnRetransmission() {
        let h = harness(reliable: false)
        h.send(.tuResponse(status: 100))
        h.advance(by: .seconds(1))
        #expect(h.send(.tuResponse(status: 200)) == [.sendResponse(status: 200), .startTimer(.j, .seconds(32))])
        #expect(h.state == .completed)
        h.advance(by: .seconds(3))
        #expect(h.send(.retransmittedRequest) == [.resendLastResponse])
        // §17.2.2: other final responses from the TU are discarded.
        #expect(h.send(.tuResponse(status: 500)) == [])
        #expect(h.send(.tuResponse(status: 100)) == [])
        h.advance(by: .seconds(40))
        #expect(h.times(of: .terminated) == [secs(33)])
        #expect(h.clock.pendingCount == 0)
    }

    @Test func finalFromTryingEntersCompletedPerErratum1470() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        #expect(m.handle(.tuResponse(status: 404)) == [.sendResponse(status: 404), .startTimer(.j, .seconds(32))])
        #expect(m.state == .completed)
        #expect(m.handle(.timerFired(.j)) == [.terminated])
    }

    @Test func reliableFinalTerminatesAtOnceBecauseTimerJIsZero() {
        var m = Machine(reliable: true, timers: TransactionTimers())
        _ = m.handle(.start)
        #expect(m.handle(.tuResponse(status: 200)) == [.sendResponse(status: 200), .terminated])
        #expect(m.state == .terminated)
    }

    @Test func transportErrorInProceedingOrCompletedTerminatesWithFailure() {
        var proceeding = Machine(reliable: false, timers: TransactionTimers())
        _ = proceeding.handle(.start)
        _ = proceeding.handle(.tuResponse(status: 100))
        #expect(proceeding.handle(.transportError) == [.transportFailure, .terminated])

        var completed = Machine(reliable: false, timers: TransactionTimers())
        _ = completed.handle(.start)
        _ = completed.handle(.tuResponse(status: 200))
        #expect(completed.handle(.transportError) == [.cancelTimer(.j), .transportFailure, .terminated])
        #expect(completed.state == .terminated)
    }

    @Test func transportErrorInTryingIsIgnoredBecauseNothingWasSent() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        #expect(m.handle(.transportError) == [])
        #expect(m.state == .trying)
    }

    @Test func staleTimerFiresAreIgnored() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        _ = m.handle(.start)
        for timer in TransactionTimer.allCases {
            #expect(m.handle(.timerFired(timer)) == [])
        }
        _ = m.handle(.tuResponse(status: 202))
        for timer in TransactionTimer.allCases where timer != .j {
            #expect(m.handle(.timerFired(timer)) == [])
        }
        #expect(m.state == .completed)
    }

    @Test func eventsBeforeStartAndSecondStartAreIgnored() {
        var m = Machine(reliable: false, timers: TransactionTimers())
        #expect(m.handle(.tuResponse(status: 200)) == [])
        #expect(m.handle(.retransmittedRequest) == [])
        _ = m.handle(.start)
        #expect(m.handle(.start) == [])
        #expect(m.handle(.tuResponse(status: 700)) == [])
        #expect(m.state == .trying)
    }

    @Test func everyEventAfterTerminatedIsIgnored() {
        var m = Machine(reliable: true, timers: TransactionTimers())
        _ = m.handle(.start)
        _ = m.handle(.tuResponse(status: 200))
        var events: [Machine.Event] = [.start, .retransmittedRequest, .tuResponse(status: 200), .transportError]
        events += TransactionTimer.allCases.map { .timerFired($0) }
        for event in events {
            #expect(m.handle(event) == [])
        }
        #expect(m.state == .terminated)
    }
}
