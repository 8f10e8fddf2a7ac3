import Foundation
import Testing
@testable import StirDaemon
#if canImport(Glibc)
import Glibc
#endif

/// The sd_notify datagram reaches a unix socket standing in for systemd's.
@Suite(.timeLimit(.minutes(1))) struct SDNotifyTests {
    /// A bound unix datagram socket; `name` is a path, or `@…` for the abstract namespace.
    private final class Receiver {
        let fd: Int32
        let path: String?

        init(name: String) throws {
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            self.fd = fd
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(name.utf8)
            let abstract = bytes.first == UInt8(ascii: "@")
            if abstract { bytes[0] = 0 }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            path = abstract ? nil : name
            guard rc == 0 else { throw CocoaError(.fileWriteUnknown) }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            return n > 0 ? String(decoding: buffer[..<n], as: UTF8.self) : nil
        }

        deinit {
            close(fd)
            if let path { unlink(path) }
        }
    }

    @Test func sendsReadyToTheSocketNamedByNotifySocket() throws {
        let path = NSTemporaryDirectory() + "stird-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let receiver = try Receiver(name: path)
        #expect(SDNotify.send(SDNotify.ready, environment: ["NOTIFY_SOCKET": path]))
        #expect(receiver.receive() == "READY=1")
        #expect(SDNotify.send(SDNotify.stopping, environment: ["NOTIFY_SOCKET": path]))
        #expect(receiver.receive() == "STOPPING=1")
    }

    @Test func reachesAnAbstractNamespaceSocket() throws {
        let name = "@stird-notify-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let receiver = try Receiver(name: name)
        #expect(SDNotify.send(SDNotify.reloading(), environment: ["NOTIFY_SOCKET": name]))
        let message = try #require(receiver.receive())
        let lines = message.split(separator: "\n")
        #expect(lines.first == "RELOADING=1")
        #expect(lines.count == 2 && lines[1].hasPrefix("MONOTONIC_USEC=") && UInt64(lines[1].dropFirst(15)) != nil)
    }

    @Test func withoutNotifySocketNothingIsSent() {
        #expect(!SDNotify.send(SDNotify.ready, environment: [:]))
        #expect(!SDNotify.send(SDNotify.ready, environment: ["NOTIFY_SOCKET": "relative/path"]))
        #expect(!SDNotify.send(SDNotify.ready, environment: ["NOTIFY_SOCKET": "/nonexistent/stird-notify.sock"]))
    }
}
