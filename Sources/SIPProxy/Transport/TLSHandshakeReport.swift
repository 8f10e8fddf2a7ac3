/// Rate limit for the "TLS handshake refused" lines: each refusal is
/// logged with its reason, but at most `burst` per interval, so a flood
/// of bad handshakes cannot flood the log; what was not logged is counted
/// and said on the next line (or by the layer's sweep once the interval
/// is over).
struct TLSHandshakeReport {
    let intervalNanoseconds: UInt64
    let burst: Int
    private var windowStart: UInt64?
    private var logged = 0
    private var suppressed = 0

    init(interval: Duration, burst: Int = 10) {
        let c = interval.components
        intervalNanoseconds = UInt64(max(0, c.seconds)) * 1_000_000_000 + UInt64(max(0, c.attoseconds) / 1_000_000_000)
        self.burst = burst
    }

    /// One refusal: nil when it must not be logged, else how many were
    /// left unlogged before it (to say on its line).
    mutating func admit(now: UInt64) -> Int? {
        if let start = windowStart, now &- start < intervalNanoseconds {
            guard logged < burst else {
                suppressed += 1
                return nil
            }
        } else {
            windowStart = now
            logged = 0
        }
        logged += 1
        defer { suppressed = 0 }
        return suppressed
    }

    /// Once the interval is over: how many were not logged, if any.
    mutating func flush(now: UInt64) -> Int? {
        guard suppressed > 0, let start = windowStart, now &- start >= intervalNanoseconds else { return nil }
        defer {
            suppressed = 0
            windowStart = now
            logged = 0
        }
        return suppressed
    }
}
