/// The owner's clock: runs work after a delay and can cancel it.
///
/// Transaction machines never touch a scheduler; their owner turns `.startTimer` and
/// `.cancelTimer` actions into `schedule` and `cancel` calls. The proxy uses one
/// `LoopTimerScheduler` per proxy loop; tests use a manual scheduler so that
/// 32 seconds of SIP timers run instantly and deterministically.
public protocol TimerScheduler: AnyObject {
    /// Runs `work` once after `after` has elapsed (a negative delay counts as zero).
    @discardableResult
    func schedule(after: Duration, _ work: @escaping () -> Void) -> TimerToken

    /// Prevents the work of `token` from running. Cancelling a token that already
    /// fired, was already cancelled, or is unknown does nothing.
    func cancel(_ token: TimerToken)
}
