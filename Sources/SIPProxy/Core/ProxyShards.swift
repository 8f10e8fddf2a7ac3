import Dispatch
import Foundation
import Logging
import SIPCore

/// Several proxy loops, each a `ProxyCore` on its own serial queue with its
/// own timer wheel; a message goes to the loop its Call-ID hashes to, so
/// every transaction and dialog of a call lives on one loop (docs/ARCHITECTURE.md
/// rule 2). The transport reads sockets and hands messages over; a UDP
/// reader runs a small share for an idle loop itself, on that loop's queue
/// (`hand`), which saves a thread wake-up per batch.
public final class ProxyShards {
    public let shards: [ProxyCore]
    /// Messages handed to a loop and not yet processed, per loop. Past
    /// `maxQueued` a loop is overloaded and new messages are dropped on the
    /// transport queue (UDP peers retransmit; TCP is rarely the cause), which
    /// bounds memory instead of queueing without limit.
    private var queued: [Int]
    private let lock = NSLock()
    public let maxQueued: Int
    /// Past this many queued messages a loop sheds INVITEs.
    public let shedInvitesAbove: Int
    private var dropped = 0

    /// - Parameters:
    ///   - makeProcessors: called once per loop (processors may keep
    ///     per-loop state); shared thread-safe processors can be returned each time.
    ///   - shedInvitesAbove: queue depth past which INVITEs are shed (see
    ///     `hand`); nil: 1,000, or half of `maxQueued` when that is less.
    ///   - overloadReportInterval: least time between two overload
    ///     warnings of one loop (see `reportOverload`).
    public init(count: Int, config: ProxyConfiguration, sender: MessageSender, maxQueued: Int = 10_000,
                shedInvitesAbove: Int? = nil, overloadReportInterval: Duration = .seconds(10),
                makeProcessors: () throws -> [RequestProcessor], logger: Logger) rethrows {
        var cores: [ProxyCore] = []
        for i in 0..<max(1, count) {
            let queue = DispatchQueue(label: "stird.sip.\(i)", qos: .userInitiated)
            let scheduler = LoopTimerScheduler(queue: queue)
            var log = logger
            log[metadataKey: "loop"] = "\(i)"
            cores.append(ProxyCore(config: config, sender: sender, scheduler: scheduler, queue: queue,
                                   processors: try makeProcessors(), logger: log))
        }
        for (i, core) in cores.enumerated() {
            core.loopIndex = i
            core.loopCount = cores.count
        }
        shards = cores
        queued = Array(repeating: 0, count: cores.count)
        overload = Array(repeating: OverloadReport(), count: cores.count)
        self.maxQueued = maxQueued
        self.shedInvitesAbove = min(maxQueued, max(1, shedInvitesAbove ?? Self.defaultShedInvitesAbove(maxQueued: maxQueued)))
        let interval = overloadReportInterval.components
        overloadReportNanoseconds = UInt64(max(0, interval.seconds)) * 1_000_000_000
            + UInt64(max(0, interval.attoseconds / 1_000_000_000))
        self.logger = logger
    }

    /// `shed_invites_above` when not set: 1,000, or half of a smaller
    /// bound, so that setting the bound alone stays valid.
    public static func defaultShedInvitesAbove(maxQueued: Int) -> Int { min(1_000, maxQueued / 2) }

    private let logger: Logger
    private let overloadReportNanoseconds: UInt64
    /// Per loop, under `lock`: what was shed and dropped since the loop's
    /// last overload warning, and when that was.
    private var overload: [OverloadReport]
    private struct OverloadReport {
        var shed = 0
        var dropped = 0
        /// `DispatchTime` uptime of the last warning; nil before the first.
        var lastReport: UInt64?
    }

    /// Called on the transport queue for every message.
    public func receive(_ rx: ReceivedMessage) { receive([rx]) }

    /// Called on the transport queue with what one socket wake-up read.
    /// Messages are grouped by loop and each loop gets one block for its
    /// share: at high rates a block per datagram costs more in queue
    /// hand-offs and thread wake-ups than the SIP work itself.
    public func receive(_ batch: [ReceivedMessage]) { receive(batch, readerMayRun: true) }

    /// `readerMayRun`: false keeps every share on the loops' queues (tests
    /// that hold a loop busy use it with UDP messages).
    func receive(_ batch: [ReceivedMessage], readerMayRun: Bool) {
        // A UDP reader thread runs one loop's share itself (see `hand`).
        let inline = readerMayRun && batch.allSatisfy { $0.transport == .udp }
        if shards.count == 1 {
            hand(batch, to: 0, inline: inline)
            return
        }
        if batch.count == 1 {
            hand(batch, to: ProxyShards.shardIndex(batch[0].bytes, count: shards.count), inline: inline)
            return
        }
        var groups = [[ReceivedMessage]](repeating: [], count: shards.count)
        for rx in batch {
            groups[ProxyShards.shardIndex(rx.bytes, count: shards.count)].append(rx)
        }
        let last = groups.lastIndex { !$0.isEmpty }
        for (index, group) in groups.enumerated() where !group.isEmpty {
            hand(group, to: index, inline: inline && index == last)
        }
    }

    /// Queues `group` on loop `index` within its bound. Past
    /// `shedInvitesAbove` the loop is falling behind, and INVITEs received
    /// over UDP are shed first: they start new work (a call's worth of messages), while
    /// responses, ACKs and BYEs finish calls already paid for and free their
    /// state. A shed INVITE is retransmitted by its sender (Timer A) and gets
    /// in once the loop has caught up. Without this, a burst past the bound
    /// drops messages of calls in progress, whose retransmissions add load
    /// and the overload feeds itself.
    ///
    /// The threshold is a latency: every message of an admitted call waits
    /// its turn in this queue, and a call's messages pass it about six times
    /// (INVITE, 180, 200, ACK, BYE, 200). A few thousand messages are a few
    /// hundred milliseconds of a loop's work, so a 200 and its ACK would
    /// take longer than T1 (500 ms) and the callee would retransmit the 200,
    /// adding load. At 1,000 the admitted calls stay well under T1; shed
    /// INVITEs cost a drop before parsing. Sign at 7,500 calls/s on the
    /// bench machine passed 4 runs of 4 with 1,000 and 2 of 4 with half of
    /// the 10,000 bound (runs alternating).
    ///
    /// `inline`: when the loop has nothing queued, the calling thread (a UDP
    /// reader) runs the work itself with `queue.sync`, still serialized with
    /// everything else on the loop's queue, instead of waking a worker
    /// thread for it.
    private func hand(_ group: [ReceivedMessage], to index: Int, inline: Bool = false) {
        lock.lock()
        let idle = queued[index] == 0
        var candidates = group
        if queued[index] + group.count > shedInvitesAbove {
            // Only over UDP does the sender retransmit a dropped INVITE
            // (Timer A, RFC 3261 §17.1.1.2); over TCP it would be lost, so
            // it queues up to the bound like any other message.
            candidates = group.filter { $0.transport != .udp || !ProxyShards.isInvite($0.bytes) }
        }
        let shed = group.count - candidates.count
        let room = max(0, maxQueued - queued[index])
        let accepted = min(room, candidates.count)
        dropped += candidates.count - accepted
        shedInvites += shed
        queued[index] += accepted
        let runHere = inline && idle && accepted <= ProxyShards.inlineLimit
        if accepted > 0 {
            if runHere { readerShares += 1 } else { handedShares += 1 }
        }
        let report = shed + candidates.count - accepted > 0
            ? noteOverload(index, shed: shed, dropped: candidates.count - accepted) : nil
        lock.unlock()
        if let report { reportOverload(index, report) }
        guard accepted > 0 else { return }
        let core = shards[index]
        let work = accepted == candidates.count ? candidates : Array(candidates.prefix(accepted))
        let run = {
            for rx in work { core.receive(rx) }
            self.lock.lock()
            self.queued[index] -= work.count
            self.lock.unlock()
        }
        if runHere {
            core.queue.sync(execute: run)
        } else {
            core.queue.async(execute: run)
        }
    }

    /// What one overload warning says: counts since the previous warning
    /// of the loop, the seconds that covers (nil for the first), the queue.
    private struct OverloadSummary {
        var shed: Int
        var dropped: Int
        var seconds: Double?
        var queued: Int
    }

    /// Adds to the loop's overload counts (under `lock`) and returns what to
    /// warn about when the loop's last warning is at least the report
    /// interval old (or there was none): one line per loop per interval
    /// however long the overload lasts, so the log cannot add to it.
    private func noteOverload(_ index: Int, shed: Int, dropped: Int) -> OverloadSummary? {
        overload[index].shed += shed
        overload[index].dropped += dropped
        let now = DispatchTime.now().uptimeNanoseconds
        var seconds: Double?
        if let last = overload[index].lastReport {
            guard now &- last >= overloadReportNanoseconds else { return nil }
            seconds = Double(now &- last) / 1e9
        }
        let summary = OverloadSummary(shed: overload[index].shed, dropped: overload[index].dropped,
                                      seconds: seconds, queued: queued[index])
        overload[index] = OverloadReport(lastReport: now)
        return summary
    }

    /// The operator's view of overload: which loop, how deep its queue is
    /// against the bound, and what it let go of. The counters
    /// (`stird_sip_overload_drops_total`) carry the totals.
    private func reportOverload(_ index: Int, _ summary: OverloadSummary) {
        let since = summary.seconds.map { String(format: "in the %.1f s since the last report", $0) } ?? "(first report)"
        logger.warning("""
            loop \(index) overloaded: \(summary.queued) messages queued of max_queued_messages \(maxQueued); \
            shed \(summary.shed) INVITEs (past shed_invites_above \(shedInvitesAbove)) and dropped \(summary.dropped) other messages unparsed \
            \(since); UDP senders retransmit what was dropped
            """)
    }

    /// Largest share a reader runs itself. A reader that finds more queued
    /// is falling behind: it goes back to reading and hands the work over,
    /// so the loops' bounds (and INVITE shedding) apply instead of the
    /// socket buffer filling while the reader works. Without a limit,
    /// overload collapsed (10,000 calls/s: 24% failed, 698 MB); with 4, 8 and
    /// 16 it stayed bounded (16: 13,000 calls/s failed 11% at 214 MB), and
    /// 16 sustained the most signed calls (8,000/s against 7,000 with 4).
    static let inlineLimit = 16

    /// The request line starts with "INVITE " (RFC 3261 §7.1: methods are
    /// case-sensitive). Leading CRLFs are allowed before the start line.
    static func isInvite(_ bytes: [UInt8]) -> Bool {
        var i = 0
        while i < bytes.count, bytes[i] == 13 || bytes[i] == 10 { i += 1 }
        let method = inviteMethod
        guard bytes.count - i >= method.count else { return false }
        for j in 0..<method.count where bytes[i + j] != method[j] { return false }
        return true
    }

    private static let inviteMethod: [UInt8] = Array("INVITE ".utf8)
    private var shedInvites = 0
    private var readerShares = 0
    private var handedShares = 0

    /// Messages dropped because their loop was overloaded, shed INVITEs included.
    public var overloadDrops: Int {
        lock.lock()
        defer { lock.unlock() }
        return dropped + shedInvites
    }

    /// INVITEs shed because their loop was past half its bound.
    public var overloadShedInvites: Int {
        lock.lock()
        defer { lock.unlock() }
        return shedInvites
    }

    /// A message the transport could not deliver (`TransportLayer.onUndelivered`)
    /// goes to the loop that holds its call (the same Call-ID hash as
    /// received messages), whose client transaction learns of the failure.
    public func undelivered(_ bytes: [UInt8]) {
        let core = shards[shards.count == 1 ? 0 : ProxyShards.shardIndex(bytes, count: shards.count)]
        core.queue.async { core.transportFailed(bytes) }
    }

    /// Runs `body` on every loop and waits (never call from a loop's own queue).
    public func forEach(_ body: @escaping (ProxyCore) -> Void) {
        for core in shards { core.queue.sync { body(core) } }
    }

    /// Summed `ProxyCore.pendingDrainCount`.
    public var pendingDrainCount: Int {
        shards.reduce(0) { sum, core in sum + core.queue.sync { core.pendingDrainCount } }
    }

    public var activeTransactionCount: Int {
        shards.reduce(0) { sum, core in sum + core.queue.sync { core.activeTransactionCount } }
    }

    /// Counters summed over the loops.
    public var stats: ProxyStats {
        var total = ProxyStats()
        for core in shards {
            let (s, lingering, refused) = core.queue.sync {
                (core.stats, core.lingeringServers.count + core.lingeringClients.count,
                 core.lingeringServers.refused + core.lingeringClients.refused)
            }
            total.lingeringTransactions += lingering
            total.lingeringRefused += refused
            total.requestsReceived += s.requestsReceived
            total.responsesReceived += s.responsesReceived
            total.parseFailures += s.parseFailures
            total.statelessResponses += s.statelessResponses
            total.requestsForwarded += s.requestsForwarded
            total.responsesForwarded += s.responsesForwarded
            total.retransmissionsAbsorbed += s.retransmissionsAbsorbed
            total.strayResponses += s.strayResponses
            total.droppedResponses += s.droppedResponses
            total.suspended += s.suspended
            total.dialogsActive += s.dialogsActive
            total.dialogsCreated += s.dialogsCreated
            total.dialogsRefused += s.dialogsRefused
            total.dialogsEnded.merge(s.dialogsEnded, uniquingKeysWith: +)
        }
        lock.lock()
        total.overloadDrops = dropped + shedInvites
        total.readerShares = readerShares
        total.handedShares = handedShares
        lock.unlock()
        return total
    }

    /// The loop for a message: FNV-1a of its Call-ID value (`Call-ID:` or
    /// compact `i:`, RFC 3261 §20.8). Requests and responses go through
    /// this one rule, so a transaction and its responses meet on one loop
    /// wherever the field sits in the header section.
    ///
    /// The value is found by a byte scan of the whole header section. When
    /// the scan finds none, its header section is parsed here (a rare path: only
    /// malformed messages miss it) and the parser's Call-ID decides; a
    /// message without one goes to loop 0, whose core judges it (400 for a
    /// request, RFC 3261 §16.3 step 1 and §8.1.1; a response is dropped).
    static func shardIndex(_ bytes: [UInt8], count: Int) -> Int {
        if let value = callIDValue(bytes) { return index(of: value, count: count) }
        if let parsed = SIPMessage.parseHeaderSection(bytes)?.callID {
            return index(of: Array(parsed.utf8)[...], count: count)
        }
        return 0
    }

    static func index(of value: ArraySlice<UInt8>, count: Int) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in value { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return Int(h % UInt64(count))
    }

    /// The trimmed value of the first Call-ID field in the header section,
    /// nil when the section has none. The whole section is scanned: an
    /// earlier bound on the scan sent requests whose Call-ID came late to
    /// loop 0 while their responses, with the field near the top, went to
    /// the loop of their Call-ID, where no transaction matched.
    static func callIDValue(_ bytes: [UInt8]) -> ArraySlice<UInt8>? {
        let n = bytes.count
        return bytes.withUnsafeBufferPointer { buffer -> ArraySlice<UInt8>? in
            var from = 0
            // Each LF starts a header line.
            while let i = ByteSearch.firstIndex(of: 10, in: buffer, from..<n) {
                let lineStart = i + 1
                if lineStart < n, bytes[lineStart] == 13 || bytes[lineStart] == 10 { return nil }  // end of headers
                if let v = value(of: bytes, at: lineStart, limit: n) { return v }
                from = lineStart
            }
            return nil
        }
    }

    private static let callIDName: [UInt8] = Array("call-id".utf8)

    /// The trimmed value when the line at `start` is a Call-ID header field.
    static func value(of bytes: [UInt8], at start: Int, limit: Int) -> ArraySlice<UInt8>? {
        func lower(_ b: UInt8) -> UInt8 { (b >= 65 && b <= 90) ? b + 32 : b }
        var j = start
        let long = callIDName
        if j + long.count <= limit, (0..<long.count).allSatisfy({ lower(bytes[j + $0]) == long[$0] }) {
            j += long.count
        } else if j < limit, lower(bytes[j]) == UInt8(ascii: "i") {
            j += 1
        } else {
            return nil
        }
        while j < limit, bytes[j] == 32 || bytes[j] == 9 { j += 1 }
        guard j < limit, bytes[j] == UInt8(ascii: ":") else { return nil }
        j += 1
        while j < limit, bytes[j] == 32 || bytes[j] == 9 { j += 1 }
        var end = j
        while end < limit, bytes[end] != 13, bytes[end] != 10 { end += 1 }
        while end > j, bytes[end - 1] == 32 || bytes[end - 1] == 9 { end -= 1 }
        return end > j ? bytes[j..<end] : nil
    }
}
