import Dispatch
import Foundation

/// `TimerScheduler` on a `DispatchQueue`: work runs on `queue`, after the delay.
///
/// Each timer is a `DispatchWorkItem` submitted with `asyncAfter`. Cancellation
/// removes the token from the pending set; a work item whose token is no longer
/// pending does nothing, so a cancel that races the start of the item still wins as
/// long as it happens before the item checks the set (always true when `cancel` is
/// called on `queue`, which is how the proxy uses it). `schedule` and `cancel` may be
/// called from any thread. Work still pending when the scheduler is released never
/// runs.
public final class DispatchTimerScheduler: TimerScheduler, @unchecked Sendable {
    private let queue: DispatchQueue
    private let lock = NSLock()
    private var nextID: UInt64 = 0
    private var pending: [UInt64: DispatchWorkItem] = [:]

    public init(queue: DispatchQueue) {
        self.queue = queue
    }

    deinit {
        for item in pending.values { item.cancel() }
    }

    /// Number of timers scheduled and neither fired nor cancelled.
    public var pendingCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return pending.count
    }

    @discardableResult
    public func schedule(after delay: Duration, _ work: @escaping () -> Void) -> TimerToken {
        lock.lock()
        nextID += 1
        let id = nextID
        let item = DispatchWorkItem { [weak self] in
            guard let self, self.take(id) else { return }
            work()
        }
        pending[id] = item
        lock.unlock()
        queue.asyncAfter(deadline: .now() + Self.interval(delay), execute: item)
        return TimerToken(id: id)
    }

    public func cancel(_ token: TimerToken) {
        lock.lock()
        let item = pending.removeValue(forKey: token.id)
        lock.unlock()
        item?.cancel()
    }

    /// Removes `id` from the pending set; true when it was still pending.
    private func take(_ id: UInt64) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return pending.removeValue(forKey: id) != nil
    }

    /// Converts a `Duration` to whole nanoseconds, clamped to [0, Int.max].
    static func interval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return .nanoseconds(0) }
        let (secondsNanos, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .nanoseconds(Int.max) }
        let total = secondsNanos.addingReportingOverflow(attoseconds / 1_000_000_000)
        guard !total.overflow, total.partialValue <= Int64(Int.max) else { return .nanoseconds(Int.max) }
        return .nanoseconds(max(0, Int(total.partialValue)))
    }
}
