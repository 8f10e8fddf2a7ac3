import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A bound, non-blocking UDP socket with its own reader thread.
///
/// The reader waits in `poll` and reads what is queued straight into a
/// batch for the proxy loops. A Dispatch read source would cost an extra
/// thread hop per wake-up (libdispatch's event thread notices the socket,
/// then wakes a worker for the queue); at tens of thousands of datagrams per
/// second those switches cost more than the reads. The loops themselves stay
/// on Dispatch queues; sends go out from the loops with `sendto` on the same
/// (non-blocking) descriptor.
final class UDPSocket {
    let fd: Int32
    let local: SocketAddress
    private let state = ReaderState()

    /// Set by `close()`, read by the reader thread.
    private final class ReaderState: Sendable {
        private let closing = Atomic<Bool>(false)
        var isClosing: Bool { closing.load(ordering: .acquiring) }
        func close() { closing.store(true, ordering: .releasing) }
    }

    /// - Parameter onDatagrams: called on the socket's reader thread with the
    ///   datagrams one wake-up read (at most 256), and the socket's own address.
    init(bind address: SocketAddress, receiveBufferBytes: Int,
         onDatagrams: @escaping @Sendable ([(bytes: [UInt8], from: SocketAddress)], SocketAddress) -> Void) throws {
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
        let local = UDPSocket.boundAddress(fd) ?? address
        self.local = local
        let state = self.state
        let thread = Thread {
            UDPSocket.readLoop(fd: fd, local: local, state: state, onDatagrams: onDatagrams)
        }
        thread.name = "stird-udp-\(local.port)"
        thread.start()
    }

    /// Waits for datagrams and reads what is queued, at most 256 per batch
    /// so the loops get work in bounded pieces. Polls with a timeout to
    /// notice `close()`, then closes the descriptor itself.
    private static func readLoop(fd: Int32, local: SocketAddress, state: ReaderState,
                                 onDatagrams: ([(bytes: [UInt8], from: SocketAddress)], SocketAddress) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let names = SocketAddress.HostNames()
        while !state.isClosing {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 200)
            if ready <= 0 { continue }
            var batch: [(bytes: [UInt8], from: SocketAddress)] = []
            batch.reserveCapacity(16)
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
                if n <= 0 { break }
                guard let from = SocketAddress(storage: storage, names: names) else { continue }
                batch.append((Array(buffer[0..<n]), from))
            }
            if !batch.isEmpty { onDatagrams(batch, local) }
        }
        Glibc.close(fd)
    }

    /// Best effort: UDP has no backpressure; a full socket buffer drops.
    @discardableResult
    func send(_ bytes: [UInt8], to destination: SocketAddress) -> Bool {
        let n = bytes.withUnsafeBytes { buf in
            destination.withSockAddr { sendto(fd, buf.baseAddress, buf.count, 0, $0, $1) }
        }
        return n == bytes.count
    }

    /// The reader thread stops within its poll timeout and closes the descriptor.
    func close() { state.close() }

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
