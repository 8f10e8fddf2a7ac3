import Foundation
import Dispatch
import Logging
import SIPCore
import Testing
@testable import SIPProxy
import TestSupport

@Suite struct RouteTableTests {
    static let a = SocketAddress(host: "127.0.0.1", port: 1)!
    static let b = SocketAddress(host: "127.0.0.1", port: 2)!
    static let c = SocketAddress(host: "::1", port: 3)!
    let table = RouteTable(routes: [
        StaticRoute(name: "default", userPrefix: nil, domain: nil, nextHop: a, transport: .udp),
        StaticRoute(name: "nanp", userPrefix: "1", domain: nil, nextHop: b, transport: .udp),
        StaticRoute(name: "ny", userPrefix: "1212", domain: nil, nextHop: c, transport: .tcp),
        StaticRoute(name: "dom", userPrefix: nil, domain: "Example.COM", nextHop: b, transport: .tcp),
    ])

    @Test(arguments: [
        ("+12125551234", "carrier.net", "ny"),
        ("12125551234", nil, "ny"),
        ("1-212-555-1234", nil, "ny"),
        ("13035551234", "carrier.net", "nanp"),
        ("4420795551234", nil, "default"),
        ("alice", "example.com", "dom"),
        ("12125551234", "EXAMPLE.com", "dom"),
        ("+12125551234;npdi", nil, "ny"),
    ] as [(String, String?, String)])
    func mostSpecificRouteWins(user: String, host: String?, expected: String) {
        #expect(table.lookup(user: user, host: host)?.name == expected)
    }

    @Test func emptyTableHasNoRoute() {
        #expect(RouteTable().lookup(user: "1", host: "x") == nil)
    }

    @Test func socketAddressParsesEndpoints() {
        #expect(SocketAddress(endpoint: "127.0.0.1:5080", defaultPort: 5060)?.port == 5080)
        #expect(SocketAddress(endpoint: "[::1]:5070", defaultPort: 5060)?.description == "[::1]:5070")
        #expect(SocketAddress(endpoint: "::1", defaultPort: 5060)?.port == 5060)
        #expect(SocketAddress(endpoint: "localhost:5060", defaultPort: 5060) == nil)
        #expect(SocketAddress(endpoint: "127.0.0.1:99999", defaultPort: 5060) == nil)
    }
}

@Suite struct ProxyShardsTests {
    @Test func callIDPicksTheLoopAndCompactFormMatchesLongForm() {
        let long = Array("INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP x;branch=z9hG4bK1\r\nCall-ID:  abc@host \r\nCSeq: 1 INVITE\r\n\r\n".utf8)
        let compact = Array("SIP/2.0 200 OK\r\nv: SIP/2.0/UDP x;branch=z9hG4bK1\r\ni: abc@host\r\nCSeq: 1 INVITE\r\n\r\n".utf8)
        let other = Array("BYE sip:a@b SIP/2.0\r\ncall-id: zzz@host\r\n\r\n".utf8)
        #expect(ProxyShards.callIDValue(long).map { Array($0) } == Array("abc@host".utf8))
        #expect(ProxyShards.callIDValue(compact).map { Array($0) } == Array("abc@host".utf8))
        #expect(ProxyShards.shardIndex(long, count: 7) == ProxyShards.shardIndex(compact, count: 7))
        #expect(ProxyShards.callIDValue(other).map { Array($0) } == Array("zzz@host".utf8))
        // A body line that looks like Call-ID does not count.
        let body = Array("OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\nCall-ID: body\r\n".utf8)
        #expect(ProxyShards.callIDValue(body) == nil)
        #expect(ProxyShards.shardIndex(body, count: 4) == 0)
    }

    /// A request whose Call-ID comes after a large header field and the
    /// response to it (Call-ID near the top, as a UAS writes it) land on
    /// the same loop, for any loop count.
    @Test(arguments: [16_000, 30_000, 60_000])
    func lateCallIDShardsLikeItsResponse(_ padding: Int) throws {
        let request = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKp1\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"
            + "X-Padding: \(String(repeating: "p", count: padding))\r\n"
            + "Call-ID: late-call-id@host\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        let parsed = try SIPMessage.parse(Array(request.utf8))
        let response = parsed.makeResponse(status: 200, reason: "OK", toTag: "t1").serialize()
        #expect(ProxyShards.callIDValue(Array(request.utf8)).map { String(decoding: $0, as: UTF8.self) } == "late-call-id@host")
        for count in 2...8 {
            #expect(ProxyShards.shardIndex(Array(request.utf8), count: count) == ProxyShards.shardIndex(response, count: count),
                    "\(count) loops")
        }
    }

    /// The memchr scan finds the Call-ID a byte loop finds, on messages with
    /// random bytes overwritten (CR, LF, ':' and letters favoured).
    @Test func callIDScanMatchesAByteLoop() {
        func reference(_ bytes: [UInt8]) -> ArraySlice<UInt8>? {
            let n = bytes.count
            var i = 0
            while i < n {
                if bytes[i] == 10 {
                    let lineStart = i + 1
                    if lineStart < n, bytes[lineStart] == 13 || bytes[lineStart] == 10 { return nil }
                    if let v = ProxyShards.value(of: bytes, at: lineStart, limit: n) { return v }
                }
                i += 1
            }
            return nil
        }
        let bases = [
            "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP x;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nCall-ID:  abc@host \r\nCSeq: 1 INVITE\r\n\r\nv=0\r\n",
            "SIP/2.0 200 OK\r\nv: SIP/2.0/UDP x\r\ni: abc@host\r\n\r\n",
            "BYE sip:a@b SIP/2.0\ncall-id:\tzzz\ncseq: 2 BYE\n\n",
        ].map { Array($0.utf8) }
        var state: UInt64 = 0xC411_1D
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let alphabet = Array("\r\n:iI -c\tx".utf8)
        var found = 0
        for round in 0..<20_000 {
            var bytes = bases[round % bases.count]
            for _ in 0..<(round == 0 ? 0 : 1 + next(4)) {
                bytes[next(bytes.count)] = next(2) == 0 ? alphabet[next(alphabet.count)] : UInt8(next(256))
            }
            let a = ProxyShards.callIDValue(bytes).map { Array($0) }
            #expect(a == reference(bytes).map { Array($0) }, "round \(round)")
            if a != nil { found += 1 }
        }
        #expect(found > 10_000)
    }
}

@Suite struct ProxyShardsOverloadTests {
    /// One loop, blocked until `gate` is signalled, so that messages queue.
    private struct BusyLoop {
        let shards: ProxyShards
        let core: ProxyCore
        let gate = DispatchSemaphore(value: 0)
        let sender = CapturingSender()

        init(maxQueued: Int, log: OverloadLog? = nil, reportInterval: Duration = .seconds(10)) {
            var logger = log.map { log in Logger(label: "test") { _ in OverloadLog.Handler(log: log) } } ?? Logger(label: "test")
            logger.logLevel = log == nil ? .critical : .info
            shards = ProxyShards(count: 1, config: ProxyConfiguration(), sender: sender, maxQueued: maxQueued,
                                 overloadReportInterval: reportInterval, makeProcessors: { [] }, logger: logger)
            core = shards.shards[0]
            let gate = self.gate
            core.queue.async { gate.wait() }
        }

        func message(_ i: Int, _ method: String, _ transport: TransportProtocol = .udp) -> ReceivedMessage {
            ReceivedMessage(bytes: Array(Msg.invite(branch: "z9hG4bKo\(i)", callID: "c\(i)", method: method).utf8),
                            source: ProxyHarness.caller, local: sender.local, transport: transport,
                            connectionID: transport == .tcp ? 1 : nil)
        }

        /// Never on the calling thread: a UDP reader runs a small share of
        /// an idle loop itself (`queue.sync`), which here would wait for the gate.
        func receive(_ batch: [ReceivedMessage]) { shards.receive(batch, readerMayRun: false) }
        func receive(_ one: ReceivedMessage) { receive([one]) }
    }

    /// The warnings ProxyShards logs.
    final class OverloadLog: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [(level: Logger.Level, message: String)] = []
        var lines: [(level: Logger.Level, message: String)] { lock.lock(); defer { lock.unlock() }; return stored }

        /// Keeps level and text only: the warnings carry no metadata of their own.
        struct Handler: LogHandler {
            let log: OverloadLog
            var logLevel: Logger.Level = .info
            var metadata: Logger.Metadata { get { [:] } set { _ = newValue } }
            subscript(metadataKey _: String) -> Logger.Metadata.Value? { get { nil } set { _ = newValue } }

            func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?,
                     source: String, file: String, function: String, line: UInt) {
                log.lock.withLock { log.stored.append((level, message.description)) }
            }
        }
    }

    /// An overloaded loop says so once per report interval, with what it
    /// shed and dropped since its last warning; an idle loop says nothing.
    @Test func overloadIsLoggedOncePerIntervalWithItsCounts() {
        let log = OverloadLog()
        let busy = BusyLoop(maxQueued: 4, log: log)
        busy.receive([busy.message(0, "OPTIONS"), busy.message(1, "BYE")])  // 2 of 4: nothing to say
        #expect(log.lines.isEmpty)
        busy.receive([busy.message(2, "INVITE"), busy.message(3, "BYE")])  // past half: INVITE shed
        #expect(log.lines.count == 1)
        #expect(log.lines.first?.level == .warning)
        #expect(log.lines.first?.message == "loop 0 overloaded: 3 messages queued of max_queued_messages 4; "
            + "shed 1 INVITEs (past shed_invites_above 2) and dropped 0 other messages unparsed (first report); "
            + "UDP senders retransmit what was dropped")
        // Within the interval: counted, not logged again.
        for i in 4..<10 { busy.receive(busy.message(i, i % 2 == 0 ? "INVITE" : "BYE")) }
        #expect(log.lines.count == 1)
        busy.gate.signal()
        #expect(busy.core.queue.sync { busy.core.stats.requestsReceived } == 4)
    }

    /// With a zero interval every overloaded hand-over reports, each with
    /// the counts since the one before (nothing is counted twice or lost).
    @Test func eachReportCarriesTheCountsSinceThePreviousOne() {
        let log = OverloadLog()
        let busy = BusyLoop(maxQueued: 4, log: log, reportInterval: .zero)
        // 2 of 4 queued: the INVITE is shed, both BYEs fit.
        busy.receive([busy.message(0, "INVITE"), busy.message(1, "BYE"), busy.message(2, "BYE")])
        // Past half: the INVITE is shed, two BYEs fit, the third is dropped.
        busy.receive([busy.message(3, "INVITE"), busy.message(4, "BYE"), busy.message(5, "BYE"), busy.message(6, "BYE")])
        // Full: dropped.
        busy.receive([busy.message(7, "OPTIONS")])
        let lines = log.lines.map(\.message)
        #expect(lines.count == 3)
        let counts = lines.map { line in
            line.split(separator: ";")[1].split(separator: " ").compactMap { Int($0) }
        }
        #expect(counts == [[1, 0], [1, 1], [0, 1]])
        #expect(lines.map { $0.hasPrefix("loop 0 overloaded: \($0 == lines[0] ? 2 : 4) messages queued") } == [true, true, true])
        #expect(lines[0].contains("(first report)") && lines[1].contains(" s since the last report") && lines[2].contains(" s since the last report"))
        #expect(busy.shards.overloadDrops == 4)
        busy.gate.signal()
        #expect(busy.core.queue.sync { busy.core.stats.requestsReceived } == 4)
    }

    /// An explicit threshold: INVITEs are shed past it while other
    /// messages still queue up to the bound.
    @Test func invitesAreShedPastTheirOwnThreshold() {
        let sender = CapturingSender()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let shards = ProxyShards(count: 1, config: ProxyConfiguration(), sender: sender, maxQueued: 10,
                                 shedInvitesAbove: 2, makeProcessors: { [] }, logger: logger)
        #expect(shards.shedInvitesAbove == 2)
        let gate = DispatchSemaphore(value: 0)
        let core = shards.shards[0]
        core.queue.async { gate.wait() }
        func message(_ i: Int, _ method: String) -> ReceivedMessage {
            ReceivedMessage(bytes: Array(Msg.invite(branch: "z9hG4bKe\(i)", callID: "e\(i)", method: method).utf8),
                            source: ProxyHarness.caller, local: sender.local, transport: .udp, connectionID: nil)
        }
        func receive(_ batch: [ReceivedMessage]) { shards.receive(batch, readerMayRun: false) }
        receive([message(0, "INVITE"), message(1, "INVITE")])  // 2: not past 2
        receive([message(2, "INVITE")])  // past 2: shed
        for i in 3..<9 { receive([message(i, "BYE")]) }  // 8 of 10
        receive([message(9, "INVITE")])  // shed
        for i in 10..<14 { receive([message(i, "BYE")]) }  // two fit, two dropped
        #expect(shards.overloadShedInvites == 2)
        #expect(shards.overloadDrops == 4)
        gate.signal()
        #expect(core.queue.sync { core.stats.requestsReceived } == 10)
        // nil: 1,000, or half of a smaller bound.
        let byDefault = ProxyShards(count: 1, config: ProxyConfiguration(), sender: sender, maxQueued: 10_000,
                                    makeProcessors: { [] }, logger: logger)
        let smallBound = ProxyShards(count: 1, config: ProxyConfiguration(), sender: sender, maxQueued: 600,
                                     makeProcessors: { [] }, logger: logger)
        #expect(byDefault.shedInvitesAbove == 1_000 && smallBound.shedInvitesAbove == 300)
    }

    /// An INVITE over TCP is not retransmitted by its sender (RFC 3261
    /// §17.1.1.2), so it is not shed early: it queues up to the bound like
    /// any other message, and only past the bound is it dropped.
    @Test func invitesOverTCPAreNotShedBeforeTheBound() {
        let busy = BusyLoop(maxQueued: 4)
        busy.receive([busy.message(0, "BYE", .tcp), busy.message(1, "BYE", .tcp)])  // 2 of 4
        busy.receive([busy.message(2, "INVITE", .tcp)])  // past half, over TCP: queued
        busy.receive([busy.message(3, "INVITE", .udp)])  // past half, over UDP: shed
        busy.receive([busy.message(4, "INVITE", .tcp)])  // 4 of 4
        busy.receive([busy.message(5, "INVITE", .tcp)])  // full: dropped
        #expect(busy.shards.overloadShedInvites == 1)
        #expect(busy.shards.overloadDrops == 2)
        busy.gate.signal()
        #expect(busy.core.queue.sync { busy.core.stats.requestsReceived } == 4)
    }

    /// Records the thread each request is processed on.
    private final class ThreadRecorder: RequestProcessor, @unchecked Sendable {
        let name = "thread-recorder"
        let lock = NSLock()
        var threads: [pthread_t] = []
        let done = DispatchSemaphore(value: 0)
        func process(_ request: SIPMessage, context: RequestContext, resumption: ProcessorResumption) -> ProcessorDecision {
            lock.lock()
            threads.append(pthread_self())
            lock.unlock()
            done.signal()
            return .respond(SIPStatus(486, reason: "Busy Here"), headers: [])
        }
    }

    @Test func aUDPReaderRunsSmallSharesOfAnIdleLoopItself() throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let recorder = ThreadRecorder()
        let sender = CapturingSender()
        let shards = ProxyShards(count: 1, config: ProxyConfiguration(), sender: sender,
                                 makeProcessors: { [recorder] }, logger: logger)
        func message(_ i: Int, _ transport: TransportProtocol) -> ReceivedMessage {
            ReceivedMessage(bytes: Array(Msg.invite(branch: "z9hG4bKt\(i)", callID: "t\(i)").utf8), source: ProxyHarness.caller,
                            local: sender.local, transport: transport, connectionID: transport == .tcp ? 1 : nil)
        }
        let me = pthread_self()
        func ranHere(_ batch: [ReceivedMessage]) -> [Bool] {
            recorder.lock.lock(); recorder.threads.removeAll(); recorder.lock.unlock()
            shards.receive(batch)
            for _ in batch { #expect(recorder.done.wait(timeout: .now() + 5) == .success) }
            recorder.lock.lock(); defer { recorder.lock.unlock() }
            return recorder.threads.map { pthread_equal($0, me) != 0 }
        }
        // A UDP share up to the limit runs on the reader's thread. (Each
        // batch has its own transactions: a repeated branch is absorbed.)
        #expect(ranHere([message(1, .udp)]) == [true])
        #expect(ranHere((100..<(100 + ProxyShards.inlineLimit)).map { message($0, .udp) }) == Array(repeating: true, count: ProxyShards.inlineLimit))
        // A larger share (the reader is falling behind) and TCP go to the loop's worker.
        let many = (200..<(201 + ProxyShards.inlineLimit)).map { message($0, .udp) }
        #expect(ranHere(many) == Array(repeating: false, count: many.count))
        #expect(ranHere([message(300, .tcp)]) == [false])
        // Counted for /metrics: two shares run here, two handed over.
        let stats = shards.stats
        #expect(stats.readerShares == 2 && stats.handedShares == 2)
    }

    @Test func dropsMessagesPastTheQueueBoundAndCountsThem() {
        let busy = BusyLoop(maxQueued: 3)
        for i in 0..<5 { busy.receive(busy.message(i, "OPTIONS")) }
        #expect(busy.shards.overloadDrops == 2)
        #expect(busy.shards.overloadShedInvites == 0)
        busy.gate.signal()
        #expect(busy.core.queue.sync { busy.core.stats.requestsReceived } == 3)
        #expect(busy.shards.stats.overloadDrops == 2)
    }

    @Test func pastHalfTheBoundInvitesAreShedBeforeOtherMessages() {
        let busy = BusyLoop(maxQueued: 4)
        let (shards, core, gate) = (busy.shards, busy.core, busy.gate)
        let message = { busy.message($0, $1) }
        busy.receive([message(0, "INVITE"), message(1, "BYE")])  // 2 of 4: not past half
        busy.receive([message(2, "INVITE"), message(3, "BYE")])  // past half: the INVITE is shed
        busy.receive([message(4, "OPTIONS"), message(5, "BYE")])  // full: one fits
        #expect(shards.overloadShedInvites == 1)
        #expect(shards.overloadDrops == 2)
        gate.signal()
        let received = core.queue.sync { core.stats.requestsReceived }
        #expect(received == 4)
        #expect(ProxyShards.isInvite(Array("\r\nINVITE sip:a@b SIP/2.0\r\n".utf8)))
        #expect(!ProxyShards.isInvite(Array("INVITED sip:a@b SIP/2.0\r\n".utf8)))
        #expect(!ProxyShards.isInvite(Array("SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n".utf8)))
    }
}
