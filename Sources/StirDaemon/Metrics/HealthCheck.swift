import Dispatch
import Foundation

/// What `GET /health` on the metrics listener reports.
public enum HealthStatus: Equatable, Sendable {
    /// Accepting and proxying requests: 200.
    case serving
    /// SIGTERM/SIGINT received; finishing the transactions in flight: 503.
    case draining
    /// These proxy loops (0-based) did not run a no-op within the deadline: 503.
    case loopsNotAnswering([Int])
}

/// Readiness for load balancers and service managers: serving unless the
/// daemon is draining or a proxy loop is stuck. Each check queues a no-op on
/// every proxy loop and waits for all of them, up to `deadline`, without
/// blocking the metrics queue (docs/ARCHITECTURE.md rule 1: the loops never
/// wait for the metrics endpoint, and the endpoint does not wait for them).
public final class HealthCheck: @unchecked Sendable {
    /// The proxy loops' queues, in loop order.
    let loops: [DispatchQueue]
    /// How long a loop may take to run the no-op before it counts as stuck.
    let deadline: Duration
    private let lock = NSLock()
    private var isDraining = false

    public init(loops: [DispatchQueue], deadline: Duration = .seconds(1)) {
        self.loops = loops
        self.deadline = deadline
    }

    /// From now on every check reports `.draining` (it never ends: the
    /// process exits after the drain).
    public func beginDrain() {
        lock.lock()
        isDraining = true
        lock.unlock()
    }

    /// True after `beginDrain()`.
    public var draining: Bool {
        lock.lock()
        defer { lock.unlock() }
        return isDraining
    }

    /// Calls `completion` on `queue` exactly once: when every loop has run
    /// the no-op, or when `deadline` passes with the loops that have not.
    /// Call it on `queue`.
    func check(on queue: DispatchQueue, completion: @escaping (HealthStatus) -> Void) {
        guard !draining else { return completion(.draining) }
        let probe = Probe(loops: loops.count, completion: completion)
        guard !loops.isEmpty else { return probe.finish(.serving) }
        for (index, loop) in loops.enumerated() {
            loop.async { queue.async { probe.answered(index, draining: self.draining) } }
        }
        let (seconds, attoseconds) = deadline.components
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))) {
            probe.expire(draining: self.draining)
        }
    }

    /// One check in progress; touched only on the metrics queue.
    private final class Probe: @unchecked Sendable {
        private var pending: Set<Int>
        private var completion: ((HealthStatus) -> Void)?

        init(loops: Int, completion: @escaping (HealthStatus) -> Void) {
            pending = Set(0..<loops)
            self.completion = completion
        }

        func answered(_ loop: Int, draining: Bool) {
            pending.remove(loop)
            if pending.isEmpty { finish(draining ? .draining : .serving) }
        }

        func expire(draining: Bool) {
            guard !pending.isEmpty else { return }
            finish(draining ? .draining : .loopsNotAnswering(pending.sorted()))
        }

        func finish(_ status: HealthStatus) {
            let done = completion
            completion = nil
            done?(status)
        }
    }
}
