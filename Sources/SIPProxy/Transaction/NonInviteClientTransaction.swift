/// Non-INVITE client transaction, RFC 3261 §17.1.2 (Figure 6).
///
/// Same conventions as `InviteClientTransaction`: actions come in the order wire,
/// timers, TU notifications, `.terminated`; unexpected events and stale timer fires
/// return `[]`; a zero-duration Timer K (reliable transport) terminates at once.
public struct NonInviteClientTransaction: Sendable {
    public enum Event: Equatable, Sendable {
        /// The TU handed the request to the transaction: send it, arm E (unreliable) and F.
        case start
        /// A response matched this transaction (§17.1.3).
        case response(status: Int)
        case timerFired(TransactionTimer)
        /// Sending the request failed (§17.1.4).
        case transportError
    }

    public enum Action: Equatable, Sendable {
        /// (Re)transmit the request.
        case sendRequest
        /// Pass the response just received to the TU.
        case passToTU(status: Int)
        case startTimer(TransactionTimer, Duration)
        case cancelTimer(TransactionTimer)
        /// Timer F fired: the TU treats this as a 408 (Request Timeout) (§17.1.2.2).
        /// RFC 4320 §4.2: a proxy must not forward that 408 upstream.
        case timeout
        /// Tell the TU the transport failed (§17.1.4).
        case transportFailure
        /// The transaction is over; the owner destroys it.
        case terminated
    }

    public let reliable: Bool
    public let timers: TransactionTimers
    public private(set) var state: TransactionState = .trying
    private var started = false
    private var armed = ArmedTimers()

    public init(reliable: Bool, timers: TransactionTimers = TransactionTimers()) {
        self.reliable = reliable
        self.timers = timers
    }

    public mutating func handle(_ event: Event) -> [Action] {
        guard state != .terminated else { return [] }
        if case .start = event { return started ? [] : start() }
        guard started else { return [] }
        switch event {
        case .start:
            return []
        case .response(let status):
            guard (100...699).contains(status) else { return [] }
            return receive(status)
        case .timerFired(let timer):
            guard let interval = armed.disarm(timer) else { return [] }
            return fired(timer, after: interval)
        case .transportError:
            // Figure 6: Trying and Proceeding retransmit the request, so a send can fail.
            guard state == .trying || state == .proceeding else { return [] }
            return terminate(notify: .transportFailure)
        }
    }

    // §17.1.2.2: "the client transaction MUST set timer E to fire in T1 seconds" on
    // unreliable transports; "timer F MUST be set to fire in 64*T1 seconds" always.
    private mutating func start() -> [Action] {
        started = true
        var actions: [Action] = []
        actions.reserveCapacity(3)
        actions.append(.sendRequest)
        if !reliable { actions.append(arm(.e, timers.timerE)) }
        actions.append(arm(.f, timers.timerF))
        return actions
    }

    private mutating func receive(_ status: Int) -> [Action] {
        switch (state, status) {
        case (.trying, 100...199), (.proceeding, 100...199):
            // §17.1.2.2: provisional → Proceeding; Timer E keeps running and is
            // reset to T2 when it next fires.
            state = .proceeding
            return [.passToTU(status: status)]
        case (.trying, 200...699), (.proceeding, 200...699):
            // §17.1.2.2: final → Completed, response to TU, Timer K (T4 / 0).
            state = .completed
            var actions: [Action] = []
            actions.reserveCapacity(TransactionTimer.allCases.count + 4)
            cancel(.e, into: &actions)
            cancel(.f, into: &actions)
            let k = timers.timerK(reliable: reliable)
            guard k > .zero else {
                terminate(notify: .passToTU(status: status), into: &actions)
                return actions
            }
            actions.append(arm(.k, k))
            actions.append(.passToTU(status: status))
            return actions
        default:
            // Completed: "buffer any retransmissions of the final response" — absorbed.
            return []
        }
    }

    private mutating func fired(_ timer: TransactionTimer, after interval: Duration) -> [Action] {
        switch (state, timer) {
        case (.trying, .e):
            // §17.1.2.2: retransmit, reset E to MIN(2*previous, T2).
            return [.sendRequest, arm(.e, min(interval * 2, timers.t2))]
        case (.proceeding, .e):
            // §17.1.2.2: in Proceeding, retransmit and reset E to T2.
            return [.sendRequest, arm(.e, timers.t2)]
        case (.trying, .f), (.proceeding, .f):
            return terminate(notify: .timeout)
        case (.completed, .k):
            return terminate(notify: nil)
        default:
            return []
        }
    }

    // MARK: timer book-keeping

    private mutating func arm(_ timer: TransactionTimer, _ duration: Duration) -> Action {
        armed.start(timer, duration)
    }

    private mutating func cancel(_ timer: TransactionTimer, into actions: inout [Action]) {
        armed.stop(timer, into: &actions)
    }

    private mutating func terminate(notify: Action?) -> [Action] {
        state = .terminated
        return armed.end(notify: notify)
    }

    private mutating func terminate(notify: Action?, into actions: inout [Action]) {
        state = .terminated
        armed.end(notify: notify, into: &actions)
    }
}
