import SIPProxy
#if canImport(Glibc)
import Glibc
#endif

/// Why the metrics listener could not start.
public struct MetricsServerError: Error, Equatable, CustomStringConvertible {
    /// The `listen` address that failed.
    public var address: String
    /// The failing call and the system's reason.
    public var reason: String

    /// An error for `address` (as configured) with the failing call and why.
    public init(address: String, reason: String) {
        self.address = address
        self.reason = reason
    }

    /// `metrics listen ADDRESS: call: reason`, the line an operator sees.
    public var description: String { "metrics listen \(address): \(reason)" }
}

/// The few socket calls the metrics server needs, over `SocketAddress`.
enum MetricsSocket {
    /// A non-blocking, close-on-exec listening TCP socket bound to `address`.
    static func listen(_ address: SocketAddress, backlog: Int32) throws -> Int32 {
        func failure(_ call: String) -> MetricsServerError {
            MetricsServerError(address: address.description, reason: "\(call): \(errnoText())")
        }
        let domain = address.family == .inet ? AF_INET : AF_INET6
        let fd = socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if address.family == .inet6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        var storage = sockaddrStorage(address)
        let length = socklen_t(address.family == .inet ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let error = failure("bind")
            Glibc.close(fd)
            throw error
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let error = failure("listen")
            Glibc.close(fd)
            throw error
        }
        setNonBlocking(fd)
        return fd
    }

    /// What one non-blocking `accept` gave.
    enum Accepted {
        case connection(Int32)
        /// Nothing pending (or the client gave up before we got to it).
        case none
        /// Out of descriptors: the connection stays pending, so the listener
        /// stays readable and must be paused or it would spin.
        case exhausted
    }

    /// Accepts one pending connection as a non-blocking, close-on-exec socket.
    static func accept(_ listener: Int32) -> Accepted {
        // accept4 is not exported by Swift's Glibc module: set the flags after.
        while true {
            let fd = Glibc.accept(listener, nil, nil)
            if fd >= 0 {
                setNonBlocking(fd)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                return .connection(fd)
            }
            switch errno {
            case EINTR, ECONNABORTED: continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM: return .exhausted
            default: return .none
            }
        }
    }

    static func setNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// The address the socket is bound to (the real port after binding port 0).
    static func localAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(storage.ss_family) {
        case AF_INET:
            var sin = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee } }
            guard inet_ntop(AF_INET, &sin.sin_addr, &text, socklen_t(text.count)) != nil else { return nil }
            return SocketAddress(host: String(cString: text), port: Int(UInt16(bigEndian: sin.sin_port)))
        case AF_INET6:
            var sin6 = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee } }
            guard inet_ntop(AF_INET6, &sin6.sin6_addr, &text, socklen_t(text.count)) != nil else { return nil }
            return SocketAddress(host: String(cString: text), port: Int(UInt16(bigEndian: sin6.sin6_port)))
        default:
            return nil
        }
    }

    /// `address` as a `sockaddr_in`/`sockaddr_in6` inside a `sockaddr_storage`.
    static func sockaddrStorage(_ address: SocketAddress) -> sockaddr_storage {
        var storage = sockaddr_storage()
        withUnsafeMutablePointer(to: &storage) { pointer in
            switch address.family {
            case .inet:
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    sin.pointee.sin_family = sa_family_t(AF_INET)
                    sin.pointee.sin_port = UInt16(address.port).bigEndian
                    _ = inet_pton(AF_INET, address.host, &sin.pointee.sin_addr)
                }
            case .inet6:
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                    sin6.pointee.sin6_port = UInt16(address.port).bigEndian
                    _ = inet_pton(AF_INET6, address.host, &sin6.pointee.sin6_addr)
                }
            }
        }
        return storage
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
