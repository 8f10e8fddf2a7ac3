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

    @Test func burstsArriveWholeAndInOrder() throws {
        let inbox = Inbox()
        let socket = try UDPSocket(bind: SocketAddress(host: "127.0.0.1", port: 0)!, receiveBufferBytes: 8 << 20) { batch, _ in
            inbox.received.withLock { $0.append(contentsOf: batch) }
            inbox.batches.withLock { $0.append(batch.count) }
        }
        defer { socket.close() }
        let sender = try UDPSocket(bind: SocketAddress(host: "127.0.0.1", port: 0)!, receiveBufferBytes: 1 << 20) { _, _ in }
        defer { sender.close() }
        // 300 datagrams (more than the 256 per batch), one of 60,000 bytes,
        // one empty.
        var sent: [[UInt8]] = []
        for i in 0..<300 {
            let bytes: [UInt8]
            switch i {
            case 7: bytes = []
            case 150: bytes = (0..<60_000).map { UInt8(truncatingIfNeeded: $0) }
            default: bytes = Array("datagram \(i) ".utf8) + [UInt8](repeating: UInt8(i % 251), count: i)
            }
            #expect(sender.send(bytes, to: socket.local))
            if !bytes.isEmpty { sent.append(bytes) }
        }
        let deadline = Date().addingTimeInterval(3)
        while inbox.received.withLock({ $0.count }) < sent.count && Date() < deadline { usleep(2_000) }
        let received = inbox.received.withLock { $0 }
        #expect(received.count == sent.count)
        #expect(received.map(\.bytes) == sent)
        #expect(received.allSatisfy { $0.from == sender.local })
        #expect(inbox.batches.withLock { $0.allSatisfy { $0 <= 256 } })
    }
}
