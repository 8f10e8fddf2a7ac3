import Foundation
import Synchronization
import CDatagrams
#if canImport(Glibc)
import Glibc
#endif

/// A bound UDP socket with its own reader thread.
///
/// The reader blocks in `recvmmsg` until a datagram arrives and takes what
/// else is queued in the same call (up to 32 datagrams a call, 256 a
/// batch), straight into a batch for the proxy loops. One system call per
/// wake-up replaces a `poll` plus a `recvfrom` per datagram and a last one
/// that finds the queue empty. A Dispatch read source would cost an extra
/// thread hop per wake-up (libdispatch's event thread notices the socket,
/// then wakes a worker for the queue); at tens of thousands of datagrams per
/// second those switches cost more than the reads. The loops themselves stay
/// on Dispatch queues; sends go out from the loops with `sendto` on the same
/// descriptor, each with `MSG_DONTWAIT`, so a full send buffer never blocks
/// a loop (the descriptor itself blocks, for the reader).
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
        // The reader blocks in recvmmsg; the timeout lets it notice close().
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
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

    /// Datagrams one `recvmmsg` call can take, each into its own 64 KiB
    /// slot (the largest UDP payload fits, so nothing is cut). The slots
    /// take 2 MiB of address space; only the pages datagrams are written
    /// to become resident.
    static let slotsPerCall = 32
    static let slotBytes = 65_536
    /// Most datagrams read per wake-up before they go to the loops.
    static let batchLimit = 256

    /// Waits for datagrams and reads what is queued, at most `batchLimit`
    /// per batch so the loops get work in bounded pieces. A blocking read
    /// times out every 200 ms (SO_RCVTIMEO) to notice `close()`, then the
    /// reader closes the descriptor itself.
    private static func readLoop(fd: Int32, local: SocketAddress, state: ReaderState,
                                 onDatagrams: ([(bytes: [UInt8], from: SocketAddress)], SocketAddress) -> Void) {
        let count = slotsPerCall
        let memory = UnsafeMutableRawPointer.allocate(byteCount: count * slotBytes, alignment: 64)
        defer { memory.deallocate() }
        var slots = [stird_datagram](repeating: stird_datagram(), count: count)
        for i in 0..<count {
            slots[i].buffer = memory + i * slotBytes
            slots[i].capacity = slotBytes
        }
        let names = SocketAddress.HostNames()
        while !state.isClosing {
            var batch: [(bytes: [UInt8], from: SocketAddress)] = []
            var wait: Int32 = 1
            while batch.count < batchLimit {
                let want = min(count, batchLimit - batch.count)
                let n = Int(slots.withUnsafeMutableBufferPointer {
                    stird_receive_datagrams(fd, $0.baseAddress, UInt32(want), wait)
                })
                if n <= 0 { break }
                for i in 0..<n {
                    // Empty datagrams carry nothing; cut ones cannot occur
                    // with 64 KiB slots but would not be whole messages.
                    guard slots[i].length > 0, slots[i].truncated == 0,
                          let from = SocketAddress(storage: slots[i].from, names: names) else { continue }
                    batch.append((Array(UnsafeRawBufferPointer(start: slots[i].buffer, count: slots[i].length)), from))
                }
                if n < want { break }
                wait = 0
            }
            if !batch.isEmpty { onDatagrams(batch, local) }
        }
        Glibc.close(fd)
    }

    /// Best effort: UDP has no backpressure; a full socket buffer drops.
    @discardableResult
    func send(_ bytes: [UInt8], to destination: SocketAddress) -> Bool {
        let n = bytes.withUnsafeBytes { buf in
            destination.withSockAddr { sendto(fd, buf.baseAddress, buf.count, Int32(MSG_DONTWAIT), $0, $1) }
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
