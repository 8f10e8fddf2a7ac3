import COpenSSL

/// The hash functions SIP Digest authentication names (RFC 7616 §3.2,
/// RFC 8760 §2): MD5, SHA-256 and SHA-512/256, each computed by OpenSSL's
/// EVP interface with the algorithm fetched once. An `EVP_MD` is immutable
/// after fetch, so one `MessageDigest` value may be used from any thread.
public struct MessageDigest: Sendable {
    /// OpenSSL's name for the algorithm ("SHA2-512/256").
    public let name: String
    /// Output length in bytes.
    public let length: Int
    private let md: Handle

    /// The fetched `EVP_MD`, shared; never freed (process-lifetime statics).
    private final class Handle: @unchecked Sendable {
        let pointer: OpaquePointer?
        init(_ name: String) { pointer = EVP_MD_fetch(nil, name, nil) }
    }

    private init(name: String, length: Int) {
        self.name = name
        self.length = length
        md = Handle(name)
    }

    /// RFC 1321; Digest keeps it only for old clients (RFC 8760 §2.4).
    public static let md5 = MessageDigest(name: "MD5", length: 16)
    /// FIPS 180-4 SHA-256 (RFC 7616 §3.2 "SHA-256").
    public static let sha256 = MessageDigest(name: "SHA2-256", length: 32)
    /// FIPS 180-4 SHA-512/256, the truncated SHA-512 with its own initial
    /// values (RFC 7616 §3.2 "SHA-512-256"), not SHA-512 cut to 32 bytes.
    public static let sha512_256 = MessageDigest(name: "SHA2-512/256", length: 32)
    /// FIPS 180-4 SHA-384 and SHA-512 (RFC 9795 §6 `rcdi` digests).
    public static let sha384 = MessageDigest(name: "SHA2-384", length: 48)
    public static let sha512 = MessageDigest(name: "SHA2-512", length: 64)

    /// The digest of `data`; nil only if OpenSSL fails.
    public func hash(_ data: [UInt8]) -> [UInt8]? {
        guard let pointer = md.pointer else { return nil }
        var out = [UInt8](repeating: 0, count: 64)
        var written: UInt32 = 0
        let ok = data.withUnsafeBytes { d in
            out.withUnsafeMutableBufferPointer { o in
                EVP_Digest(d.baseAddress, d.count, o.baseAddress, &written, pointer, nil) == 1
            }
        }
        guard ok, Int(written) == length else { return nil }
        return Array(out.prefix(length))
    }

    /// Lower-case hex of the digest of the UTF-8 bytes of `text`, the form
    /// Digest computes with (RFC 7616 §3.4.1); "" if OpenSSL fails, which
    /// never equals a response.
    public func hex(_ text: String) -> String {
        hash(Array(text.utf8)).map(Self.hex) ?? ""
    }

    /// Lower-case hex of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True when `a` and `b` are equal, in time that depends on their length
    /// only (`CRYPTO_memcmp`): comparing a Digest response byte by byte
    /// with an early exit would tell an attacker how many leading
    /// characters were right.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
    }

    /// HMAC-SHA256 (RFC 2104) of `data` under `key`, one shot and
    /// thread-safe (OpenSSL's `EVP_Q_mac`); `HMACSHA256` is the keyed-once
    /// variant for one queue. Empty if OpenSSL fails.
    public static func hmacSHA256(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        guard !key.isEmpty else { return [] }
        var out = [UInt8](repeating: 0, count: 32)
        var written = 0
        let result = key.withUnsafeBytes { k in
            data.withUnsafeBytes { d in
                out.withUnsafeMutableBufferPointer { o in
                    EVP_Q_mac(nil, "HMAC", nil, "SHA256", nil, k.baseAddress, k.count,
                              d.baseAddress?.assumingMemoryBound(to: UInt8.self), d.count, o.baseAddress, 32, &written)
                }
            }
        }
        return result != nil && written == 32 ? out : []
    }
}
