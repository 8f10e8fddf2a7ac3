/// Counts TCP connections refused at accept and says so at most once per
/// interval, with the counts since the previous line: a flood of connection
/// attempts must not turn into a flood of log lines. The first refusal is
/// reported at once; later ones when a refusal or the layer's sweep finds
/// the last report at least an interval old.
struct TCPRefusalReport {
    enum Cause: Equatable {
        /// `tcp_max_connections` open connections in all.
        case totalLimit
        /// `tcp_max_connections_per_source` accepted from one IP address.
        case perSourceLimit
    }

    /// What one log line says.
    struct Summary: Equatable {
        var totalLimit = 0
        var perSourceLimit = 0
        /// The source of the latest refusal counted.
        var lastSource: SocketAddress
        /// Seconds since the previous line; nil for the first.
        var seconds: Double?
    }

    let intervalNanoseconds: UInt64
    private var totalLimit = 0
    private var perSourceLimit = 0
    private var lastSource: SocketAddress?
    /// `DispatchTime` uptime of the last line; nil before the first.
    private var lastReport: UInt64?

    init(interval: Duration) {
        let c = interval.components
        intervalNanoseconds = UInt64(max(0, c.seconds)) * 1_000_000_000 + UInt64(max(0, c.attoseconds) / 1_000_000_000)
    }

    /// Counts one refusal; returns the line to log when one is due.
    mutating func note(_ cause: Cause, from source: SocketAddress, now: UInt64) -> Summary? {
        switch cause {
        case .totalLimit: totalLimit += 1
        case .perSourceLimit: perSourceLimit += 1
        }
        lastSource = source
        return flush(now: now)
    }

    /// The line to log when refusals were counted and the last line is at
    /// least an interval old (or there was none).
    mutating func flush(now: UInt64) -> Summary? {
        guard let source = lastSource else { return nil }
        var seconds: Double?
        if let last = lastReport {
            guard now &- last >= intervalNanoseconds else { return nil }
            seconds = Double(now &- last) / 1e9
        }
        let summary = Summary(totalLimit: totalLimit, perSourceLimit: perSourceLimit, lastSource: source, seconds: seconds)
        totalLimit = 0
        perSourceLimit = 0
        lastSource = nil
        lastReport = now
        return summary
    }
}
