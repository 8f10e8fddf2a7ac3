import Dispatch
import Synchronization

/// Which public keys get a table of their multiples (`ES256KeyTable`), and
/// how many at once. Process-wide: the keys live in the certificate cache,
/// the budget is the daemon's.
///
/// A key asks for a table after `threshold` verifications. A table is built
/// off the caller's thread (on a background queue, about 25 ms of CPU), at
/// most one at a time and at most one per `minimumInterval`. When
/// `capacity` tables exist, the least recently used key gives its table up.
/// Memory is bounded by `capacity` × about 150 KB, and rebuilding CPU by
/// one build per interval, however many keys compete.
public final class ES256KeyTables: Sendable {
    public struct Policy: Sendable, Equatable {
        /// Tables held at once; 0 turns tables off.
        public var capacity: Int
        /// Verifications with one key before it asks for a table.
        public var threshold: Int
        /// Least time between two builds.
        public var minimumInterval: Duration

        public init(capacity: Int = 32, threshold: Int = 32, minimumInterval: Duration = .seconds(1)) {
            self.capacity = capacity
            self.threshold = threshold
            self.minimumInterval = minimumInterval
        }
    }

    /// What the budget holds and has done (for metrics and tests).
    public struct Counts: Sendable, Equatable {
        public var held = 0
        public var built = 0
        public var evicted = 0
        public var failed = 0

        public init(held: Int = 0, built: Int = 0, evicted: Int = 0, failed: Int = 0) {
            self.held = held
            self.built = built
            self.evicted = evicted
            self.failed = failed
        }
    }

    /// What happened, for the daemon's log.
    public enum Event: Sendable, Equatable {
        /// A table was built in `milliseconds` of wall time; `held` tables now.
        case built(held: Int, capacity: Int, milliseconds: Int)
        /// OpenSSL refused to build one; the key verifies without.
        case failed
        /// A key gave its table up (for a more recently used key, or a smaller budget).
        case evicted(held: Int, capacity: Int)
    }

    /// The daemon's budget.
    public static let shared = ES256KeyTables()

    private struct Holder {
        weak var key: ES256PublicKey?
    }

    private struct State {
        var policy = Policy()
        var holders: [Holder] = []
        var building = false
        var lastBuild: ContinuousClock.Instant?
        var counts = Counts()
    }

    private let state = Mutex(State())
    /// Read on every verify without the lock (`Int.max` when tables are off).
    private let thresholdValue = Atomic<Int>(Policy().threshold)
    private let clock = Atomic<UInt64>(0)
    private let queue = DispatchQueue(label: "stird.crypto.key-tables", qos: .utility)
    private let observer = Mutex<(@Sendable (Event) -> Void)?>(nil)

    /// Called (on the budget's queue or the caller's thread) for every build,
    /// failure and eviction.
    public func observe(_ body: (@Sendable (Event) -> Void)?) {
        observer.withLock { $0 = body }
    }

    private func report(_ event: Event) {
        if let body = observer.withLock({ $0 }) { body(event) }
    }

    public init(policy: Policy = Policy()) {
        configure(policy)
    }

    /// Sets the policy. Fewer tables than held: the least recently used go.
    public func configure(_ policy: Policy) {
        // Tables off: no key ever reaches the threshold.
        thresholdValue.store(policy.capacity > 0 ? max(0, policy.threshold) : Int.max, ordering: .relaxed)
        let (dropped, held) = state.withLock { s -> ([ES256PublicKey], Int) in
            s.policy = policy
            s.holders.removeAll { $0.key == nil }
            var dropped: [ES256PublicKey] = []
            while s.holders.count > max(0, policy.capacity) {
                guard let victim = Self.leastRecentlyUsed(s.holders) else { break }
                if let key = s.holders.remove(at: victim).key { dropped.append(key) }
                s.counts.evicted += 1
            }
            return (dropped, s.holders.count)
        }
        for key in dropped {
            key.dropTable()
            report(.evicted(held: held, capacity: policy.capacity))
        }
    }

    public var policy: Policy { state.withLock { $0.policy } }

    /// `held` is counted here (live holders), not kept.
    public var counts: Counts {
        state.withLock { s in
            var c = s.counts
            c.held = s.holders.filter { $0.key != nil }.count
            return c
        }
    }

    var threshold: Int { thresholdValue.load(ordering: .relaxed) }

    /// A use stamp for least-recently-used order.
    func tick() -> UInt64 { clock.wrappingAdd(1, ordering: .relaxed).newValue }

    /// `key` has reached the threshold. Returns false when the request is
    /// refused for now (the key then counts again from zero).
    func request(_ key: ES256PublicKey) -> Bool {
        var evicted: (key: ES256PublicKey?, held: Int, capacity: Int)?
        let granted = state.withLock { s -> Bool in
            s.holders.removeAll { $0.key == nil }
            guard s.policy.capacity > 0, !s.building, !s.holders.contains(where: { $0.key === key }) else { return false }
            let now = ContinuousClock.now
            if let last = s.lastBuild, now - last < s.policy.minimumInterval { return false }
            if s.holders.count >= s.policy.capacity {
                guard let victim = Self.leastRecentlyUsed(s.holders) else { return false }
                evicted = (s.holders.remove(at: victim).key, s.holders.count, s.policy.capacity)
                s.counts.evicted += 1
            }
            s.building = true
            s.lastBuild = now
            return true
        }
        if let evicted {
            evicted.key?.dropTable()
            report(.evicted(held: evicted.held, capacity: evicted.capacity))
        }
        guard granted else { return false }
        queue.async { [weak key, self] in
            let started = ContinuousClock.now
            let table = key.flatMap { ES256KeyTable(pkey: $0.pkey) }
            let elapsed = ContinuousClock.now - started
            let event = state.withLock { s -> Event? in
                s.building = false
                guard let key else { return nil }
                guard let table else {
                    s.counts.failed += 1
                    return .failed
                }
                // The budget shrank while this one was built: it is not kept.
                s.holders.removeAll { $0.key == nil }
                guard s.holders.count < s.policy.capacity else { return nil }
                s.holders.append(Holder(key: key))
                s.counts.built += 1
                key.install(table)
                let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
                return .built(held: s.holders.count, capacity: s.policy.capacity, milliseconds: ms)
            }
            if let event { report(event) }
        }
        return true
    }

    /// Waits until a build in progress has finished (tests).
    public func settle() { queue.sync {} }

    private static func leastRecentlyUsed(_ holders: [Holder]) -> Int? {
        var best: (index: Int, stamp: UInt64)?
        for (i, h) in holders.enumerated() {
            guard let key = h.key else { return i }
            let stamp = key.lastUse
            if best == nil || stamp < best!.stamp { best = (i, stamp) }
        }
        return best?.index
    }
}
