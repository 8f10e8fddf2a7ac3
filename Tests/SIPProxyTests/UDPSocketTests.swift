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
        let deadline = Date().addingTimeInterval(3)
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
}
