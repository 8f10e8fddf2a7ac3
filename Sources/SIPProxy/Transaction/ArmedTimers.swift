/// Book-keeping shared by the transaction machines: which timers are armed and the
/// interval each was last armed with (the A/E/G back-off doubles that value).
///
/// Knowing what is armed lets a machine ignore a fire that raced its cancellation,
/// and lets it cancel everything still pending when it terminates.
struct ArmedTimers: Equatable, Sendable {
    private var intervals = TimerMap<Duration>()

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
        let armed = intervals.keysInOrder
        intervals.removeAll()
        return armed
    }
}

/// The timer actions every machine's `Action` enum has; lets the timer
/// book-keeping below be written once for all four machines.
protocol TimerAction {
    static func startTimer(_ timer: TransactionTimer, _ after: Duration) -> Self
    static func cancelTimer(_ timer: TransactionTimer) -> Self
    static var terminated: Self { get }
}

extension InviteClientTransaction.Action: TimerAction {}
extension NonInviteClientTransaction.Action: TimerAction {}
extension InviteServerTransaction.Action: TimerAction {}
extension NonInviteServerTransaction.Action: TimerAction {}

extension ArmedTimers {
    /// Arms `timer` and returns the action that asks the owner to start it.
    mutating func start<A: TimerAction>(_ timer: TransactionTimer, _ duration: Duration) -> A {
        arm(timer, duration)
        return .startTimer(timer, duration)
    }

    /// Disarms `timer`; a cancel action only when it was armed.
    mutating func stop<A: TimerAction>(_ timer: TransactionTimer) -> [A] {
        disarm(timer) != nil ? [.cancelTimer(timer)] : []
    }

    /// Cancels every armed timer, then `notify`, then `.terminated` (always last).
    mutating func end<A: TimerAction>(notify: [A]) -> [A] {
        disarmAll().map(A.cancelTimer) + notify + [.terminated]
    }
}
