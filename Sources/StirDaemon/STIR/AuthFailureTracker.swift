import Synchronization

/// Failed authentications per source address, against password guessing:
/// `maxFailures` within `windowSeconds` lock the source out for
/// `lockoutSeconds`, during which its requests are answered 403 without
/// looking at their credentials. Shared by the proxy loops (mutex); at most
/// `capacity` sources are tracked: when full, sources whose window and
/// lock-out are over are dropped, then the unlocked one with the oldest
/// window.
public final class AuthFailureTracker: Sendable {
    private struct Entry {
        var windowStart: Int64
        var failures: Int
        var lockedUntil: Int64
    }

    private let entries = Mutex<[String: Entry]>([:])
    public let maxFailures: Int
    public let windowSeconds: Int64
    public let lockoutSeconds: Int64
    public let capacity: Int

    public init(maxFailures: Int, windowSeconds: Int64, lockoutSeconds: Int64, capacity: Int) {
        self.maxFailures = maxFailures
        self.windowSeconds = windowSeconds
        self.lockoutSeconds = lockoutSeconds
        self.capacity = max(capacity, 1)
    }

    /// Sources tracked now (tests).
    public var count: Int { entries.withLock { $0.count } }

    /// True while `source` is locked out.
    public func isLocked(_ source: String, now: Int64) -> Bool {
        entries.withLock { ($0[source]?.lockedUntil ?? 0) > now }
    }

    /// Counts one failure; true when this one locks the source out (the
    /// caller logs it then, once per lock-out).
    public func recordFailure(_ source: String, now: Int64) -> Bool {
        entries.withLock { table in
            var entry: Entry
            if let found = table[source] {
                entry = found
            } else {
                if table.count >= capacity && !makeRoom(&table, now: now) { return false }
                entry = Entry(windowStart: now, failures: 0, lockedUntil: 0)
            }
            if now - entry.windowStart >= windowSeconds {
                entry.windowStart = now
                entry.failures = 0
            }
            entry.failures += 1
            var locked = false
            if entry.failures >= maxFailures && lockoutSeconds > 0 {
                entry.lockedUntil = now + lockoutSeconds
                entry.failures = 0
                entry.windowStart = now
                locked = true
            }
            table[source] = entry
            return locked
        }
    }

    private func makeRoom(_ table: inout [String: Entry], now: Int64) -> Bool {
        table = table.filter { $0.value.lockedUntil > now || now - $0.value.windowStart < windowSeconds }
        if table.count < capacity { return true }
        guard let oldest = table.filter({ $0.value.lockedUntil <= now }).min(by: { $0.value.windowStart < $1.value.windowStart }) else {
            return false
        }
        table[oldest.key] = nil
        return true
    }
}
