/// Why a B2BUA dialog ended: the label of `stird_b2bua_dialogs_ended_total`.
public enum DialogEndCause: String, Equatable, Hashable, Sendable, CaseIterable {
    /// The caller (leg A) sent BYE (RFC 3261 §15).
    case byeCaller = "bye_caller"
    /// The callee (leg B) sent BYE.
    case byeCallee = "bye_callee"
    /// The caller cancelled before an answer (RFC 3261 §9).
    case cancelled
    /// The callee answered the INVITE with a final non-2xx response.
    case rejected
    /// No final response came from leg B (Timer B or C: 408).
    case noAnswer = "no_answer"
    /// `max_dialog_s` passed: stird ended it with BYE on both legs.
    case maxDuration = "max_duration"
    /// stird's 2xx to an INVITE got no ACK within 64*T1 (RFC 3261
    /// §13.3.1.4): ended with BYE on both legs.
    case noAck = "no_ack"
}
