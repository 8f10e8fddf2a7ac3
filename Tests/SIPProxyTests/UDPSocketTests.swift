import Foundation
import Synchronization
import Testing
@testable import SIPProxy
#if canImport(Glibc)
import Glibc
#endif

/// The UDP reader on loopback: every datagram arrives
/// once, whole, in order, with its source; empty datagrams are dropped.
@Suite struct UDPSocketTests {
    private final class Inbox: Sendable {
        let received = Mutex<[(bytes: [UInt8], from: SocketAddress)]>([])
        let batches = Mutex<[Int]>([])
    }

    /// Over IPv4 and IPv6, more datagrams than one batch holds (256).
    @Test(arguments: ["127.0.0.1", "::1"]) func burstsArriveWholeAndInOrder(host: String) throws {
        let inbox = Inbox()
        let socket = try UDPSocket(bind: SocketAddress(host: host, port: 0)!, receiveBufferBytes: 8 << 20) { batch, _ in
            inbox.received.withLock { $0.append(contentsOf: batch) }
            inbox.batches.withLock { $0.append(batch.count) }
        }
        defer { socket.close() }
        // Two senders, alternating, so that each datagram's source is checked.
        let senders = try (0..<2).map { _ in
            try UDPSocket(bind: SocketAddress(host: host, port: 0)!, receiveBufferBytes: 1 << 20) { _, _ in }
        }
        defer { senders.forEach { $0.close() } }
        // 300 datagrams (more than the 256 per batch), one of 60,000 bytes,
        // one empty.
        var sent: [(bytes: [UInt8], from: SocketAddress)] = []
        for i in 0..<300 {
            let bytes: [UInt8]
            switch i {
            case 7: bytes = []
            case 150: bytes = (0..<60_000).map { UInt8(truncatingIfNeeded: $0) }
            default: bytes = Array("datagram \(i) ".utf8) + [UInt8](repeating: UInt8(i % 251), count: i)
            }
            let sender = senders[i % 2]
            #expect(sender.send(bytes, to: socket.local))
            if !bytes.isEmpty { sent.append((bytes, sender.local)) }
        }
        let deadline = Date().addingTimeInterval(10)
        while inbox.received.withLock({ $0.count }) < sent.count && Date() < deadline { usleep(2_000) }
        let received = inbox.received.withLock { $0 }
        #expect(received.count == sent.count)
        // Compared as a whole but reported by index: the arrays are large.
        let wrong = zip(received, sent).enumerated()
            .filter { $0.element.0.bytes != $0.element.1.bytes || $0.element.0.from != $0.element.1.from }.map(\.offset)
        let wrongCount = wrong.count, firstWrong = wrong.first ?? -1
        #expect(wrongCount == 0, "datagrams differ (bytes or source), first at index \(firstWrong)")
        #expect(inbox.batches.withLock { $0.allSatisfy { $0 <= 256 } })
    }

    /// The largest IPv4 UDP payload (65,507 bytes) arrives whole, between
    /// two small datagrams read in the same wake-up.
    @Test func largestDatagramArrivesWhole() throws {
        let inbox = Inbox()
        let socket = try UDPSocket(bind: SocketAddress(host: "127.0.0.1", port: 0)!, receiveBufferBytes: 8 << 20) { batch, _ in
            inbox.received.withLock { $0.append(contentsOf: batch) }
        }
        defer { socket.close() }
        let sender = try UDPSocket(bind: SocketAddress(host: "127.0.0.1", port: 0)!, receiveBufferBytes: 1 << 20) { _, _ in }
        defer { sender.close() }
        let largest = (0..<65_507).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let sent = [Array("before".utf8), largest, Array("after".utf8)]
        for bytes in sent { #expect(sender.send(bytes, to: socket.local)) }
        let deadline = Date().addingTimeInterval(10)
        while inbox.received.withLock({ $0.count }) < sent.count && Date() < deadline { usleep(2_000) }
        let received = inbox.received.withLock { $0 }
        #expect(received.map(\.bytes) == sent)
    }
}

/// What the UDP reader thread costs per datagram (system calls included):
/// bursts of 10 SIP-sized datagrams, as a loaded proxy sees them. A
/// benchmark, not a test: run with
/// `STIRD_BENCH=1 swift test -c release --filter UDPReaderBenchmarkTests`.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["STIRD_BENCH"] != nil))
struct UDPReaderBenchmarkTests {
    /// CPU time of the calling thread, user and system, in µs.
    private static func threadCPUMicroseconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) * 1e6 + Double(t.tv_nsec) / 1e3
    }

    private final class Meter: Sendable {
        /// Datagrams received, and the reader thread's CPU time at the
        /// first and at the latest batch.
        let state = Mutex<(count: Int, first: Double, firstCount: Int, last: Double)>((0, -1, 0, 0))
    }

    @Test func readerCPUPerDatagram() throws {
        let bursts = 5_000, burst = 10
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 600)
        for round in 1...3 {
            let meter = Meter()
            let socket = try UDPSocket(bind: SocketAddress(host: "127.0.0.1", port: 0)!, receiveBufferBytes: 8 << 20) { batch, _ in
                let now = UDPReaderBenchmarkTests.threadCPUMicroseconds()
                meter.state.withLock {
                    $0.count += batch.count
                    if $0.first < 0 { $0.first = now; $0.firstCount = $0.count }
                    $0.last = now
                }
            }
            let sender = try UDPSocket(bind: SocketAddress(host: "127.0.0.1", port: 0)!, receiveBufferBytes: 8 << 20) { _, _ in }
            for _ in 0..<bursts {
                for _ in 0..<burst { _ = sender.send(payload, to: socket.local) }
                usleep(100)
            }
            let total = bursts * burst
            let deadline = Date().addingTimeInterval(5)
            while meter.state.withLock({ $0.count }) < total && Date() < deadline { usleep(2_000) }
            let s = meter.state.withLock { $0 }
            socket.close()
            sender.close()
            #expect(s.count == total)
            let perDatagram = (s.last - s.first) / Double(max(1, s.count - s.firstCount))
            print("BENCH UDP reader round \(round): \(String(format: "%.2f", perDatagram)) us CPU per datagram "
                + "(\(s.count) datagrams in bursts of \(burst))")
        }
    }
}
