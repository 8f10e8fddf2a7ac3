import SIPProxy
import TestSupport

/// What a timer action asks the owner to do.
enum TimerCommand: Equatable {
    case start(TransactionTimer, Duration)
    case cancel(TransactionTimer)
}

/// The common face of the four machines, so one harness can drive them all.
protocol DrivableTransaction {
    associatedtype Event
    associatedtype Action: Equatable
    var state: TransactionState { get }
    mutating func handle(_ event: Event) -> [Action]
    static func timerFired(_ timer: TransactionTimer) -> Event
    static func timerCommand(_ action: Action) -> TimerCommand?
}

extension InviteClientTransaction: DrivableTransaction {
    static func timerFired(_ timer: TransactionTimer) -> Event { .timerFired(timer) }
    static func timerCommand(_ action: Action) -> TimerCommand? {
        switch action {
        case .startTimer(let t, let d): return .start(t, d)
        case .cancelTimer(let t): return .cancel(t)
        default: return nil
        }
    }
}

extension NonInviteClientTransaction: DrivableTransaction {
    static func timerFired(_ timer: TransactionTimer) -> Event { .timerFired(timer) }
    static func timerCommand(_ action: Action) -> TimerCommand? {
        switch action {
        case .startTimer(let t, let d): return .start(t, d)
        case .cancelTimer(let t): return .cancel(t)
        default: return nil
        }
    }
}

extension InviteServerTransaction: DrivableTransaction {
    static func timerFired(_ timer: TransactionTimer) -> Event { .timerFired(timer) }
    static func timerCommand(_ action: Action) -> TimerCommand? {
        switch action {
        case .startTimer(let t, let d): return .start(t, d)
        case .cancelTimer(let t): return .cancel(t)
        default: return nil
        }
    }
}

extension NonInviteServerTransaction: DrivableTransaction {
    static func timerFired(_ timer: TransactionTimer) -> Event { .timerFired(timer) }
    static func timerCommand(_ action: Action) -> TimerCommand? {
        switch action {
        case .startTimer(let t, let d): return .start(t, d)
        case .cancelTimer(let t): return .cancel(t)
        default: return nil
        }
    }
}

/// Plays the owner of a machine: turns timer actions into `ManualTimerScheduler`
/// calls and records every other action with the time it was produced.
final class TransactionHarness<Machine: DrivableTransaction> {
    private(set) var machine: Machine
    let clock = ManualTimerScheduler()
    private var tokens: [TransactionTimer: TimerToken] = [:]
    /// Non-timer actions, in order, with the clock time they were produced at.
    private(set) var log: [(at: Duration, action: Machine.Action)] = []
    /// Every timer command, in order, with the clock time.
    private(set) var timerLog: [(at: Duration, command: TimerCommand)] = []

    init(_ machine: Machine) {
        self.machine = machine
    }

    var state: TransactionState { machine.state }

    /// Timers the harness currently has scheduled for the machine.
    var scheduledTimers: Set<TransactionTimer> { Set(tokens.keys) }

    @discardableResult
    func send(_ event: Machine.Event) -> [Machine.Action] {
        let actions = machine.handle(event)
        perform(actions)
        return actions
    }

    func advance(by duration: Duration) {
        clock.advance(by: duration)
    }

    /// Times at which `action` was produced.
    func times(of action: Machine.Action) -> [Duration] {
        log.filter { $0.action == action }.map(\.at)
    }

    /// Durations `timer` was started with, in order.
    func starts(of timer: TransactionTimer) -> [Duration] {
        timerLog.compactMap {
            if case .start(timer, let d) = $0.command { return d }
            return nil
        }
    }

    /// Non-timer actions only, without times.
    var actions: [Machine.Action] { log.map(\.action) }

    private func perform(_ actions: [Machine.Action]) {
        for action in actions {
            guard let command = Machine.timerCommand(action) else {
                log.append((clock.now, action))
                continue
            }
            timerLog.append((clock.now, command))
            switch command {
            case .start(let timer, let duration):
                if let old = tokens[timer] { clock.cancel(old) }
                tokens[timer] = clock.schedule(after: duration) { [unowned self] in
                    self.tokens[timer] = nil
                    self.send(Machine.timerFired(timer))
                }
            case .cancel(let timer):
                if let token = tokens.removeValue(forKey: timer) { clock.cancel(token) }
            }
        }
    }
}

/// Seconds as a `Duration`, for readable schedules.
func secs(_ value: Double) -> Duration { .milliseconds(Int((value * 1000).rounded())) }
