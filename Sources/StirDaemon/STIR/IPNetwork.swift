#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 network written as `address` or `address/prefix`
/// (CIDR, RFC 4632 §3.1; RFC 4291 §2.3), used to recognise peers by the
/// source address of a request.
public struct IPNetwork: Equatable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]
    let prefixLength: Int

    /// Parses `192.0.2.0/24`, `10.1.2.3`, `2001:db8::/32` or `::1`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Self.parseAddress(String(parts[0])) else { return nil }
        var length = address.count * 8
        if parts.count == 2 {
            guard let n = Int(parts[1]), n >= 0, n <= length, parts[1].allSatisfy(\.isNumber) else { return nil }
            length = n
        }
        bytes = address
        prefixLength = length
    }

    /// Network bytes of a numeric address (4 or 16), nil if not numeric.
    static func parseAddress(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// True if the numeric address `host` is inside this network. An
    /// IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) matches IPv4 networks.
    public func contains(host: String) -> Bool {
        guard var address = Self.parseAddress(host) else { return false }
        if address.count == 16, bytes.count == 4, address[0..<10].allSatisfy({ $0 == 0 }),
           address[10] == 0xff, address[11] == 0xff {
            address = Array(address[12...])
        }
        guard address.count == bytes.count else { return false }
        var remaining = prefixLength
        for i in 0..<bytes.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask: UInt8 = bits == 8 ? 0xff : ~(0xff >> UInt8(bits))
            if address[i] & mask != bytes[i] & mask { return false }
            remaining -= bits
        }
        return true
    }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        var copy = bytes
        _ = inet_ntop(bytes.count == 4 ? AF_INET : AF_INET6, &copy, &buffer, socklen_t(buffer.count))
        return String(cString: buffer) + "/\(prefixLength)"
    }
}
