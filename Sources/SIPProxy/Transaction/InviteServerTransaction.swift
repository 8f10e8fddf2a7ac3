/// INVITE server transaction, RFC 3261 §17.2.1 (Figure 7) as corrected by RFC 6026
/// §7.1: a 2xx from the TU moves to "Accepted" (left by Timer L), where INVITE
/// retransmissions are absorbed and ACKs go to the TU; and a transport error no
/// longer destroys the transaction (it stays in its state and timers end it).
///
/// Same conventions as `InviteClientTransaction`: actions come in the order wire,
/// timers, TU notifications, `.terminated`; unexpected events and stale timer fires
/// return `[]` (the owner drops the message); a zero-duration Timer I (reliable
/// transport) terminates at once.
///
/// The owner keeps the bytes of the last response it sent for this transaction,
/// including a 100 Trying it sent on `.send100Trying`, and sends them again on
/// `.resendLastResponse`.
public struct InviteServerTransaction: Sendable {
    public enum Event: Equatable, Sendable {
        /// The INVITE arrived and created this transaction.
        case start
        /// The INVITE arrived again (matched by §17.2.3).
        case retransmittedRequest
        /// An ACK matched this transaction (§17.2.3: ACK matches its INVITE).
        case ack
        /// The TU hands a response to send.
        case tuResponse(status: Int)
        case timerFired(TransactionTimer)
        /// Sending a response failed (§17.2.4).
        case transportError
    }

    public enum Action: Equatable, Sendable {
        /// Pass the INVITE to the TU.
        case passRequestToTU
        /// Send the response the TU just handed over; it becomes the "last response".
        case sendResponse(status: Int)
        /// Send the last response again.
        case resendLastResponse
        /// A retransmitted request or an ACK was swallowed by the transaction.
        case absorb
        /// RFC 6026 §7.1: an ACK (for a 2xx) received in Accepted goes to the TU.
        case passAckToTU
        /// Build and send 100 Trying (§8.2.6, no To tag); it becomes the "last response".
        case send100Trying
        case startTimer(TransactionTimer, Duration)
        case cancelTimer(TransactionTimer)
        /// Timer H fired: no ACK came; tell the TU the transaction failed (§17.2.1).
        case timeout
        /// Tell the TU a response could not be sent (§17.2.4, RFC 6026 §7.1).
        case transportFailure
        /// The transaction is over; the owner destroys it.
        case terminated
    }

    public let reliable: Bool
    public let timers: TransactionTimers
    /// Delay before the transaction sends 100 Trying on its own; nil never, zero at once.
    public let autoTryingAfter: Duration?
    public private(set) var state: TransactionState = .proceeding
    private var started = false
    private var hasSentResponse = false
    private var armed = ArmedTimers()

    public init(
        reliable: Bool,
        timers: TransactionTimers = TransactionTimers(),
        autoTryingAfter: Duration? = .milliseconds(200)
    ) {
        self.reliable = reliable
        self.timers = timers
        self.autoTryingAfter = autoTryingAfter
    }

    public mutating func handle(_ event: Event) -> [Action] {
        guard state != .terminated else { return [] }
        if case .start = event { return started ? [] : start() }
        guard started else { return [] }
        switch event {
        case .start:
            return []
        case .retransmittedRequest:
            return retransmittedRequest()
        case .ack:
            return ack()
        case .tuResponse(let status):
            guard (100...699).contains(status) else { return [] }
            return tuResponse(status)
        case .timerFired(let timer):
            guard let interval = armed.disarm(timer) else { return [] }
            return fired(timer, after: interval)
        case .transportError:
            // RFC 6026 §7.1: "MUST NOT discard transaction state based only on
            // encountering a non-recoverable transport error when sending a response";
            // the machine stays put so INVITE retransmissions are still absorbed.
            return [.transportFailure]
        }
    }

    // §17.2.1: the transaction starts in Proceeding, passes the INVITE to the TU and
    // "MUST generate a 100 (Trying) response unless it knows that the TU will
    // generate a provisional or final response within 200 ms".
    private mutating func start() -> [Action] {
        started = true
        guard let delay = autoTryingAfter else { return [.passRequestToTU] }
        guard delay > .zero else {
            hasSentResponse = true
            return [.send100Trying, .passRequestToTU]
        }
        return [arm(.trying100, delay), .passRequestToTU]
    }

    private mutating func retransmittedRequest() -> [Action] {
        switch state {
        case .proceeding:
            // §17.2.1: resend the most recent provisional response, if there is one.
            return hasSentResponse ? [.resendLastResponse] : [.absorb]
        case .completed:
            // §17.2.1: "the server MUST pass the response to the transport for retransmission".
            return [.resendLastResponse]
        default:
            // Confirmed: absorbed; Accepted: RFC 6026 §7.1 absorbs INVITE retransmissions.
            return [.absorb]
        }
    }

    private mutating func ack() -> [Action] {
        switch state {
        case .completed:
            // §17.2.1: ACK → Confirmed, stop G and H, Timer I (T4 / 0).
            state = .confirmed
            var actions: [Action] = []
            actions.reserveCapacity(TransactionTimer.allCases.count + 4)
            actions.append(.absorb)
            cancel(.g, into: &actions)
            cancel(.h, into: &actions)
            let i = timers.timerI(reliable: reliable)
            guard i > .zero else {
                terminate(notify: nil, into: &actions)
                return actions
            }
            actions.append(arm(.i, i))
            return actions
        case .confirmed:
            // §17.2.1: further ACKs are absorbed without changing state.
            return [.absorb]
        case .accepted:
            // RFC 6026 §7.1: the ACK for a 2xx belongs to the TU.
            return [.passAckToTU]
        default:
            return []
        }
    }

    private mutating func tuResponse(_ status: Int) -> [Action] {
        switch (state, status) {
        case (.proceeding, 100...199):
            // §17.2.1: provisional responses are sent, state unchanged.
            hasSentResponse = true
            var actions: [Action] = []
            actions.reserveCapacity(2)
            actions.append(.sendResponse(status: status))
            cancel(.trying100, into: &actions)
            return actions
        case (.proceeding, 200...299):
            // RFC 6026 §7.1: 2xx → Accepted, Timer L = 64*T1.
            state = .accepted
            hasSentResponse = true
            var actions: [Action] = []
            actions.reserveCapacity(3)
            actions.append(.sendResponse(status: status))
            cancel(.trying100, into: &actions)
            actions.append(arm(.l, timers.timerL))
            return actions
        case (.proceeding, 300...699):
            // §17.2.1: non-2xx final → Completed, Timer G (unreliable) and Timer H.
            state = .completed
            hasSentResponse = true
            var actions: [Action] = []
            actions.reserveCapacity(4)
            actions.append(.sendResponse(status: status))
            cancel(.trying100, into: &actions)
            if !reliable { actions.append(arm(.g, timers.timerG)) }
            actions.append(arm(.h, timers.timerH))
            return actions
        case (.accepted, 200...299):
            // RFC 6026 §7.1: the TU's 2xx retransmissions (and 2xx from other
            // forks, for a proxy) are sent through the transaction.
            return [.sendResponse(status: status)]
        default:
            return []
        }
    }

    private mutating func fired(_ timer: TransactionTimer, after interval: Duration) -> [Action] {
        switch (state, timer) {
        case (.proceeding, .trying100):
            hasSentResponse = true
            return [.send100Trying]
        case (.completed, .g):
            // §17.2.1: resend, reset G to MIN(2*previous, T2).
            return [.resendLastResponse, arm(.g, min(interval * 2, timers.t2))]
        case (.completed, .h):
            // §17.2.1: no ACK: Terminated, and "indicate to the TU that a
            // transaction failure has occurred".
            return terminate(notify: .timeout)
        case (.confirmed, .i), (.accepted, .l):
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
