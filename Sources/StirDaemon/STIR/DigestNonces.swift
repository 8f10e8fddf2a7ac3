import Crypto

/// Stateless Digest nonces (RFC 7616 §3.3, §5.4): the issue time, 8 random
/// bytes, and an HMAC-SHA256 over both and the client's source address,
/// all in hex. Checking one needs only the secret, so nothing is stored per
/// challenge, a nonce cannot be forged or moved to another source address,
/// and a node that shares `[auth] nonce_secret` accepts the nonces of
/// another. The random part keeps two challenges in the same second
/// distinct, since the nonce-count table is keyed by nonce.
public struct DigestNonces: Sendable {
    let secret: [UInt8]
    public let lifetimeSeconds: Int64

    /// What a received nonce is.
    public enum Check: Equatable, Sendable {
        /// Ours, issued at `issued`, within its lifetime.
        case fresh(issued: Int64)
        /// Ours but older than the lifetime (answer `stale=true`).
        case stale(issued: Int64)
        /// Not made with our secret for this source (forged, another
        /// node's without a shared secret, or from before a restart).
        case unknown
    }

    public init(secret: [UInt8], lifetimeSeconds: Int64) {
        self.secret = secret
        self.lifetimeSeconds = lifetimeSeconds
    }

    static let macBytes = 16

    /// A new nonce for a challenge sent to `source` at `now` (seconds).
    public func make(now: Int64, source: String, random: [UInt8] = HMACSHA256.randomKey(count: 8)) -> String {
        var body = withUnsafeBytes(of: UInt64(bitPattern: now).bigEndian) { Array($0) }
        body += random
        return MessageDigest.hex(body + mac(body, source: source))
    }

    /// Whether `nonce` is one of ours for `source`, and how old.
    public func check(_ nonce: String, source: String, now: Int64) -> Check {
        guard nonce.utf8.count == 2 * (16 + Self.macBytes), let bytes = StirConfiguration.hexBytes(nonce) else { return .unknown }
        let body = Array(bytes.prefix(16))
        guard MessageDigest.constantTimeEqual(Array(bytes.suffix(Self.macBytes)), mac(body, source: source)) else { return .unknown }
        let issued = Int64(bitPattern: body.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        // A little slack for clocks of nodes sharing the secret; a nonce
        // from further in the future was not made by a sane node.
        guard issued <= now + 5 else { return .unknown }
        return now - issued > lifetimeSeconds ? .stale(issued: issued) : .fresh(issued: issued)
    }

    private func mac(_ body: [UInt8], source: String) -> [UInt8] {
        Array(MessageDigest.hmacSHA256(key: secret, body + Array(source.utf8)).prefix(Self.macBytes))
    }
}
