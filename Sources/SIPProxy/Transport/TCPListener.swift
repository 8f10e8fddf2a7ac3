import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// A listening TCP socket; accepted descriptors are handed to `onAccept` on the loop.
final class TCPListener {
    let local: SocketAddress
    private let source: DispatchSourceRead
    private let fd: Int32

    init(bind address: SocketAddress, queue: DispatchQueue, backlog: Int32 = 1024,
         onAccept: @escaping (Int32, SocketAddress) -> Void) throws {
        let domain = address.family == .inet ? AF_INET : AF_INET6
        let fd = socket(domain, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TransportError(address: "tcp:\(address)", reason: "socket: \(errnoText())") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if address.family == .inet6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        let rc = address.withSockAddr { Glibc.bind(fd, $0, $1) }
        guard rc == 0, listen(fd, backlog) == 0 else {
            let why = errnoText()
            Glibc.close(fd)
            throw TransportError(address: "tcp:\(address)", reason: "bind/listen: \(why)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.fd = fd
        self.local = UDPSocket.boundAddress(fd) ?? address
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler {
            for _ in 0..<64 {
                var storage = sockaddr_storage()
                var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let cfd = withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(fd, $0, &len) }
                }
                if cfd < 0 { return }
                _ = fcntl(cfd, F_SETFL, fcntl(cfd, F_GETFL) | O_NONBLOCK)
                guard let remote = SocketAddress(storage: storage) else { Glibc.close(cfd); continue }
                onAccept(cfd, remote)
            }
        }
        source.setCancelHandler { Glibc.close(fd) }
        source.resume()
    }

    func close() { source.cancel() }
}

func closeDescriptor(_ fd: Int32) { Glibc.close(fd) }
