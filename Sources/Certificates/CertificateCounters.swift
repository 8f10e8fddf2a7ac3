// Counters the glue exports through swift-metrics (Certificates itself only
// depends on swift-log): hits, misses, fetches, failures by stable code,
// fetch latency.

/// A snapshot of the provider's counters since start.
public struct CertificateCounters: Sendable, Equatable {
    /// Lookups answered from a fresh positive entry.
    public var hits = 0
    /// Lookups answered from a negative (failure) entry.
    public var negativeHits = 0
    /// Lookups that needed a fetch (joined or started one).
    public var misses = 0
    /// HTTP fetches of x5u URLs started (single-flight: one per cold URL).
    public var fetches = 0
    /// Background refreshes started before expiry.
    public var refreshes = 0
    /// Failed lookups by `CertificateFailure.code`.
    public var failures: [String: Int] = [:]
    /// Entries evicted by the LRU bound.
    public var evictions = 0
    /// Entries currently cached (positive and negative).
    public var entries = 0
    /// Sum and maximum of x5u fetch latency in seconds (HTTP only).
    public var fetchSecondsTotal = 0.0
    /// Slowest x5u fetch so far, seconds.
    public var fetchSecondsMax = 0.0

    /// All zero.
    public init() {}
}
