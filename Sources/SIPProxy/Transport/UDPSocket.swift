import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// A bound, non-blocking UDP socket read by a DispatchSource on the loop queue.
final class UDPSocket {
    let fd: Int32
    let local: SocketAddress
    private let source: DispatchSourceRead
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    /// - Parameter onDatagrams: called on `queue` with the datagrams one
    ///   wake-up read (at most 256), so that the receiver can hand them on in
    ///   one piece rather than one by one.
    init(bind address: SocketAddress, queue: DispatchQueue, receiveBufferBytes: Int,
         onDatagrams: @escaping ([(bytes: [UInt8], from: SocketAddress)]) -> Void) throws {
        let domain = address.family == .inet ? AF_INET : AF_INET6
        let fd = socket(domain, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TransportError(address: "udp:\(address)", reason: "socket: \(errnoText())") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if address.family == .inet6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        // Bursts at high call rates overflow the default ~200 KB buffer. As
        // root, the FORCE variants pass net.core.rmem_max/wmem_max.
        var rcv = Int32(receiveBufferBytes)
        let size = socklen_t(MemoryLayout<Int32>.size)
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, size) != 0 {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, size)
        }
        if setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &rcv, size) != 0 {
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &rcv, size)
        }
        let rc = address.withSockAddr { Glibc.bind(fd, $0, $1) }
        guard rc == 0 else {
            let why = errnoText()
            Glibc.close(fd)
            throw TransportError(address: "udp:\(address)", reason: "bind: \(why)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.fd = fd
        self.local = UDPSocket.boundAddress(fd) ?? address
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.drain(onDatagrams) }
        source.setCancelHandler { Glibc.close(fd) }
        source.resume()
    }

    /// Reads what is queued, bounded per wake-up so one busy socket cannot
    /// starve timers on the same loop.
    private func drain(_ onDatagrams: ([(bytes: [UInt8], from: SocketAddress)]) -> Void) {
        var batch: [(bytes: [UInt8], from: SocketAddress)] = []
        defer { if !batch.isEmpty { onDatagrams(batch) } }
        for _ in 0..<256 {
            var storage = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = buffer.withUnsafeMutableBytes { buf in
                withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, buf.baseAddress, buf.count, 0, $0, &len)
                    }
                }
            }
            if n <= 0 { return }
            guard let from = SocketAddress(storage: storage) else { continue }
            batch.append((Array(buffer[0..<n]), from))
        }
    }

    /// Best effort: UDP has no backpressure; a full socket buffer drops.
    @discardableResult
    func send(_ bytes: [UInt8], to destination: SocketAddress) -> Bool {
        let n = bytes.withUnsafeBytes { buf in
            destination.withSockAddr { sendto(fd, buf.baseAddress, buf.count, 0, $0, $1) }
        }
        return n == bytes.count
    }

    func close() { source.cancel() }

    static func boundAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return rc == 0 ? SocketAddress(storage: storage) : nil
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }
