/// Non-INVITE server transaction, RFC 3261 §17.2.2 (Figure 8, with erratum 1470:
/// a final response from the TU in Trying also moves to Completed).
///
/// Same conventions as `InviteClientTransaction`: actions come in the order wire,
/// timers, TU notifications, `.terminated`; unexpected events and stale timer fires
/// return `[]`; a zero-duration Timer J (reliable transport) terminates at once.
/// `.timeout` is never produced here (no timer of Figure 8 reports failure); it is
/// kept so the four machines share one action vocabulary.
///
/// RFC 4320 §4.1 (when a proxy may send 100 to a non-INVITE) is the TU's decision.
public struct NonInviteServerTransaction: Sendable {
    public enum Event: Equatable, Sendable {
        /// The request arrived and created this transaction.
        case start
        /// The request arrived again (matched by §17.2.3).
        case retransmittedRequest
        /// The TU hands a response to send.
        case tuResponse(status: Int)
        case timerFired(TransactionTimer)
        /// Sending a response failed (§17.2.4).
        case transportError
    }

    public enum Action: Equatable, Sendable {
        /// Pass the request to the TU.
        case passRequestToTU
        /// Send the response the TU just handed over; it becomes the "last response".
        case sendResponse(status: Int)
        /// Send the last response again.
        case resendLastResponse
        /// A retransmitted request was swallowed by the transaction.
        case absorb
        case startTimer(TransactionTimer, Duration)
        case cancelTimer(TransactionTimer)
        /// Never produced by this machine; see the type's documentation.
        case timeout
        /// Tell the TU a response could not be sent (§17.2.2, Figure 8).
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
        if case .start = event {
            guard !started else { return [] }
            started = true
            return [.passRequestToTU]
        }
        guard started else { return [] }
        switch event {
        case .start:
            return []
        case .retransmittedRequest:
            // §17.2.2: discarded in Trying; in Proceeding and Completed the last
            // response is passed to the transport again.
            return state == .trying ? [.absorb] : [.resendLastResponse]
        case .tuResponse(let status):
            guard (100...699).contains(status) else { return [] }
            return tuResponse(status)
        case .timerFired(let timer):
            guard armed.disarm(timer) != nil else { return [] }
            guard state == .completed, timer == .j else { return [] }
            return terminate(notify: nil)
        case .transportError:
            // Figure 8: a failed send in Proceeding or Completed ends the transaction.
            guard state == .proceeding || state == .completed else { return [] }
            return terminate(notify: .transportFailure)
        }
    }

    private mutating func tuResponse(_ status: Int) -> [Action] {
        switch (state, status) {
        case (.trying, 100...199), (.proceeding, 100...199):
            state = .proceeding
            return [.sendResponse(status: status)]
        case (.trying, 200...699), (.proceeding, 200...699):
            // §17.2.2 (+ erratum 1470): final → Completed, Timer J (64*T1 / 0).
            state = .completed
            let j = timers.timerJ(reliable: reliable)
            guard j > .zero else {
                var actions: [Action] = []
                actions.reserveCapacity(TransactionTimer.allCases.count + 2)
                actions.append(.sendResponse(status: status))
                terminate(notify: nil, into: &actions)
                return actions
            }
            return [.sendResponse(status: status), arm(.j, j)]
        default:
            // Completed: "Any other final responses passed by the TU ... MUST be discarded".
            return []
        }
    }

    // MARK: timer book-keeping

    private mutating func arm(_ timer: TransactionTimer, _ duration: Duration) -> Action {
        armed.start(timer, duration)
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
