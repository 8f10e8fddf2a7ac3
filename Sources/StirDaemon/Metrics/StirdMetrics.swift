import Foundation
import Metrics
import Prometheus

/// One value computed at scrape time by a snapshot hook (see
/// `StirdMetrics.register(snapshot:)`). A name ending in `_total` is exposed as
/// a counter, any other name as a gauge.
public typealias MetricSample = (name: String, help: String, labels: [(String, String)], value: Double)

/// stird's metrics: typed helpers over swift-metrics handles backed by a
/// swift-prometheus registry, plus pull-style hooks for counters that other
/// modules already keep (`ProxyStats`, `CertificateCounters`), so those
/// modules need not depend on a metrics library.
///
/// Thread-safe: the helpers are called from the SIP loop and the crypto
/// workers, `exposition()` from the metrics server's queue.
public final class StirdMetrics {
    /// Where every handle made by `factory` lives; `exposition()` renders it.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics backend writing into `registry`, with latency
    /// buckets suited to signing and verification (tens of µs to seconds).
    public let factory: PrometheusMetricsFactory

    /// Counter of verification outcomes, label `outcome`.
    public static let verificationName = "stird_verification_total"
    /// Counter of signed calls, label `attest`.
    public static let signedName = "stird_signed_total"
    /// Counter of Digest authentication outcomes, label `result`.
    public static let authResultsName = "stird_auth_results_total"
    /// Histogram of signing time in seconds.
    public static let signLatencyName = "stird_sign_duration_seconds"
    /// Histogram of verification time in seconds.
    public static let verifyLatencyName = "stird_verify_duration_seconds"

    /// Distinct label values kept per counter; later ones are counted under
    /// `other`. Outcome codes and attestation levels are small fixed sets, so
    /// reaching this means a caller passed free text, which must not grow the
    /// scrape (and Prometheus' memory) without bound.
    public static let maxLabelValues = 64

    /// Sign and verify latency buckets: an ES256 signature takes tens of µs,
    /// a verification with a cached certificate well under a millisecond, and
    /// one that waits for an x5u fetch up to the fetch timeout.
    public static let latencyBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    private let lock = NSLock()
    private var outcomes: [String: Metrics.Counter] = [:]
    private var attestations: [String: Metrics.Counter] = [:]
    private var authResults: [String: Metrics.Counter] = [:]
    private var snapshots: [() -> [MetricSample]] = []
    private let signTimer: Metrics.Timer
    private let verifyTimer: Metrics.Timer

    /// Metrics that write only into `registry`; the global `MetricsSystem` is
    /// left alone, so tests can make as many as they like.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            Self.signLatencyName: Self.latencyBuckets,
            Self.verifyLatencyName: Self.latencyBuckets,
        ]
        self.factory = factory
        signTimer = Metrics.Timer(label: Self.signLatencyName, factory: factory)
        verifyTimer = Metrics.Timer(label: Self.verifyLatencyName, factory: factory)
        // Series that exist from the first scrape, so rate() has a zero to start from.
        for level in ["A", "B", "C"] { _ = counter(level, in: \.attestations, name: Self.signedName, label: "attest") }
    }

    /// The daemon's instance. Its first use bootstraps the global
    /// `MetricsSystem` with `factory`, so metrics emitted by any library
    /// through swift-metrics land in the same scrape; later uses return the
    /// same instance and never bootstrap again (swift-metrics traps on a
    /// second bootstrap). Tests use `init(registry:)` instead.
    public static let shared: StirdMetrics = {
        let metrics = StirdMetrics()
        MetricsSystem.bootstrap(metrics.factory)
        return metrics
    }()

    /// Counts one verification outcome (`stird_verification_total{outcome=…}`);
    /// `label` is the outcome's stable metric label from the outcome table.
    public func verificationOutcome(label: String) {
        counter(label, in: \.outcomes, name: Self.verificationName, label: "outcome").increment()
    }

    /// Counts one call signed at `attestation` (A, B or C):
    /// `stird_signed_total{attest=…}`.
    public func signed(attestation: String) {
        counter(attestation, in: \.attestations, name: Self.signedName, label: "attest").increment()
    }

    /// Counts one authentication outcome (`stird_auth_results_total{result=…}`);
    /// `result` is one of a fixed set (`AuthenticationProcessor.Outcome`), never an
    /// account or user name.
    public func authResult(_ result: String) {
        counter(result, in: \.authResults, name: Self.authResultsName, label: "result").increment()
    }

    /// Records how long building and signing one PASSporT took
    /// (`stird_sign_duration_seconds` histogram).
    public func signLatency(_ duration: Duration) {
        signTimer.record(duration: duration)
    }

    /// Records how long verifying one Identity header took, certificate fetch
    /// included (`stird_verify_duration_seconds` histogram).
    public func verifyLatency(_ duration: Duration) {
        verifyTimer.record(duration: duration)
    }

    /// Adds values computed at each scrape and appended after the registry's
    /// own. The closure runs on the metrics server's queue, never on the SIP
    /// loop, so it must read its source thread-safely (a lock, or a `sync`
    /// onto the owning queue). Names must not repeat those of the registry.
    public func register(snapshot: @escaping () -> [MetricSample]) {
        lock.lock()
        defer { lock.unlock() }
        snapshots.append(snapshot)
    }

    /// The scrape body in the Prometheus text format 0.0.4: the registry,
    /// then every snapshot hook in registration order.
    public func exposition() -> [UInt8] {
        var buffer = registry.emitToBuffer()
        lock.lock()
        let hooks = snapshots
        lock.unlock()
        var samples: [MetricSample] = []
        for hook in hooks { samples.append(contentsOf: hook()) }
        MetricSampleText.render(samples, into: &buffer)
        return buffer
    }

    /// `exposition()` as a string (tests, `stirctl`).
    public func expositionText() -> String {
        String(decoding: exposition(), as: UTF8.self)
    }

    /// The cached handle for `value`, made on first use; past
    /// `maxLabelValues` distinct values the `other` handle.
    private func counter(_ value: String, in table: ReferenceWritableKeyPath<StirdMetrics, [String: Metrics.Counter]>,
                         name: String, label: String) -> Metrics.Counter {
        lock.lock()
        defer { lock.unlock() }
        if let existing = self[keyPath: table][value] { return existing }
        let key = self[keyPath: table].count < Self.maxLabelValues ? value : "other"
        if let other = self[keyPath: table][key] { return other }
        let made = Metrics.Counter(label: name, dimensions: [(label, key)], factory: factory)
        self[keyPath: table][key] = made
        return made
    }
}
