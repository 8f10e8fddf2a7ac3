/// Transactions whose work is done but which must still be remembered.
///
/// After its final response a transaction lingers so that retransmissions
/// find it: an INVITE server transaction in Accepted absorbs retransmitted
/// INVITEs for Timer L (RFC 6026 §7.1), a non-INVITE server transaction in
/// Completed answers retransmitted requests with its final response for
/// Timer J (RFC 3261 §17.2.2), client transactions absorb retransmitted
/// responses for Timer M (RFC 6026 §7.2) and Timer K (§17.1.2.2). Over UDP
/// these timers are 64*T1 = 32 s, while the call itself took milliseconds, so
/// at thousands of calls per second almost every transaction alive is one of
/// these. Keeping the full context (machine, timers, upstream, notes) for
/// them costs kilobytes per call; this table keeps what lingering needs:
///
/// - the key, as a 128-bit hash of the transaction key (two independent
///   64-bit FNV-1a hashes; a false match among a million lingering entries
///   has a probability around 2^-88),
/// - for a non-INVITE server transaction, the final response's bytes, which
///   are copied into a per-generation byte arena (one allocation per
///   generation, not one per transaction), delta-coded against the first
///   response of the same generation (`DeltaCoder`): about 38 bytes
///   instead of 348 for SIPp's 200 OK to a BYE.
///
/// Entries are grouped into generations by insertion time: a generation
/// takes entries for `window` and expires as a whole `duration + window`
/// after it opened. An entry thus lives at least its timer's duration, as
/// RFC 3261 asks, and at most `window` longer; the scheduler sees two timers
/// per generation instead of one per transaction.
///
/// Not thread-safe: used on its loop's queue, like the core that owns it.
final class LingerTable {
    struct Key: Hashable {
        let a: UInt64
        let b: UInt64
    }

    private struct Entry {
        var generation: UInt32
        var offset: Int32
        /// -1 when no bytes are kept.
        var length: Int32
        /// 0 when stored as is; else the length before compression.
        var rawLength: Int32
    }

    private final class Generation {
        let id: UInt32
        var keys: [Key] = []
        var bytes: [UInt8] = []
        /// The first bytes stored, indexed: the others are coded against it.
        var reference: DeltaCoder.Reference?
        init(id: UInt32) { self.id = id }
    }

    private let scheduler: TimerScheduler
    private let window: Duration
    private var entries: [Key: Entry] = [:]
    private var generations: [UInt32: Generation] = [:]
    /// The generation taking entries, per lingering duration.
    private var open: [Duration: Generation] = [:]
    private var nextGeneration: UInt32 = 0

    /// Past this many entries new ones are not kept (the transaction then
    /// ends at once and a late retransmission is treated as new), so a
    /// flood cannot grow the table without bound. 1,000,000 entries is about
    /// 100 MB, and 30,000 calls/s per loop for 33 s.
    let capacity: Int
    /// Entries not kept because the table was full.
    private(set) var refused = 0

    init(scheduler: TimerScheduler, window: Duration = .seconds(1), capacity: Int = 1_000_000) {
        self.scheduler = scheduler
        self.window = window
        self.capacity = capacity
    }

    /// Entries lingering now.
    var count: Int { entries.count }

    /// Remembers `key` for at least `duration`, with `bytes` when given.
    /// A key already present is replaced.
    func insert(_ key: Key, bytes: [UInt8]?, lingering duration: Duration) {
        guard entries.count < capacity || entries[key] != nil else {
            refused += 1
            return
        }
        let generation = openGeneration(for: duration)
        var entry = Entry(generation: generation.id, offset: 0, length: -1, rawLength: 0)
        if let bytes, bytes.count < Int(Int32.max) - generation.bytes.count {
            var stored = bytes
            if let reference = generation.reference {
                if let packed = DeltaCoder.encode(bytes, against: reference) {
                    stored = packed
                    entry.rawLength = Int32(bytes.count)
                }
            } else {
                generation.reference = DeltaCoder.Reference(bytes)
            }
            entry.offset = Int32(generation.bytes.count)
            entry.length = Int32(stored.count)
            generation.bytes.append(contentsOf: stored)
        }
        generation.keys.append(key)
        entries[key] = entry
    }

    /// Whether `key` is lingering, and the bytes kept with it.
    func lookup(_ key: Key) -> (found: Bool, bytes: [UInt8]?) {
        guard let entry = entries[key] else { return (false, nil) }
        guard entry.length >= 0, let generation = generations[entry.generation] else { return (true, nil) }
        let start = Int(entry.offset)
        let stored = generation.bytes[start..<(start + Int(entry.length))]
        guard entry.rawLength > 0 else { return (true, Array(stored)) }
        guard let reference = generation.reference else { return (true, nil) }
        return (true, DeltaCoder.decode(stored, against: reference, length: Int(entry.rawLength)))
    }

    /// Bytes held in generation arenas (for tests and sizing).
    var storedBytes: Int { generations.values.reduce(0) { $0 + $1.bytes.count } }

    func contains(_ key: Key) -> Bool { entries[key] != nil }

    private func openGeneration(for duration: Duration) -> Generation {
        if let generation = open[duration] { return generation }
        nextGeneration &+= 1
        let generation = Generation(id: nextGeneration)
        generations[generation.id] = generation
        open[duration] = generation
        scheduler.schedule(after: window) { [weak self, weak generation] in
            guard let self, let generation else { return }
            if self.open[duration] === generation { self.open[duration] = nil }
            // The arena grew by doubling; keep only what it holds.
            if generation.bytes.capacity > generation.bytes.count + 4096 {
                generation.bytes = Array(generation.bytes[...])
            }
            generation.keys = Array(generation.keys[...])
        }
        let id = generation.id
        scheduler.schedule(after: duration + window) { [weak self] in
            self?.expire(id)
        }
        return generation
    }

    private func expire(_ id: UInt32) {
        guard let generation = generations.removeValue(forKey: id) else { return }
        for (duration, candidate) in open where candidate === generation { open[duration] = nil }
        for key in generation.keys where entries[key]?.generation == id {
            entries[key] = nil
        }
    }
}

extension LingerTable.Key {
    /// Two FNV-1a 64-bit hashes with different offset bases over the same
    /// bytes; a 0xff separator ends every part so "ab"+"c" differs from "a"+"bc".
    init(_ parts: String...) {
        var state = (a: LingerTable.Key.offsetA, b: LingerTable.Key.offsetB)
        for part in parts { LingerTable.Key.mix(part, into: &state) }
        self.init(a: state.a, b: state.b)
    }

    /// The variadic form for two and four parts, without its array (a key
    /// is made for every request and response).
    init(_ p0: String, _ p1: String, _ p2: String, _ p3: String) {
        var state = (a: LingerTable.Key.offsetA, b: LingerTable.Key.offsetB)
        LingerTable.Key.mix(p0, into: &state)
        LingerTable.Key.mix(p1, into: &state)
        LingerTable.Key.mix(p2, into: &state)
        LingerTable.Key.mix(p3, into: &state)
        self.init(a: state.a, b: state.b)
    }

    init(_ p0: String, _ p1: String) {
        var state = (a: LingerTable.Key.offsetA, b: LingerTable.Key.offsetB)
        LingerTable.Key.mix(p0, into: &state)
        LingerTable.Key.mix(p1, into: &state)
        self.init(a: state.a, b: state.b)
    }

    private static let offsetA: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let offsetB: UInt64 = 0x84222325_cbf29ce4 ^ 0x9e37_79b9_7f4a_7c15

    /// Adds one part's bytes and its separator to both hashes.
    @inline(__always)
    private static func mix(_ part: String, into state: inout (a: UInt64, b: UInt64)) {
        let prime: UInt64 = 0x0000_0100_0000_01b3
        var a = state.a
        var b = state.b
        var text = part  // withUTF8 reads native Strings in place
        text.withUTF8 { bytes in
            for byte in bytes {
                a = (a ^ UInt64(byte)) &* prime
                b = (b ^ UInt64(byte)) &* prime
                b = (b ^ (b >> 29))
            }
        }
        state.a = (a ^ 0xff) &* prime
        state.b = ((b ^ 0xff) &* prime) ^ (b >> 31)
    }
}

extension ServerKey {
    var lingerKey: LingerTable.Key {
        switch self {
        case let .rfc3261(key): return LingerTable.Key("r", key.branch, key.sentBy ?? "", key.method)
        case let .legacy(text): return LingerTable.Key("l", text)
        }
    }
}
