import COpenSSL

/// Random (version 4) UUIDs from OpenSSL's DRBG (RFC 9562 §5.4), as the
/// lower-case text SHAKEN `origid` uses (RFC 8588 §5).
///
/// Foundation's `UUID()` on Linux opens and reads `/dev/urandom` on every
/// call; `RAND_bytes` draws from a per-thread generator in user space.
public enum RandomUUID {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A fresh UUID such as `3f2b6c1e-9a4d-4e8b-b1c2-5d6e7f809a1b`.
    public static func make() -> String {
        var raw = [UInt8](repeating: 0, count: 16)
        let ok = raw.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, 16) } == 1
        // RAND_bytes fails only when the DRBG cannot be seeded at all; the
        // system generator is then the only safe source left.
        if !ok {
            var g = SystemRandomNumberGenerator()
            for i in raw.indices { raw[i] = UInt8.random(in: .min ... .max, using: &g) }
        }
        return format(raw)
    }

    /// Formats 16 bytes as a version-4, RFC 9562-variant UUID: the version
    /// and variant bits of `raw` are overwritten.
    static func format(_ raw: [UInt8]) -> String {
        precondition(raw.count == 16)
        var bytes = raw
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return String(unsafeUninitializedCapacity: 36) { out in
            var o = 0
            for (i, b) in bytes.enumerated() {
                if i == 4 || i == 6 || i == 8 || i == 10 { out[o] = UInt8(ascii: "-"); o += 1 }
                out[o] = hex[Int(b >> 4)]
                out[o + 1] = hex[Int(b & 0x0F)]
                o += 2
            }
            return o
        }
    }
}
