/// INVITE client transaction, RFC 3261 §17.1.1 (Figure 5) as corrected by RFC 6026
/// §7.2 (2xx moves to "Accepted", left by Timer M).
///
/// A value: it sees no message and no socket. The owner feeds `Event`s and performs
/// the returned `Action`s in order. Within one result the order is: wire actions,
/// timer actions, TU notifications, then `.terminated` (always last). Timer actions
/// come before TU notifications so that a TU reacting synchronously never sees a
/// timer it already cancelled being armed afterwards.
///
/// On termination every timer still armed is cancelled by an explicit `.cancelTimer`.
/// A fire of a timer that is not armed (it raced a cancel) is ignored, as is any event
/// the current state does not expect: such events return `[]` and never trap.
/// A timer whose duration is zero (Timer D on a reliable transport, §17.1.1.2) is not
/// armed; its transition is taken at once.
public struct InviteClientTransaction: Sendable {
    public enum Event: Equatable, Sendable {
        /// The TU handed the INVITE to the transaction: send it and arm A (unreliable) and B.
        case start
        /// A response matched this transaction (§17.1.3).
        case response(status: Int)
        case timerFired(TransactionTimer)
        /// Sending the INVITE or the ACK failed (§17.1.4).
        case transportError
    }

    public enum Action: Equatable, Sendable {
        /// (Re)transmit the INVITE.
        case sendRequest
        /// Send the ACK for a non-2xx final response (§17.1.1.3); the owner builds it.
        case sendAck
        /// Pass the response just received to the TU.
        case passToTU(status: Int)
        case startTimer(TransactionTimer, Duration)
        case cancelTimer(TransactionTimer)
        /// Timer B fired: the TU treats this as a 408 (Request Timeout) (§17.1.1.2).
        case timeout
        /// Tell the TU the transport failed (§17.1.4).
        case transportFailure
        /// The transaction is over; the owner destroys it (§17.1.1.2).
        case terminated
    }

    public let reliable: Bool
    public let timers: TransactionTimers
    public private(set) var state: TransactionState = .calling
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
            // Figure 5: a transport error matters while something is being sent:
            // the INVITE in Calling, the ACK in Completed.
            guard state == .calling || state == .completed else { return [] }
            return terminate(notify: .transportFailure)
        }
    }

    // §17.1.1.2: "the client transaction MUST start timer A with a value of T1" for
    // unreliable transports, and "MUST set timer B to fire after 64*T1" for any.
    private mutating func start() -> [Action] {
        started = true
        var actions: [Action] = []
        actions.reserveCapacity(3)
        actions.append(.sendRequest)
        if !reliable { actions.append(arm(.a, timers.timerA)) }
        actions.append(arm(.b, timers.timerB))
        return actions
    }

    private mutating func receive(_ status: Int) -> [Action] {
        var actions: [Action] = []
        switch (state, status) {
        case (.calling, 100...199), (.proceeding, 100...199):
            // §17.1.1.2: provisional → Proceeding, no more retransmissions; Timer B
            // only applies in Calling (Figure 5), Timer C covers Proceeding.
            state = .proceeding
            actions.reserveCapacity(3)
            cancel(.a, into: &actions)
            cancel(.b, into: &actions)
            actions.append(.passToTU(status: status))
            return actions
        case (.calling, 200...299), (.proceeding, 200...299):
            // RFC 6026 §7.2: 2xx → Accepted with Timer M = 64*T1, 2xx to TU.
            state = .accepted
            actions.reserveCapacity(4)
            cancel(.a, into: &actions)
            cancel(.b, into: &actions)
            actions.append(arm(.m, timers.timerM))
            actions.append(.passToTU(status: status))
            return actions
        case (.calling, 300...699), (.proceeding, 300...699):
            // §17.1.1.2: non-2xx final → Completed, ACK sent, response to TU, Timer D.
            state = .completed
            actions.reserveCapacity(TransactionTimer.allCases.count + 4)
            actions.append(.sendAck)
            cancel(.a, into: &actions)
            cancel(.b, into: &actions)
            let d = timers.timerD(reliable: reliable)
            guard d > .zero else {
                terminate(notify: .passToTU(status: status), into: &actions)
                return actions
            }
            actions.append(arm(.d, d))
            actions.append(.passToTU(status: status))
            return actions
        case (.completed, 300...699):
            // §17.1.1.2: retransmitted final response → ACK again, not passed up.
            return [.sendAck]
        case (.accepted, 200...299):
            // RFC 6026 §7.2: 2xx retransmissions (or 2xx from other forks) go to the TU.
            return [.passToTU(status: status)]
        default:
            return []
        }
    }

    private mutating func fired(_ timer: TransactionTimer, after interval: Duration) -> [Action] {
        switch (state, timer) {
        case (.calling, .a):
            // §17.1.1.2: retransmit and reset A to twice its previous value (uncapped).
            return [.sendRequest, arm(.a, interval * 2)]
        case (.calling, .b):
            return terminate(notify: .timeout)
        case (.completed, .d), (.accepted, .m):
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
