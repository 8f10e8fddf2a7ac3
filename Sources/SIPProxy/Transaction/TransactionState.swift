/// Transaction states, named as in RFC 3261 §17 (Figures 5–8) plus "Accepted" from
/// RFC 6026 §7. Each machine uses the subset its figure shows:
///
/// - INVITE client: calling, proceeding, accepted, completed, terminated.
/// - Non-INVITE client: trying, proceeding, completed, terminated.
/// - INVITE server: proceeding, accepted, completed, confirmed, terminated.
/// - Non-INVITE server: trying, proceeding, completed, terminated.
public enum TransactionState: Equatable, Sendable {
    case calling
    case trying
    case proceeding
    case completed
    case confirmed
    case accepted
    case terminated
}
