import Dispatch
import Foundation
import Logging
import SIPCore
import Testing
@testable import SIPProxy

/// Keeps what the core sends without copying it: the benchmark only needs
/// the branch of each forwarded request.
final class KeepingSender: MessageSender {
    var sent: [[UInt8]] = []
    let local = SocketAddress(host: "127.0.0.1", port: 5060)!

    func send(_ bytes: [UInt8], to destination: SocketAddress, transport: TransportProtocol, connectionID: UInt64?) {
        sent.append(bytes)
    }

    func localAddress(transport: TransportProtocol, family: SocketAddress.Family) -> SocketAddress? { local }
}

/// The SIPp call flow (uac → proxy → uas: INVITE, 180, 200, ACK, BYE, 200)
/// through one `ProxyCore` in-process, with the daemon's timer wheel and no
/// sockets. It measures the user-space work per call (parse, validation,
/// transactions, forwarding, serialization), which the live benchmark
/// cannot separate from SIPp, the kernel and the host's varying speed.
/// Run with `STIRD_BENCH=1 swift test -c release --filter CallFlowBenchmarkTests`.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["STIRD_BENCH"] != nil))
struct CallFlowBenchmarkTests {
    static let caller = "127.0.0.1:5070"
    static let proxy = SocketAddress(host: "127.0.0.1", port: 5060)!
    static let callerAddress = SocketAddress(host: "127.0.0.1", port: 5070)!
    static let calleeAddress = SocketAddress(host: "127.0.0.1", port: 5080)!

    /// The messages of call `n` as SIPp would send them; `branch` is the
    /// proxy's branch on the request being answered.
    enum Flow {
        static let sdp = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"

        static func invite(_ n: Int) -> [UInt8] {
            Array(("INVITE sip:service@127.0.0.1:5060 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP \(caller);branch=z9hG4bK-\(n)-1-0\r\n"
                + "From: sipp <sip:sipp@127.0.0.1:5070>;tag=\(n)SIPpTag001\r\n"
                + "To: service <sip:service@127.0.0.1:5060>\r\n"
                + "Call-ID: \(n)-4711@127.0.0.1\r\nCSeq: 1 INVITE\r\n"
                + "Contact: sip:sipp@127.0.0.1:5070\r\nMax-Forwards: 70\r\nSubject: Performance Test\r\n"
                + "Content-Type: application/sdp\r\nContent-Length: \(sdp.utf8.count)\r\n\r\n" + sdp).utf8)
        }

        static func response(_ n: Int, _ status: String, branch: String, callerBranch: String, method: String,
                             cseq: Int, toTag: Bool, body: Bool) -> [UInt8] {
            var text = "SIP/2.0 \(status)\r\n"
            text += "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=\(branch);rport=5060;received=127.0.0.1\r\n"
            text += "Via: SIP/2.0/UDP \(caller);branch=\(callerBranch);received=127.0.0.1;rport=5070\r\n"
            text += "From: sipp <sip:sipp@127.0.0.1:5070>;tag=\(n)SIPpTag001\r\n"
            text += "To: service <sip:service@127.0.0.1:5060>" + (toTag ? ";tag=\(n)SIPpTag012" : "") + "\r\n"
            text += "Call-ID: \(n)-4711@127.0.0.1\r\nCSeq: \(cseq) \(method)\r\n"
            text += "Contact: <sip:127.0.0.1:5080;transport=UDP>\r\n"
            if body {
                text += "Content-Type: application/sdp\r\nContent-Length: \(sdp.utf8.count)\r\n\r\n" + sdp
            } else {
                text += "Content-Length: 0\r\n\r\n"
            }
            return Array(text.utf8)
        }

        static func inDialog(_ n: Int, _ method: String, cseq: Int, step: Int) -> [UInt8] {
            Array(("\(method) sip:127.0.0.1:5060 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP \(caller);branch=z9hG4bK-\(n)-1-\(step)\r\n"
                + "From: sipp <sip:sipp@127.0.0.1:5070>;tag=\(n)SIPpTag001\r\n"
                + "To: service <sip:service@127.0.0.1:5060>;tag=\(n)SIPpTag012\r\n"
                + "Call-ID: \(n)-4711@127.0.0.1\r\nCSeq: \(cseq) \(method)\r\n"
                + "Contact: sip:sipp@127.0.0.1:5070\r\nMax-Forwards: 70\r\nSubject: Performance Test\r\n"
                + "Content-Length: 0\r\n\r\n").utf8)
        }
    }

    /// The branch of the topmost Via in `bytes` (the proxy's, on what it forwarded).
    static func topBranch(_ bytes: [UInt8]) -> String? {
        // A plain scan: Foundation's generic firstRange(of:) would cost more
        // than some of the proxy work being measured.
        let marker: [UInt8] = Array(";branch=".utf8)
        var index = 0
        while index + marker.count <= bytes.count {
            if bytes[index] == marker[0], Array(bytes[index..<(index + marker.count)]) == marker {
                let start = index + marker.count
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: ";"), bytes[end] != 13 { end += 1 }
                return String(decoding: bytes[start..<end], as: UTF8.self)
            }
            index += 1
        }
        return nil
    }

    /// Runs `calls` calls; returns the sends the proxy made and fails the
    /// test when a call did not go through as SIPp would see it.
    static func run(core: ProxyCore, sender: KeepingSender, queue: DispatchQueue, from first: Int, calls: Int) -> Int {
        var sends = 0
        func deliver(_ bytes: [UInt8], from source: SocketAddress) {
            core.receive(ReceivedMessage(bytes: bytes, source: source, local: proxy, transport: .udp, connectionID: nil))
        }
        queue.sync {
            for n in first..<(first + calls) {
                sender.sent.removeAll(keepingCapacity: true)
                deliver(Flow.invite(n), from: callerAddress)
                guard let forwarded = sender.sent.last, let branch = topBranch(forwarded) else {
                    Issue.record("INVITE \(n) not forwarded")
                    return
                }
                deliver(Flow.response(n, "180 Ringing", branch: branch, callerBranch: "z9hG4bK-\(n)-1-0",
                                      method: "INVITE", cseq: 1, toTag: true, body: false), from: calleeAddress)
                deliver(Flow.response(n, "200 OK", branch: branch, callerBranch: "z9hG4bK-\(n)-1-0",
                                      method: "INVITE", cseq: 1, toTag: true, body: true), from: calleeAddress)
                deliver(Flow.inDialog(n, "ACK", cseq: 1, step: 5), from: callerAddress)
                deliver(Flow.inDialog(n, "BYE", cseq: 2, step: 7), from: callerAddress)
                guard let bye = sender.sent.last, let byeBranch = topBranch(bye) else {
                    Issue.record("BYE \(n) not forwarded")
                    return
                }
                deliver(Flow.response(n, "200 OK", branch: byeBranch, callerBranch: "z9hG4bK-\(n)-1-7",
                                      method: "BYE", cseq: 2, toTag: true, body: false), from: calleeAddress)
                sends += sender.sent.count
            }
        }
        return sends
    }

    /// The same messages built but not delivered: the harness's own share.
    static func buildOnly(from first: Int, calls: Int) -> Int {
        var bytes = 0
        for n in first..<(first + calls) {
            let branch = "z9hG4bKsd0123456789abcdef.\(n)"
            bytes &+= Flow.invite(n).count
            bytes &+= topBranch(Flow.invite(n))?.utf8.count ?? 0
            bytes &+= Flow.response(n, "180 Ringing", branch: branch, callerBranch: "z9hG4bK-\(n)-1-0",
                                    method: "INVITE", cseq: 1, toTag: true, body: false).count
            bytes &+= Flow.response(n, "200 OK", branch: branch, callerBranch: "z9hG4bK-\(n)-1-0",
                                    method: "INVITE", cseq: 1, toTag: true, body: true).count
            bytes &+= Flow.inDialog(n, "ACK", cseq: 1, step: 5).count
            bytes &+= Flow.inDialog(n, "BYE", cseq: 2, step: 7).count
            bytes &+= topBranch(Flow.inDialog(n, "BYE", cseq: 2, step: 7))?.utf8.count ?? 0
            bytes &+= Flow.response(n, "200 OK", branch: branch, callerBranch: "z9hG4bK-\(n)-1-7",
                                    method: "BYE", cseq: 2, toTag: true, body: false).count
        }
        return bytes
    }

    static func cpuMicroseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
    }

    @Test func sippCallFlowThroughOneCore() {
        let queue = DispatchQueue(label: "bench.proxy")
        let sender = KeepingSender()
        var config = ProxyConfiguration()
        config.recordRoute = false
        config.routes = RouteTable(routes: [StaticRoute(name: "uas", userPrefix: nil, domain: nil,
                                                        nextHop: CallFlowBenchmarkTests.calleeAddress, transport: .udp)])
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let scheduler = LoopTimerScheduler(queue: queue)
        let core = ProxyCore(config: config, sender: sender, scheduler: scheduler, queue: queue, processors: [], logger: logger)

        // Each call: INVITE forwarded, 180 and 200 relayed, ACK and BYE
        // forwarded, 200 relayed: 6 sends (the 100 Trying timer is
        // cancelled by the 180 within 200 ms).
        // STIRD_BENCH_CALLS and STIRD_BENCH_ROUNDS size the run (shorter
        // runs, repeated and interleaved, compare two builds best on a host
        // whose speed drifts).
        let environment = ProcessInfo.processInfo.environment
        let calls = environment["STIRD_BENCH_CALLS"].flatMap { Int($0) } ?? 20_000
        let rounds = environment["STIRD_BENCH_ROUNDS"].flatMap { Int($0) } ?? 5
        let warmCalls = min(2000, calls)
        let warm = Self.run(core: core, sender: sender, queue: queue, from: 0, calls: warmCalls)
        #expect(warm == warmCalls * 6)
        var best = Double.infinity
        var next = warmCalls
        for _ in 0..<rounds {
            let start = Self.cpuMicroseconds()
            let sends = Self.run(core: core, sender: sender, queue: queue, from: next, calls: calls)
            best = min(best, (Self.cpuMicroseconds() - start) / Double(calls))
            #expect(sends == calls * 6)
            next += calls
        }
        var harness = Double.infinity
        for _ in 0..<rounds {
            let start = Self.cpuMicroseconds()
            let bytes = Self.buildOnly(from: next, calls: calls)
            harness = min(harness, (Self.cpuMicroseconds() - start) / Double(calls))
            #expect(bytes > 0)
        }
        print(String(format: "BENCH proxy call flow: %.1f us CPU per call (best of %d x %d), of which building the test messages %.1f; proxy alone %.1f us",
                     best, rounds, calls, harness, best - harness))
    }
}

/// `STIRD_BENCH=1`: the cost and size of keeping a lingering 200 OK to a
/// BYE (SIPp's, as stird forwards it upstream), coded against the first
/// one of its generation.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["STIRD_BENCH"] != nil))
struct LingerCodingBenchmarkTests {
    static func response(_ i: Int) -> [UInt8] {
        Array(("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:28080;branch=z9hG4bK-17263-\(i)-5;received=127.0.0.1;rport=28080\r\n"
            + "From: <sip:+12155551234@127.0.0.1:28080>;tag=17263SIPpTag00\(i)\r\n"
            + "To: <sip:+12155559999@127.0.0.1:28060>;tag=17270SIPpTag01\(i)\r\n"
            + "Call-ID: \(i)-17263@127.0.0.1\r\nCSeq: 2 BYE\r\nContact: <sip:127.0.0.1:28070;transport=UDP>\r\n"
            + "Content-Length: 0\r\n\r\n").utf8)
    }

    @Test func codeSIPpByeResponses() throws {
        let reference = DeltaCoder.Reference(Self.response(1))
        let messages = (0..<1_000).map { Self.response(4_000 + $0) }
        var best = Double.infinity
        var packedBytes = 0
        for _ in 0..<5 {
            let start = CallFlowBenchmarkTests.cpuMicroseconds()
            packedBytes = 0
            for _ in 0..<100 {
                for message in messages { packedBytes += DeltaCoder.encode(message, against: reference)?.count ?? message.count }
            }
            best = min(best, (CallFlowBenchmarkTests.cpuMicroseconds() - start) / 100_000)
        }
        let raw = messages.reduce(0) { $0 + $1.count }
        print(String(format: "BENCH linger coding: %.2f us per response, %.1f bytes on average (raw %.1f)",
                     best, Double(packedBytes) / 100_000, Double(raw) / 1_000))
        let packed = try #require(DeltaCoder.encode(messages[0], against: reference))
        #expect(DeltaCoder.decode(packed[...], against: reference, length: messages[0].count) == messages[0])
    }
}
