import Foundation
import SIPProxy
@testable import StirDaemon
#if canImport(Glibc)
import Glibc
#endif

/// A blocking loopback HTTP client for the live metrics tests; every read
/// and write is bounded by `timeoutSeconds` so no test can hang.
struct MetricsTestClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// How the server ended the exchange.
    enum End: Equatable { case eof, reset, timeout }

    struct Reply {
        var bytes: [UInt8]
        var end: End
        var text: String { String(decoding: bytes, as: UTF8.self) }
        var statusLine: String { String(text.split(separator: "\r\n").first ?? "") }
        var head: String { text.components(separatedBy: "\r\n\r\n").first ?? "" }
        var body: String {
            guard let range = text.range(of: "\r\n\r\n") else { return "" }
            return String(text[range.upperBound...])
        }
        /// Header value by case-insensitive name.
        func header(_ name: String) -> String? {
            for line in head.split(separator: "\r\n").dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
    }

    let fd: Int32

    /// `receiveBuffer` shrinks the socket's receive window (set before
    /// connecting) so a server must wait for it to drain.
    init(_ address: SocketAddress, timeoutSeconds: Int = 3, receiveBuffer: Int32? = nil) throws {
        let domain = address.family == .inet ? AF_INET : AF_INET6
        fd = socket(domain, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(MetricsSocket.errnoText())") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var storage = MetricsSocket.sockaddrStorage(address)
        let length = socklen_t(address.family == .inet ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        guard rc == 0 else {
            let why = MetricsSocket.errnoText()
            Glibc.close(fd)
            throw Failure(description: "connect \(address): \(why)")
        }
    }

    /// Sends everything, or fails (the server may close on us mid-way).
    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: \(MetricsSocket.errnoText())") }
            sent += n
        }
    }

    /// Reads until the server closes, resets or the timeout passes.
    func readToEnd() -> Reply {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                bytes += chunk[..<n]
            } else if n == 0 {
                return Reply(bytes: bytes, end: .eof)
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                return Reply(bytes: bytes, end: .timeout)
            } else {
                return Reply(bytes: bytes, end: .reset)
            }
        }
    }

    func close() {
        Glibc.close(fd)
    }

    /// One request, the whole reply.
    static func exchange(_ address: SocketAddress, _ request: String) throws -> Reply {
        let client = try MetricsTestClient(address)
        defer { client.close() }
        try client.send(request)
        return client.readToEnd()
    }
}
