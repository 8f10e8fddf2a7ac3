/// The life of one B2BUA call as a value (docs/ARCHITECTURE.md rule 3):
/// events in, a new state and whether the dialog ended out. `ProxyCore`
/// owns the legs, the transactions and the timers.
///
/// RFC 3261 §12.1: the dialog is early from the first provisional response
/// with a To tag until a 2xx confirms it, or a non-2xx final ends it; §15:
/// a BYE from either side ends a confirmed one; §14.1: only one INVITE
/// transaction may be in progress in a dialog at a time in each direction
/// — stird, sitting in both directions, allows one at a time per call.
struct B2BUADialog: Equatable {
    enum State: Equatable {
        /// INVITE sent on leg B, no final response yet.
        case early
        /// 2xx relayed to leg A.
        case confirmed
        /// Ended; the table no longer holds it.
        case terminated(DialogEndCause)
    }

    enum Event: Equatable {
        /// The initial INVITE got a 2xx on leg B (§13.2.2.4).
        case answered
        /// The initial INVITE got a final non-2xx, or none (§13.2.2.3, Timer B/C).
        case failed(status: Int, cancelled: Bool)
        /// BYE from leg A (`fromCaller`) or leg B (§15.1.2).
        case bye(fromCaller: Bool)
        /// `max_dialog_s` passed.
        case expired
        /// A 2xx stird sent was never ACKed (§13.3.1.4).
        case unacknowledged
        /// A re-INVITE started (either side) or ended.
        case reinviteStarted
        case reinviteEnded
    }

    enum Outcome: Equatable {
        case none
        /// The dialog ended for `cause`.
        case ended(DialogEndCause)
        /// A second INVITE while one is in progress: 491 (§14.2).
        case glare
    }

    private(set) var state: State = .early
    private(set) var reinviting = false

    mutating func handle(_ event: Event) -> Outcome {
        if case .terminated = state { return .none }
        switch event {
        case .answered:
            if state == .early { state = .confirmed }
            return .none
        case let .failed(status, cancelled):
            guard state == .early else { return .none }
            let cause: DialogEndCause = cancelled || status == 487 ? .cancelled : (status == 408 ? .noAnswer : .rejected)
            return end(cause)
        case let .bye(fromCaller):
            return end(fromCaller ? .byeCaller : .byeCallee)
        case .expired:
            return end(.maxDuration)
        case .unacknowledged:
            return end(.noAck)
        case .reinviteStarted:
            if reinviting || state != .confirmed { return .glare }
            reinviting = true
            return .none
        case .reinviteEnded:
            reinviting = false
            return .none
        }
    }

    private mutating func end(_ cause: DialogEndCause) -> Outcome {
        state = .terminated(cause)
        return .ended(cause)
    }
}
