import COpenSSL

/// A salted, slow hash of a password a person chooses (the RUE
/// configuration-service login, RFC 9248 §9): PBKDF2-HMAC-SHA256
/// (RFC 8018 §5.2) through OpenSSL's `PKCS5_PBKDF2_HMAC`. Written
/// `pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX`, so the iteration count can
/// rise later without invalidating stored hashes. A fast hash (SHA-256) is
/// fine for random keys of 256 bits, not for passwords: an offline guesser
/// would try billions a second.
public struct PasswordKDF: Equatable, Sendable {
    /// The prefix naming the function.
    public static let scheme = "pbkdf2-sha256"
    /// OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
    public static let defaultIterations = 600_000
    /// Below this a stored hash is refused: it would not slow a guesser.
    public static let minimumIterations = 10_000

    public var iterations: Int
    public var salt: [UInt8]
    public var hash: [UInt8]

    public init(iterations: Int, salt: [UInt8], hash: [UInt8]) {
        self.iterations = iterations
        self.salt = salt
        self.hash = hash
    }

    /// A new hash of `password` under a fresh 16-byte random salt.
    public static func make(password: String, iterations: Int = defaultIterations) -> PasswordKDF {
        let salt = HMACSHA256.randomKey(count: 16)
        return PasswordKDF(iterations: iterations, salt: salt, hash: derive(password: password, salt: salt, iterations: iterations))
    }

    /// The stored form, `pbkdf2-sha256$N$salt$hash`.
    public var encoded: String {
        "\(Self.scheme)$\(iterations)$\(MessageDigest.hex(salt))$\(MessageDigest.hex(hash))"
    }

    /// Parses the stored form; nil when it is not one.
    public init?(encoded text: String) {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == Self.scheme, let n = Int(parts[1]), n >= Self.minimumIterations, n <= 100_000_000,
              let salt = Self.bytes(hex: parts[2]), salt.count >= 8, let hash = Self.bytes(hex: parts[3]), hash.count == 32 else { return nil }
        self.init(iterations: n, salt: salt, hash: hash)
    }

    /// True when `password` derives the stored hash (compared in constant time).
    public func verify(_ password: String) -> Bool {
        MessageDigest.constantTimeEqual(Self.derive(password: password, salt: salt, iterations: iterations), hash)
    }

    /// PBKDF2-HMAC-SHA256 of `password` (32 bytes); empty if OpenSSL fails.
    public static func derive(password: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let length = password.utf8.count
        // A terminating NUL keeps the buffer non-empty for an empty password.
        let pw = Array(password.utf8CString)
        let ok = pw.withUnsafeBufferPointer { p in
            salt.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    PKCS5_PBKDF2_HMAC(p.baseAddress, Int32(length), s.baseAddress, Int32(salt.count), Int32(iterations),
                                      EVP_sha256(), 32, o.baseAddress)
                }
            }
        } == 1
        return ok ? out : []
    }

    static func bytes<S: StringProtocol>(hex: S) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0, !digits.isEmpty else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < digits.count {
            guard let hi = nibble(digits[i]), let lo = nibble(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
}
