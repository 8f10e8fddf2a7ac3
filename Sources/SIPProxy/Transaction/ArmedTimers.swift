/// Book-keeping shared by the transaction machines: which timers are armed and the
/// interval each was last armed with (the A/E/G back-off doubles that value).
///
/// Knowing what is armed lets a machine ignore a fire that raced its cancellation,
/// and lets it cancel everything still pending when it terminates.
struct ArmedTimers: Equatable, Sendable {
    private var intervals: [TransactionTimer: Duration] = [:]

    mutating func arm(_ timer: TransactionTimer, _ duration: Duration) {
        intervals[timer] = duration
    }

    /// Returns the interval the timer was armed with, or nil when it was not armed.
    @discardableResult
    mutating func disarm(_ timer: TransactionTimer) -> Duration? {
        intervals.removeValue(forKey: timer)
    }

    /// Disarms every timer and returns them in declaration order, so that the
    /// actions built from them are deterministic.
    mutating func disarmAll() -> [TransactionTimer] {
        let armed = TransactionTimer.allCases.filter { intervals[$0] != nil }
        intervals.removeAll()
        return armed
    }
}
