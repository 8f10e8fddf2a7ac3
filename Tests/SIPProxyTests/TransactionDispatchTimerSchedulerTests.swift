import Dispatch
import Foundation
@testable import SIPProxy
import Testing

@Suite("DispatchTimerScheduler (live, bounded < 1 s)")
struct TransactionDispatchTimerSchedulerTests {
    private static let queueKey = DispatchSpecificKey<String>()

    private func makeQueue(_ label: String) -> DispatchQueue {
        let queue = DispatchQueue(label: label)
        queue.setSpecific(key: Self.queueKey, value: label)
        return queue
    }

    @Test func firesWorkOnItsQueueAfterTheDelay() {
        let queue = makeQueue("stird.test.timers.fire")
        let scheduler = DispatchTimerScheduler(queue: queue)
        let done = DispatchSemaphore(value: 0)
        let start = DispatchTime.now()
        nonisolated(unsafe) var ranOn: String?
        nonisolated(unsafe) var elapsed: UInt64 = 0
        scheduler.schedule(after: .milliseconds(5)) {
            ranOn = DispatchQueue.getSpecific(key: Self.queueKey)
            elapsed = DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds
            done.signal()
        }
        #expect(done.wait(timeout: .now() + .milliseconds(900)) == .success)
        #expect(ranOn == "stird.test.timers.fire")
        #expect(elapsed >= 5_000_000)
        #expect(scheduler.pendingCount == 0)
    }

    @Test func cancelPreventsFiring() {
        let queue = makeQueue("stird.test.timers.cancel")
        let scheduler = DispatchTimerScheduler(queue: queue)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var cancelledRan = false
        // Hold the queue so the 10 ms timer cannot fire (and leave the pending
        // set) before this thread cancels it, however late it gets the CPU.
        let gate = DispatchSemaphore(value: 0)
        queue.async { gate.wait() }
        let token = scheduler.schedule(after: .milliseconds(10)) { cancelledRan = true }
        #expect(scheduler.pendingCount == 1)
        scheduler.cancel(token)
        #expect(scheduler.pendingCount == 0)
        gate.signal()
        // Serial queue: the later sentinel runs after the cancelled work would have.
        scheduler.schedule(after: .milliseconds(40)) { done.signal() }
        #expect(done.wait(timeout: .now() + .milliseconds(900)) == .success)
        let ran = queue.sync { cancelledRan }
        #expect(!ran)
    }

    @Test func cancelFromTheQueueBeforeTheDeadlineWins() {
        let queue = makeQueue("stird.test.timers.cancel-on-queue")
        let scheduler = DispatchTimerScheduler(queue: queue)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var fired: [String] = []
        queue.sync {
            let victim = scheduler.schedule(after: .milliseconds(20)) { fired.append("victim") }
            scheduler.schedule(after: .milliseconds(5)) {
                fired.append("canceller")
                scheduler.cancel(victim)
            }
            scheduler.schedule(after: .milliseconds(50)) { done.signal() }
        }
        #expect(done.wait(timeout: .now() + .milliseconds(900)) == .success)
        #expect(queue.sync { fired } == ["canceller"])
    }

    @Test func durationConvertsToWholeNanoseconds() {
        #expect(DispatchTimerScheduler.interval(.milliseconds(1500)) == .nanoseconds(1_500_000_000))
        #expect(DispatchTimerScheduler.interval(.nanoseconds(7)) == .nanoseconds(7))
        #expect(DispatchTimerScheduler.interval(.zero) == .nanoseconds(0))
        #expect(DispatchTimerScheduler.interval(.milliseconds(-5)) == .nanoseconds(0))
        #expect(DispatchTimerScheduler.interval(.seconds(Int64.max)) == .nanoseconds(Int.max))
    }
}
