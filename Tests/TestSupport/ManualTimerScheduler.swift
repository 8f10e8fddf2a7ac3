import SIPProxy

/// `TimerScheduler` driven by hand, for tests: time moves only in `advance(by:)`.
///
/// Work runs synchronously inside `advance`, in deadline order (ties in scheduling
/// order), with `now` set to the work's deadline while it runs; work scheduled by
/// running work fires in the same `advance` if it falls due by its end. Work
/// scheduled with a zero delay runs on the next `advance`, never inside `schedule`.
/// Not thread-safe: use it from one thread, like the queue it stands in for.
public final class ManualTimerScheduler: TimerScheduler {
    private struct Entry {
        let deadline: Duration
        let work: () -> Void
    }

    /// Time elapsed since the scheduler was created.
    public private(set) var now: Duration = .zero
    private var nextID: UInt64 = 0
    private var entries: [UInt64: Entry] = [:]

    public init() {}

    /// Number of timers scheduled and neither fired nor cancelled.
    public var pendingCount: Int { entries.count }

    /// Deadline of the earliest pending timer, if any.
    public var nextDeadline: Duration? { earliest(notAfter: nil)?.entry.deadline }

    @discardableResult
    public func schedule(after delay: Duration, _ work: @escaping () -> Void) -> TimerToken {
        nextID += 1
        entries[nextID] = Entry(deadline: now + max(delay, .zero), work: work)
        return TimerToken(id: nextID)
    }

    public func cancel(_ token: TimerToken) {
        entries.removeValue(forKey: token.id)
    }

    /// Moves time forward by `delta` (negative counts as zero), firing due work.
    public func advance(by delta: Duration) {
        let target = now + max(delta, .zero)
        while let (id, entry) = earliest(notAfter: target) {
            entries.removeValue(forKey: id)
            now = entry.deadline
            entry.work()
        }
        now = target
    }

    /// Advances to the earliest pending deadline and fires what is due there.
    /// Returns false when nothing is pending.
    @discardableResult
    public func advanceToNextDeadline() -> Bool {
        guard let deadline = nextDeadline else { return false }
        advance(by: deadline - now)
        return true
    }

    private func earliest(notAfter limit: Duration?) -> (id: UInt64, entry: Entry)? {
        var best: (id: UInt64, entry: Entry)?
        for (id, entry) in entries {
            if let limit, entry.deadline > limit { continue }
            if let current = best,
               (current.entry.deadline, current.id) <= (entry.deadline, id) { continue }
            best = (id, entry)
        }
        return best
    }
}
