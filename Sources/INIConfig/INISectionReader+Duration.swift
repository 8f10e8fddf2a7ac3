extension INISectionReader {
    /// A duration whose unit is the key's suffix, per the style rule that keys
    /// carry units (`fetch_timeout_ms`, `max_iat_age_s`): `_ms` is
    /// milliseconds, `_s` seconds. `default` and `range` are in that unit, so
    /// errors show the number the operator typed.
    ///
    /// A key without one of those suffixes is a programming error and traps.
    public mutating func duration(_ key: String, default defaultValue: Int,
                                  range: ClosedRange<Int>) throws -> Duration {
        let amount = try int(key, default: defaultValue, range: range)
        if key.hasSuffix("_ms") { return .milliseconds(amount) }
        precondition(key.hasSuffix("_s"), "duration key '\(key)' must end in _ms or _s")
        return .seconds(amount)
    }

    /// As `duration(_:default:range:)` with the default given as the
    /// Duration the configuration struct holds, so the default is written
    /// once, in the struct (whole units of the key's suffix).
    public mutating func duration(_ key: String, default defaultValue: Duration,
                                  range: ClosedRange<Int>) throws -> Duration {
        let c = defaultValue.components
        let milliseconds = Int(c.seconds) * 1_000 + Int(c.attoseconds / 1_000_000_000_000_000)
        return try duration(key, default: key.hasSuffix("_ms") ? milliseconds : milliseconds / 1_000, range: range)
    }
}
