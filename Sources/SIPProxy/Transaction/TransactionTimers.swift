/// Timer values for the transaction layer, RFC 3261 §17 and Table 4 (Appendix A),
/// extended by RFC 6026 §8 (Timers L and M).
///
/// Only the base values are stored; every other timer is derived from them so the
/// relations in Table 4 hold whatever an operator configures. T1 must be positive:
/// the retransmission timers A, E and G are multiples of it.
public struct TransactionTimers: Equatable, Sendable {
    /// RTT estimate, Table 4: 500 ms default.
    public var t1: Duration = .milliseconds(500)
    /// Maximum retransmit interval for non-INVITE requests and INVITE responses, Table 4.
    public var t2: Duration = .seconds(4)
    /// Maximum duration a message will remain in the network, Table 4.
    public var t4: Duration = .seconds(5)
    /// Proxy INVITE transaction timeout, RFC 3261 §16.6 step 11 / §16.8: MUST be
    /// greater than 3 minutes. Owned and armed by the proxy core, kept here so that
    /// configuration has one home for SIP timing.
    public var timerC: Duration = .seconds(180)

    public init(
        t1: Duration = .milliseconds(500),
        t2: Duration = .seconds(4),
        t4: Duration = .seconds(5),
        timerC: Duration = .seconds(180)
    ) {
        self.t1 = t1
        self.t2 = t2
        self.t4 = t4
        self.timerC = timerC
    }

    /// Initial INVITE retransmit interval (Timer A), §17.1.1.2: T1, then doubling.
    public var timerA: Duration { t1 }
    /// INVITE client transaction timeout, §17.1.1.2: 64*T1.
    public var timerB: Duration { t1 * 64 }
    /// Initial non-INVITE retransmit interval (Timer E), §17.1.2.2: T1.
    public var timerE: Duration { t1 }
    /// Non-INVITE client transaction timeout, §17.1.2.2: 64*T1.
    public var timerF: Duration { t1 * 64 }
    /// Initial INVITE response retransmit interval (Timer G), §17.2.1: T1.
    public var timerG: Duration { t1 }
    /// Wait time for ACK receipt, §17.2.1: 64*T1.
    public var timerH: Duration { t1 * 64 }
    /// Wait time for accepted INVITE request retransmits, RFC 6026 §7.1/§8.7: 64*T1.
    public var timerL: Duration { t1 * 64 }
    /// Wait time for retransmission of 2xx to INVITE, RFC 6026 §7.2/§8.4: 64*T1.
    public var timerM: Duration { t1 * 64 }

    /// Wait time for response retransmits, §17.1.1.2: "at least 32 seconds for
    /// unreliable transports, and a value of zero seconds for reliable transports".
    /// When T1 is raised above its default, 64*T1 is used instead of 32 s so that the
    /// client keeps absorbing final responses for as long as a peer's Timer G/H
    /// could still retransmit them.
    public func timerD(reliable: Bool) -> Duration {
        reliable ? .zero : max(.seconds(32), t1 * 64)
    }

    /// Wait time for ACK retransmits, §17.2.1: T4 for unreliable transports, zero for reliable.
    public func timerI(reliable: Bool) -> Duration { reliable ? .zero : t4 }

    /// Wait time for non-INVITE request retransmits, §17.2.2: 64*T1 unreliable, zero reliable.
    public func timerJ(reliable: Bool) -> Duration { reliable ? .zero : t1 * 64 }

    /// Wait time for non-INVITE response retransmits, §17.1.2.2: T4 unreliable, zero reliable.
    public func timerK(reliable: Bool) -> Duration { reliable ? .zero : t4 }
}
