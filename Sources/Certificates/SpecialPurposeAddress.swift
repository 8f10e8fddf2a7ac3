// RFC 6890 special-purpose address registries (with RFC 6598, RFC 7526
// updates): x5u must not reach these (ATIS-1000074 §5.3.1, SSRF guard,
// ARCHITECTURE.md rule 7). Checked after DNS resolution, per connect.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum SpecialPurposeAddress {
    private static let ipv4: [(UInt32, Int)] = [
        (0x0000_0000, 8),   // 0.0.0.0/8 "this network"
        (0x0A00_0000, 8),   // 10/8 private
        (0x6440_0000, 10),  // 100.64/10 shared CGN (RFC 6598)
        (0x7F00_0000, 8),   // 127/8 loopback
        (0xA9FE_0000, 16),  // 169.254/16 link-local
        (0xAC10_0000, 12),  // 172.16/12 private
        (0xC000_0000, 24),  // 192.0.0/24 IETF protocol assignments
        (0xC000_0200, 24),  // 192.0.2/24 TEST-NET-1
        (0xC058_6300, 24),  // 192.88.99/24 6to4 relay anycast
        (0xC0A8_0000, 16),  // 192.168/16 private
        (0xC612_0000, 15),  // 198.18/15 benchmarking
        (0xC633_6400, 24),  // 198.51.100/24 TEST-NET-2
        (0xCB00_7100, 24),  // 203.0.113/24 TEST-NET-3
        (0xE000_0000, 4),   // 224/4 multicast
        (0xF000_0000, 4),   // 240/4 reserved, incl. broadcast
    ]

    private static let ipv6: [([UInt8], Int)] = [
        ([0, 0x64, 0xff, 0x9b], 96),                              // 64:ff9b::/96 NAT64
        ([0x01, 0x00, 0, 0, 0, 0, 0, 0], 64),                     // 100::/64 discard
        ([0x20, 0x01, 0x00], 23),                                 // 2001::/23 IETF assignments
        ([0x20, 0x01, 0x0d, 0xb8], 32),                           // 2001:db8::/32 documentation
        ([0x20, 0x02], 16),                                       // 2002::/16 6to4
        ([0xfc], 7),                                              // fc00::/7 unique local
        ([0xfe, 0x80], 10),                                       // fe80::/10 link-local
        ([0xff], 8),                                              // ff00::/8 multicast
    ]

    /// Whether a 4- or 16-byte network-order address is special-purpose.
    /// IPv4-mapped IPv6 addresses are judged by their embedded IPv4 address.
    static func isSpecialPurpose(_ bytes: [UInt8]) -> Bool {
        if bytes.count == 4 {
            let value = bytes.reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
            return ipv4.contains { prefix, length in value >> UInt32(32 - length) == prefix >> UInt32(32 - length) }
        }
        guard bytes.count == 16 else { return true }
        // ::/96 holds ::, ::1 and the deprecated IPv4-compatible form (RFC 4291 §2.5.5.1).
        if bytes[0..<12].allSatisfy({ $0 == 0 }) { return true }
        // ::ffff:a.b.c.d is judged by its IPv4 address (RFC 4291 §2.5.5.2).
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return isSpecialPurpose(Array(bytes[12...]))
        }
        return ipv6.contains { prefix, length in matches(bytes, prefix, length) }
    }

    private static func matches(_ bytes: [UInt8], _ prefix: [UInt8], _ length: Int) -> Bool {
        var bits = length
        var index = 0
        while bits > 0 {
            let have = index < prefix.count ? prefix[index] : 0
            let mask: UInt8 = bits >= 8 ? 0xff : ~(0xff >> UInt8(bits))
            if bytes[index] & mask != have & mask { return false }
            bits -= 8
            index += 1
        }
        return true
    }

    /// A 4- or 16-byte network-order address in its usual text form, for
    /// messages: dotted decimal, or RFC 5952 for IPv6 (lowercase hex, no
    /// leading zeros, the longest run of two or more zero groups as `::`,
    /// `::ffff:192.0.2.1` for IPv4-mapped), as `inet_ntop` writes them.
    static func text(_ bytes: [UInt8]) -> String {
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return bytes.map { String($0, radix: 16) }.joined(separator: " ")
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let written = bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count))
        }
        guard written != nil else { return bytes.map { String($0, radix: 16) }.joined(separator: " ") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
