/// The timers of RFC 3261 §17 (Table 4) and RFC 6026 §8, as named there.
///
/// Timer C is absent on purpose: it belongs to the proxy core (§16.6 step 11), not to
/// a transaction. `trying100` is a pseudo-timer of this module: the INVITE server
/// transaction arms it on creation to honour §17.2.1 ("MUST generate a 100 (Trying)
/// response unless it knows that the TU will generate a provisional or final response
/// within 200 ms"); when it fires before the TU has responded the machine asks its
/// owner to send 100 Trying.
public enum TransactionTimer: Hashable, Sendable, CaseIterable {
    /// INVITE request retransmit (client, unreliable transport only).
    case a
    /// INVITE client transaction timeout.
    case b
    /// Wait for final-response retransmits (INVITE client, Completed).
    case d
    /// Non-INVITE request retransmit (client, unreliable transport only).
    case e
    /// Non-INVITE client transaction timeout.
    case f
    /// INVITE final-response retransmit (server, unreliable transport only).
    case g
    /// Wait for ACK (INVITE server, Completed).
    case h
    /// Wait for ACK retransmits (INVITE server, Confirmed).
    case i
    /// Wait for request retransmits (non-INVITE server, Completed).
    case j
    /// Wait for response retransmits (non-INVITE client, Completed).
    case k
    /// RFC 6026: wait in Accepted for INVITE retransmits and 2xx from the TU (INVITE server).
    case l
    /// RFC 6026: wait in Accepted for 2xx retransmits (INVITE client).
    case m
    /// Pseudo-timer: send 100 Trying if the TU has not responded (INVITE server, §17.2.1).
    case trying100
}
