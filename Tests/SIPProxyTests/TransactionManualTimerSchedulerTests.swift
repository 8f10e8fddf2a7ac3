import SIPProxy
import TestSupport
import Testing

@Suite("ManualTimerScheduler")
struct ManualTimerSchedulerTests {
    @Test func firesDueWorkInDeadlineOrderWithTiesInSchedulingOrder() {
        let clock = ManualTimerScheduler()
        var fired: [String] = []
        clock.schedule(after: .seconds(3)) { fired.append("c@3") }
        clock.schedule(after: .seconds(1)) { fired.append("a@1") }
        clock.schedule(after: .seconds(2)) { fired.append("b1@2") }
        clock.schedule(after: .seconds(2)) { fired.append("b2@2") }
        #expect(clock.pendingCount == 4)
        clock.advance(by: .seconds(10))
        #expect(fired == ["a@1", "b1@2", "b2@2", "c@3"])
        #expect(clock.pendingCount == 0)
        #expect(clock.now == .seconds(10))
    }

    @Test func doesNotFireBeforeTheDeadline() {
        let clock = ManualTimerScheduler()
        var count = 0
        clock.schedule(after: .milliseconds(500)) { count += 1 }
        clock.advance(by: .milliseconds(499))
        #expect(count == 0)
        #expect(clock.now == .milliseconds(499))
        clock.advance(by: .milliseconds(1))
        #expect(count == 1)
    }

    @Test func nowDuringWorkIsItsDeadline() {
        let clock = ManualTimerScheduler()
        var seen: [Duration] = []
        clock.schedule(after: .milliseconds(250)) { seen.append(clock.now) }
        clock.schedule(after: .milliseconds(750)) { seen.append(clock.now) }
        clock.advance(by: .seconds(1))
        #expect(seen == [.milliseconds(250), .milliseconds(750)])
    }

    @Test func cancelPreventsFiringAndIsIdempotent() {
        let clock = ManualTimerScheduler()
        var fired: [Int] = []
        let one = clock.schedule(after: .seconds(1)) { fired.append(1) }
        clock.schedule(after: .seconds(2)) { fired.append(2) }
        clock.cancel(one)
        clock.cancel(one)
        clock.cancel(TimerToken(id: 999))
        #expect(clock.pendingCount == 1)
        clock.advance(by: .seconds(5))
        #expect(fired == [2])
    }

    @Test func cancellingAfterFiringDoesNothing() {
        let clock = ManualTimerScheduler()
        var count = 0
        let token = clock.schedule(after: .seconds(1)) { count += 1 }
        clock.advance(by: .seconds(1))
        clock.cancel(token)
        clock.advance(by: .seconds(1))
        #expect(count == 1)
    }

    @Test func workScheduledByFiredWorkFiresInTheSameAdvanceWhenDue() {
        let clock = ManualTimerScheduler()
        var fired: [Duration] = []
        func tick() {
            fired.append(clock.now)
            clock.schedule(after: .seconds(1), tick)
        }
        clock.schedule(after: .seconds(1), tick)
        clock.advance(by: .milliseconds(3500))
        #expect(fired == [.seconds(1), .seconds(2), .seconds(3)])
        #expect(clock.pendingCount == 1)
        #expect(clock.nextDeadline == .seconds(4))
    }

    @Test func workCanCancelLaterWork() {
        let clock = ManualTimerScheduler()
        var fired: [String] = []
        var later: TimerToken?
        clock.schedule(after: .seconds(1)) {
            fired.append("first")
            if let later { clock.cancel(later) }
        }
        later = clock.schedule(after: .seconds(2)) { fired.append("later") }
        clock.advance(by: .seconds(3))
        #expect(fired == ["first"])
    }

    @Test func zeroDelayWorkWaitsForTheNextAdvance() {
        let clock = ManualTimerScheduler()
        var count = 0
        clock.schedule(after: .zero) { count += 1 }
        clock.schedule(after: .seconds(-1)) { count += 1 }
        #expect(count == 0)
        clock.advance(by: .zero)
        #expect(count == 2)
        #expect(clock.now == .zero)
    }

    @Test func advanceToNextDeadlineStepsOneDeadlineAtATime() {
        let clock = ManualTimerScheduler()
        var fired: [Int] = []
        clock.schedule(after: .seconds(2)) { fired.append(2) }
        clock.schedule(after: .seconds(5)) { fired.append(5) }
        #expect(clock.advanceToNextDeadline())
        #expect(fired == [2])
        #expect(clock.now == .seconds(2))
        #expect(clock.advanceToNextDeadline())
        #expect(fired == [2, 5])
        #expect(!clock.advanceToNextDeadline())
        #expect(clock.now == .seconds(5))
    }

    @Test func tokensAreUniquePerScheduler() {
        let clock = ManualTimerScheduler()
        let tokens = (0..<100).map { _ in clock.schedule(after: .seconds(1)) {} }
        #expect(Set(tokens).count == 100)
    }
}
