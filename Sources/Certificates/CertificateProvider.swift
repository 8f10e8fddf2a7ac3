// x5u certificate acquisition for the verification service: bounded LRU of
// validated chains, single-flight fetches, negative cache with backoff,
// HTTP-driven TTL with floor/ceiling capped at notAfter, refresh-ahead and
// optional disk persistence (RFC 8226 §7: `info` URI as cache key;
// ATIS-1000074 §5.3.2 cache behaviour, 24 h default).
public import Dispatch
public import Foundation
public import Logging

/// Gives the verifier validated certificate chains for x5u URLs without ever
/// blocking the caller.
///
/// Use `cachedCertificate(for:at:)` first on the SIP loop (a hit costs about
/// a microsecond); on `nil`, call `certificate(for:at:queue:completion:)` and
/// suspend the request until the completion runs on `queue`.
public final class CertificateProvider: @unchecked Sendable {
    /// Cache and fetch settings; INI keys in parentheses.
    public struct Configuration: Sendable {
        /// Syntactic x5u rules (`x5u_allow_http`, `x5u_ports`).
        public var urlPolicy = X5UURLPolicy()
        /// Most entries kept, positive and negative (`cache_max_entries`).
        public var capacity = 10_000
        /// TTL when the response has no caching headers: ATIS-1000074's
        /// 24 h default (`cache_default_ttl_s`).
        public var defaultTTL: TimeInterval = 86_400
        /// Floor and ceiling applied to the header-derived TTL
        /// (`cache_min_ttl_s`, `cache_max_ttl_s`).
        public var minimumTTL: TimeInterval = 300
        /// Ceiling (see minimumTTL).
        public var maximumTTL: TimeInterval = 7 * 86_400
        /// First negative TTL; doubles per consecutive failure up to the
        /// maximum (`negative_ttl_s`, `negative_ttl_max_s`).
        public var negativeTTL: TimeInterval = 10
        /// Backoff cap (see negativeTTL).
        public var negativeTTLMaximum: TimeInterval = 300
        /// Cap on the TTL of a chain admitted by soft-fail revocation.
        public var softFailTTL: TimeInterval = 300
        /// x5u HTTP timeout (`fetch_timeout_ms`).
        public var fetchTimeout: TimeInterval = 2
        /// One deadline for fetch + validation + revocation (`lookup_deadline_ms`).
        public var deadline: TimeInterval = 4
        /// Largest x5u body accepted (`fetch_max_bytes`).
        public var maximumChainBytes = 64 * 1024
        /// Fraction of an entry's lifetime after which a hit starts a
        /// background refresh (0 disables; `refresh_ahead`).
        public var refreshAhead = 0.8
        /// Directory for the disk cache (`cache_dir`); nil = memory only.
        public var persistenceDirectory: String?

        /// The documented defaults.
        public init() {}
    }

    enum Entry {
        case positive(ValidatedChain, fetched: Date, expires: Date, refreshAt: Date)
        case negative(CertificateFailure, expires: Date, failures: Int)
    }

    struct Waiter {
        var time: Date
        var queue: DispatchQueue
        var completion: @Sendable (Result<ValidatedChain, CertificateFailure>) -> Void
    }

    /// A registered flight whose request is sent once the lock is released.
    struct FlightLaunch {
        var url: String
        var id: UInt64
        var started: Date
    }

    struct Flight {
        var id: UInt64
        var waiters: [Waiter]
    }

    let configuration: Configuration
    let validator: ChainValidator
    let requester: any HTTPRequester
    let revocation: RevocationChecker
    let clock: @Sendable () -> Date
    let logger: Logger
    /// CPU work (validation, revocation parsing) runs here, never on the caller.
    let workQueue = DispatchQueue(label: "stird.certificates.work", attributes: .concurrent)

    let lock = NSLock()
    var cache: LRUCache<String, Entry>
    var flights: [String: Flight] = [:]
    var nextFlightID: UInt64 = 0
    var stats = CertificateCounters()

    /// - Parameters:
    ///   - requester: network access (CurlRequester in production).
    ///   - revocation: policies applied before a chain is admitted.
    ///   - clock: "now", injectable for tests.
    public init(configuration: Configuration = Configuration(), validator: ChainValidator,
                requester: any HTTPRequester, revocation: RevocationChecker = .none,
                clock: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = Logger(label: "stird.certificates")) {
        self.configuration = configuration
        self.validator = validator
        self.requester = requester
        self.revocation = revocation
        self.clock = clock
        self.logger = logger
        self.cache = LRUCache(capacity: configuration.capacity)
        if configuration.persistenceDirectory != nil { loadFromDisk() }
    }

    /// Synchronous fast path: the cached answer for `url` checked at `time`
    /// (the PASSporT iat), or nil when a fetch is needed. Never blocks on I/O.
    public func cachedCertificate(for url: String, at time: Date) -> Result<ValidatedChain, CertificateFailure>? {
        let now = clock()
        lock.lock()
        var launch: FlightLaunch?
        let answer = cachedLocked(url, at: time, now: now, launch: &launch)
        lock.unlock()
        if let launch { self.launch(launch) }
        return answer
    }

    /// Cache lookup; caller holds `lock`. Starts refresh-ahead when due.
    private func cachedLocked(_ url: String, at time: Date, now: Date,
                              launch: inout FlightLaunch?) -> Result<ValidatedChain, CertificateFailure>? {
        guard let entry = cache.get(url) else { return nil }
        switch entry {
        case .positive(let chain, _, let expires, let refreshAt) where now < expires:
            stats.hits += 1
            if now >= refreshAt && flights[url] == nil { launch = startFlightLocked(url, waiter: nil) }
            if let failure = chain.validityFailure(at: time) { return .failure(failure) }
            return .success(chain)
        case .negative(let failure, let expires, _) where now < expires:
            stats.negativeHits += 1
            return .failure(failure)
        default:
            return nil
        }
    }

    /// The validated chain for `url` checked at `time`. Answers from the
    /// cache when fresh; otherwise joins or starts the single fetch for the
    /// URL. `completion` runs once on `queue`, within the configured deadline.
    public func certificate(for url: String, at time: Date, queue: DispatchQueue,
                            completion: @escaping @Sendable (Result<ValidatedChain, CertificateFailure>) -> Void) {
        if let violation = configuration.urlPolicy.violation(url) {
            lock.lock()
            stats.failures[violation.code, default: 0] += 1
            lock.unlock()
            queue.async { completion(.failure(violation)) }
            return
        }
        let now = clock()
        lock.lock()
        // Lookup and flight registration under one lock: a flight cannot
        // finish in between, so N concurrent callers make exactly one fetch.
        var launch: FlightLaunch?
        if let answer = cachedLocked(url, at: time, now: now, launch: &launch) {
            lock.unlock()
            if let launch { self.launch(launch) }
            queue.async { completion(answer) }
            return
        }
        stats.misses += 1
        let waiter = Waiter(time: time, queue: queue, completion: completion)
        if flights[url] != nil {
            flights[url]!.waiters.append(waiter)
        } else {
            launch = startFlightLocked(url, waiter: waiter)
        }
        lock.unlock()
        // The network is entered without the lock: a requester may complete inline.
        if let launch { self.launch(launch) }
    }

    /// Async form of `certificate(for:at:queue:completion:)`.
    public func certificate(for url: String, at time: Date) async -> Result<ValidatedChain, CertificateFailure> {
        await withCheckedContinuation { continuation in
            certificate(for: url, at: time, queue: workQueue) { continuation.resume(returning: $0) }
        }
    }

    /// Counters since start.
    public var counters: CertificateCounters {
        lock.lock()
        defer { lock.unlock() }
        var snapshot = stats
        snapshot.entries = cache.count
        snapshot.evictions = cache.evictions
        return snapshot
    }

    /// One cached chain, for `stirctl cache list`.
    public struct CachedEntry: Sendable {
        /// The x5u URL (cache key).
        public var url: String
        /// The chain, or nil for a negative entry.
        public var chain: ValidatedChain?
        /// The cached failure of a negative entry.
        public var failure: CertificateFailure?
        /// When the entry stops being served.
        public var expires: Date

        /// One line for `stirctl cache list`.
        public var summary: String {
            let until = ISO8601DateFormatter().string(from: expires)
            if let chain {
                return "\(url) ok expires=\(until) cn=\"\(chain.leafCommonName ?? "")\" serial=\(chain.leafSerial) "
                    + "spc=\(chain.spc ?? "-") revocation=\(chain.revocation)"
            }
            return "\(url) \(failure?.code ?? "failed") expires=\(until)"
        }
    }

    /// Current entries, most recently used first (`stirctl cache list`).
    public func entries() -> [CachedEntry] {
        lock.lock()
        defer { lock.unlock() }
        return cache.elements.map { url, entry in
            switch entry {
            case .positive(let chain, _, let expires, _):
                return CachedEntry(url: url, chain: chain, failure: nil, expires: expires)
            case .negative(let failure, let expires, _):
                return CachedEntry(url: url, chain: nil, failure: failure, expires: expires)
            }
        }
    }

    /// Drops one URL or, with nil, everything, memory and disk (`stirctl cache purge`).
    public func purge(url: String? = nil) {
        lock.lock()
        if let url { cache.remove(url) } else { cache.removeAll() }
        lock.unlock()
        removeFromDisk(url: url)
    }
}
