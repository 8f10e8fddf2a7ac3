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

    /// Disarms every timer, calling `body` with each that was armed in
    /// declaration order, so that the actions built from them are
    /// deterministic.
    mutating func disarmAll(_ body: (TransactionTimer) -> Void) {
        for timer in TransactionTimer.allCases where intervals[timer] != nil { body(timer) }
        intervals.removeAll()
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

    /// Disarms `timer`; appends a cancel action only when it was armed.
    ///
    /// The machines build each answer in one array: an event handled on
    /// every call (a provisional or final response, an ACK) would otherwise
    /// allocate an array per `+`.
    mutating func stop<A: TimerAction>(_ timer: TransactionTimer, into actions: inout [A]) {
        if disarm(timer) != nil { actions.append(.cancelTimer(timer)) }
    }

    /// Appends a cancel for every armed timer, then `notify`, then
    /// `.terminated` (always last).
    mutating func end<A: TimerAction>(notify: A?, into actions: inout [A]) {
        disarmAll { actions.append(.cancelTimer($0)) }
        if let notify { actions.append(notify) }
        actions.append(.terminated)
    }

    /// `end(notify:into:)` as a new array.
    mutating func end<A: TimerAction>(notify: A?) -> [A] {
        var actions: [A] = []
        actions.reserveCapacity(TransactionTimer.allCases.count + 2)
        end(notify: notify, into: &actions)
        return actions
    }
}
