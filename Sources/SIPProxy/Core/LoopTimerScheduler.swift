import Dispatch

/// A hashed timer wheel owned by one SIP loop.
///
/// A proxy arms several timers per transaction (A/B/D/E/F/G/H/I/J/K/L/M, C,
/// 100 Trying) and cancels most of them; one `asyncAfter` per timer costs a
/// kernel timer update and a thread wake-up each. Here every timer is an
/// entry in a bucket of `tick` resolution, and one Dispatch timer source on
/// the loop advances the wheel while any entry is pending (it is suspended
/// when the wheel is empty). Timers fire no earlier than asked and at most
/// one tick late; RFC 3261 timers are hundreds of milliseconds, so a 10 ms
/// tick is well inside their tolerance.
///
/// Not thread-safe by design: `schedule` and `cancel` must run on `queue`,
/// which is how the proxy core calls them (asserted).
public final class LoopTimerScheduler: TimerScheduler {
    private struct Entry {
        let tick: UInt64
        let work: () -> Void
    }

    private let queue: DispatchQueue
    private let tickNanos: UInt64
    private let origin = DispatchTime.now().uptimeNanoseconds
    private var entries: [UInt64: Entry] = [:]
    private var buckets: [UInt64: [UInt64]] = [:]
    private var processedTick: UInt64 = 0
    private var nextID: UInt64 = 0
    private let source: DispatchSourceTimer
    private var running = false

    public init(queue: DispatchQueue, tick: Duration = .milliseconds(10)) {
        self.queue = queue
        let c = tick.components
        self.tickNanos = max(1_000_000, UInt64(c.seconds) * 1_000_000_000 + UInt64(c.attoseconds / 1_000_000_000))
        source = DispatchSource.makeTimerSource(flags: [], queue: queue)
        source.schedule(deadline: .now(), repeating: .nanoseconds(Int(tickNanos)), leeway: .milliseconds(1))
        source.setEventHandler { [weak self] in self?.advance() }
        processedTick = currentTick()
    }

    deinit {
        if !running { source.resume() }
        source.cancel()
    }

    /// Timers armed and neither fired nor cancelled.
    public var pendingCount: Int { entries.count }

    @discardableResult
    public func schedule(after delay: Duration, _ work: @escaping () -> Void) -> TimerToken {
        dispatchPrecondition(condition: .onQueue(queue))
        nextID &+= 1
        let c = delay.components
        let nanos = max(0, Int64(c.seconds) * 1_000_000_000 + c.attoseconds / 1_000_000_000)
        // Round up so a timer never fires early.
        let ticks = (UInt64(nanos) + tickNanos - 1) / tickNanos
        let due = max(currentTick(), processedTick) + max(1, ticks)
        entries[nextID] = Entry(tick: due, work: work)
        buckets[due, default: []].append(nextID)
        if !running {
            running = true
            processedTick = currentTick()
            source.resume()
        }
        return TimerToken(id: nextID)
    }

    public func cancel(_ token: TimerToken) {
        dispatchPrecondition(condition: .onQueue(queue))
        // The bucket keeps a stale id; it is skipped when its tick comes.
        entries.removeValue(forKey: token.id)
    }

    private func currentTick() -> UInt64 {
        (DispatchTime.now().uptimeNanoseconds &- origin) / tickNanos
    }

    private func advance() {
        let now = currentTick()
        while processedTick < now {
            processedTick += 1
            guard let ids = buckets.removeValue(forKey: processedTick) else { continue }
            for id in ids {
                guard let entry = entries.removeValue(forKey: id) else { continue }
                entry.work()
            }
        }
        if entries.isEmpty, running {
            buckets.removeAll(keepingCapacity: true)
            running = false
            source.suspend()
        }
    }
}
