/// A 2xx stird sent as the UAS of an INVITE and must send again, over
/// UDP, until its ACK arrives: at T1, doubling up to T2, for 64*T1 in all
/// (RFC 3261 §13.3.1.4). The transaction layer does not do it: an INVITE
/// server transaction ends on the 2xx (RFC 6026 §7.1 leaves it in Accepted,
/// which never resends one).
struct Unacknowledged2xx {
    let bytes: [UInt8]
    let upstream: Upstream
    var interval: Duration
    var elapsed: Duration = .zero
    var timer: TimerToken?

    init(bytes: [UInt8], upstream: Upstream, t1: Duration) {
        self.bytes = bytes
        self.upstream = upstream
        self.interval = t1
    }
}
