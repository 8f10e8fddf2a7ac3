#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 socket address: the numeric host text for SIP headers
/// and logs, and the binary address for the socket calls (a send builds its
/// sockaddr from it without parsing the text again).
public struct SocketAddress: Hashable, CustomStringConvertible, Sendable {
    public enum Family: Sendable { case inet, inet6 }
    /// Numeric host text (IPv6 without brackets).
    public let host: String
    public let port: Int
    public let family: Family
    /// The address bytes in network order: IPv4 in the first 4 of `v4`,
    /// IPv6 as two 8-byte halves. Fixed by `host` (equal hosts, equal bits).
    private let v4: UInt32
    private let v6: (UInt64, UInt64)

    public static func == (a: SocketAddress, b: SocketAddress) -> Bool {
        a.port == b.port && a.family == b.family && a.v4 == b.v4 && a.v6 == b.v6
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(port)
        hasher.combine(v4)
        hasher.combine(v6.0)
        hasher.combine(v6.1)
    }

    /// Parses a numeric IPv4 or IPv6 literal (no DNS). IPv6 may be bracketed.
    public init?(host rawHost: String, port: Int) {
        guard (0...65535).contains(port) else { return nil }
        var h = rawHost
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        var a4 = in_addr()
        var a6 = in6_addr()
        if h.withCString({ inet_pton(AF_INET, $0, &a4) }) == 1 {
            family = .inet
        } else if h.withCString({ inet_pton(AF_INET6, $0, &a6) }) == 1 {
            family = .inet6
        } else {
            return nil
        }
        // inet_pton takes IPv4 only as four decimal parts without leading
        // zeros, which is already the text inet_ntop would give back: keep
        // it (formatting costs an sprintf, and requests and responses come
        // through here). IPv6 text has many spellings of one address.
        host = family == .inet ? h : SocketAddress.numericText(family: family, v4: a4, v6: a6)
        self.port = port
        (v4, v6) = family == .inet ? (a4.s_addr, (0, 0)) : (0, SocketAddress.halves(a6))
    }

    private static func halves(_ a: in6_addr) -> (UInt64, UInt64) {
        withUnsafeBytes(of: a) { ($0.loadUnaligned(as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
    }

    /// Parses `host:port`, `[v6]:port`, or a bare host with `defaultPort`.
    public init?(endpoint: String, defaultPort: Int) {
        let text = endpoint.trimmingCharactersInSet()
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let h = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            var port = defaultPort
            if !rest.isEmpty {
                guard rest.first == ":", let p = Int(rest.dropFirst()) else { return nil }
                port = p
            }
            self.init(host: h, port: port)
            return
        }
        let colons = text.filter { $0 == ":" }.count
        if colons == 1, let idx = text.lastIndex(of: ":") {
            guard let p = Int(text[text.index(after: idx)...]) else { return nil }
            self.init(host: String(text[..<idx]), port: p)
        } else {
            self.init(host: text, port: defaultPort)
        }
    }

    /// - Parameter names: host texts formatted before (a UDP reader keeps
    ///   one: formatting the address of every datagram costs an `sprintf`).
    init?(storage: sockaddr_storage, names: HostNames? = nil) {
        var s = storage
        switch Int32(s.ss_family) {
        case AF_INET:
            let sin = withUnsafePointer(to: &s) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee } }
            family = .inet
            v4 = sin.sin_addr.s_addr
            v6 = (0, 0)
            host = names?.text(v4: v4) ?? SocketAddress.numericText(family: .inet, v4: sin.sin_addr, v6: in6_addr())
            port = Int(UInt16(bigEndian: sin.sin_port))
        case AF_INET6:
            let sin6 = withUnsafePointer(to: &s) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee } }
            family = .inet6
            v4 = 0
            v6 = SocketAddress.halves(sin6.sin6_addr)
            host = SocketAddress.numericText(family: .inet6, v4: in_addr(), v6: sin6.sin6_addr)
            port = Int(UInt16(bigEndian: sin6.sin6_port))
        default:
            return nil
        }
    }

    /// IPv4 host texts by address, for one thread: a small direct-mapped
    /// table (a proxy hears from few peers; a miss only formats the text).
    final class HostNames {
        private var keys = [UInt32](repeating: 0, count: 64)
        private var texts = [String?](repeating: nil, count: 64)

        func text(v4: UInt32) -> String {
            let slot = Int((v4 &* 0x9E37_79B1) >> 26)
            if keys[slot] == v4, let text = texts[slot] { return text }
            let text = SocketAddress.numericText(family: .inet, v4: in_addr(s_addr: v4), v6: in6_addr())
            keys[slot] = v4
            texts[slot] = text
            return text
        }
    }

    /// The same host at another port.
    public func withPort(_ port: Int) -> SocketAddress? {
        guard (0...65535).contains(port) else { return nil }
        return SocketAddress(host: host, port: port, family: family, v4: v4, v6: v6)
    }

    private init(host: String, port: Int, family: Family, v4: UInt32, v6: (UInt64, UInt64)) {
        self.host = host
        self.port = port
        self.family = family
        self.v4 = v4
        self.v6 = v6
    }

    /// `host:port`, with brackets around IPv6 hosts (RFC 3261 §25 hostport).
    public var description: String { "\(hostForURI):\(port)" }
    /// Host as written in a SIP URI or Via sent-by.
    public var hostForURI: String { family == .inet6 ? "[\(host)]" : host }

    /// Calls `body` with a sockaddr pointer and its length.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch family {
        case .inet:
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = UInt16(port).bigEndian
            sin.sin_addr.s_addr = v4
            return withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .inet6:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = UInt16(port).bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) {
                $0.storeBytes(of: v6.0, as: UInt64.self)
                $0.storeBytes(of: v6.1, toByteOffset: 8, as: UInt64.self)
            }
            return withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }

    static func numericText(family: Family, v4: in_addr, v6: in6_addr) -> String {
        // A stack buffer: this runs for every datagram received.
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(INET6_ADDRSTRLEN) + 1) { buf -> String in
            var a4 = v4
            var a6 = v6
            let ok: UnsafePointer<CChar>?
            if family == .inet {
                ok = inet_ntop(AF_INET, &a4, buf.baseAddress, socklen_t(buf.count))
            } else {
                ok = inet_ntop(AF_INET6, &a6, buf.baseAddress, socklen_t(buf.count))
            }
            guard let ok else { return "" }
            return String(cString: ok)
        }
    }
}

extension String {
    /// Trims spaces and tabs (Foundation-free).
    func trimmingCharactersInSet() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" { s = s.dropLast() }
        return String(s)
    }
}
