import Dispatch
import Foundation
import Synchronization
import Testing
@testable import SIPProxy
#if canImport(Glibc)
import Glibc
#endif

/// The stream poller: a watched descriptor's handler runs on the queue
/// each time it has input, never after `remove`, and a handler that
/// leaves input unread is called again (level-triggered).
@Suite struct StreamPollerTests {
    private final class Calls: Sendable {
        let onQueue = Mutex<[Bool]>([])
        let bytes = Mutex<[UInt8]>([])
    }

    /// A connected pair of stream sockets, non-blocking.
    private func socketPair() -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        return (fds[0], fds[1])
    }

    private func waitUntil(_ seconds: Double = 5, _ done: () -> Bool) {
        let end = Date().addingTimeInterval(seconds)
        while !done() && Date() < end { usleep(2_000) }
    }

    @Test func handlerRunsOnTheQueueForEachInputAndNotAfterRemove() throws {
        let queue = DispatchQueue(label: "poller-test")
        let poller = try #require(StreamPoller(queue: queue, name: "poller-test"))
        defer { poller.close() }
        let (a, b) = socketPair()
        defer { Glibc.close(a); Glibc.close(b) }
        let calls = Calls()
        queue.setSpecific(key: Self.key, value: 1)
        let added = queue.sync {
            poller.add(a) {
                calls.onQueue.withLock { $0.append(DispatchQueue.getSpecific(key: Self.key) == 1) }
                var buf = [UInt8](repeating: 0, count: 64)
                let n = read(a, &buf, buf.count)
                if n > 0 { calls.bytes.withLock { $0.append(contentsOf: buf[0..<n]) } }
            }
        }
        #expect(added)
        for chunk in ["ping", "\r\n\r\n", "pong"] {
            let before = calls.bytes.withLock { $0.count }
            _ = chunk.withCString { write(b, $0, strlen($0)) }
            waitUntil { calls.bytes.withLock { $0.count } == before + chunk.utf8.count }
        }
        #expect(calls.bytes.withLock { String(decoding: $0, as: UTF8.self) } == "ping\r\n\r\npong")
        #expect(calls.onQueue.withLock { $0.allSatisfy { $0 } && !$0.isEmpty })
        queue.sync { poller.remove(a) }
        let count = calls.onQueue.withLock { $0.count }
        _ = "late".withCString { write(b, $0, 4) }
        usleep(300_000)
        #expect(calls.onQueue.withLock { $0.count } == count, "a removed descriptor's handler ran")
    }

    @Test func inputLeftUnreadIsReportedAgain() throws {
        let queue = DispatchQueue(label: "poller-test-2")
        let poller = try #require(StreamPoller(queue: queue, name: "poller-test-2"))
        defer { poller.close() }
        let (a, b) = socketPair()
        defer { Glibc.close(a); Glibc.close(b) }
        let calls = Calls()
        // Reads one byte per call: ten bytes need ten calls.
        _ = queue.sync {
            poller.add(a) {
                var byte: UInt8 = 0
                if read(a, &byte, 1) == 1 { calls.bytes.withLock { $0.append(byte) } }
            }
        }
        _ = "0123456789".withCString { write(b, $0, 10) }
        waitUntil { calls.bytes.withLock { $0.count } == 10 }
        #expect(calls.bytes.withLock { String(decoding: $0, as: UTF8.self) } == "0123456789")
        queue.sync { poller.remove(a) }
    }

    private static let key = DispatchSpecificKey<Int>()
}
