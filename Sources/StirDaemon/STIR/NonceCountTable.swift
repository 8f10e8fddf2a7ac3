import Synchronization

/// The highest nonce-count seen per nonce, to refuse a replayed request
/// (RFC 7616 §3.4: the server checks that nc increases; §5.5 replay).
/// Shared by every proxy loop, so a mutex guards it; at most `capacity`
/// nonces are kept. Expired nonces are dropped first (they are answered
/// stale before this table is asked); when the table is still full the
/// oldest quarter goes, and a nonce issued no later than the newest one
/// dropped is then treated as forgotten (answered stale, so the client
/// takes a fresh nonce) instead of accepted: eviction never reopens a
/// replay.
public final class NonceCountTable: Sendable {
    public enum Outcome: Equatable, Sendable {
        case accepted
        /// nc not above the highest already accepted for this nonce.
        case replayed
        /// The table let go of this nonce's history to stay bounded.
        case forgotten
    }

    private struct Entry {
        var highest: UInt32
        var issued: Int64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var evictedThrough = Int64.min
    }

    private let state = Mutex(State())
    public let capacity: Int
    let lifetimeSeconds: Int64

    public init(capacity: Int, lifetimeSeconds: Int64) {
        self.capacity = max(capacity, 4)
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// Nonces remembered now (tests, metrics).
    public var count: Int { state.withLock { $0.entries.count } }

    /// Records `nc` for `nonce` (issued at `issued`) if it is higher than
    /// any before it.
    public func accept(nonce: String, issued: Int64, nc: UInt32, now: Int64) -> Outcome {
        state.withLock { s in
            if var entry = s.entries[nonce] {
                guard nc > entry.highest else { return .replayed }
                entry.highest = nc
                s.entries[nonce] = entry
                return .accepted
            }
            if issued <= s.evictedThrough { return .forgotten }
            if s.entries.count >= capacity { makeRoom(&s, now: now) }
            s.entries[nonce] = Entry(highest: nc, issued: issued)
            return .accepted
        }
    }

    private func makeRoom(_ s: inout State, now: Int64) {
        s.entries = s.entries.filter { now - $0.value.issued <= lifetimeSeconds }
        guard s.entries.count >= capacity else { return }
        let issued = s.entries.values.map(\.issued).sorted()
        let cut = issued[issued.count / 4]
        s.entries = s.entries.filter { $0.value.issued > cut }
        s.evictedThrough = max(s.evictedThrough, cut)
    }
}
