import Crypto
import Foundation
import STIRCore

/// The keys Bearer tokens are checked against: a JSON Web Key Set
/// (RFC 7517 §5) from a file the authorization server publishes. Only
/// signature keys for ES256 (EC P-256, RFC 7518 §6.2) and RS256 (RSA of at
/// least 2048 bits, §6.3) are kept; a key with another `kty`, curve, `use`
/// or `alg` is skipped, and a set with no usable key is refused.
public final class JWKSet: Sendable {
    /// A usable key and what signs with it.
    public enum Key: Sendable {
        case es256(ES256PublicKey)
        case rs256(RS256PublicKey)

        var algorithm: String {
            switch self {
            case .es256: return "ES256"
            case .rs256: return "RS256"
            }
        }
    }

    public let keys: [(kid: String?, key: Key)]
    /// Keys skipped as unusable (for the log line at load).
    public let skipped: Int

    /// Why a key set cannot be used.
    public struct LoadError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public init(json: [UInt8]) throws {
        let value: JSONValue
        do { value = try JSONReader(limits: .init(maxBytes: 1 << 20, maxDepth: 8, maxValues: 100_000)).parse(json) } catch {
            throw LoadError(description: "not a JSON Web Key Set: \(error)")
        }
        guard let list = value["keys"]?.arrayValue else { throw LoadError(description: "no \"keys\" array (RFC 7517 §5)") }
        var keys: [(kid: String?, key: Key)] = []
        var skipped = 0
        for jwk in list {
            if let key = Self.key(jwk) { keys.append((jwk["kid"]?.stringValue, key)) } else { skipped += 1 }
        }
        guard !keys.isEmpty else { throw LoadError(description: "no usable ES256 (EC P-256) or RS256 (RSA >= 2048 bits) signature key") }
        self.keys = keys
        self.skipped = skipped
    }

    public static func load(path: String) throws -> JWKSet {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError(description: "cannot read \(path)") }
        return try JWKSet(json: Array(data))
    }

    /// The keys that may have signed a token with `alg` and `kid`: the one
    /// with that kid, or every key of that algorithm when the token names none.
    func candidates(alg: String, kid: String?) -> [Key] {
        keys.filter { $0.key.algorithm == alg && (kid == nil || $0.kid == kid) }.map(\.key)
    }

    private static func key(_ jwk: JSONValue) -> Key? {
        if let use = jwk["use"]?.stringValue, use != "sig" { return nil }
        let alg = jwk["alg"]?.stringValue
        switch jwk["kty"]?.stringValue {
        case "EC":
            guard alg == nil || alg == "ES256", jwk["crv"]?.stringValue == "P-256",
                  let x = jwk["x"]?.stringValue.flatMap(Base64URL.decode), let y = jwk["y"]?.stringValue.flatMap(Base64URL.decode),
                  x.count == 32, y.count == 32 else { return nil }
            // SubjectPublicKeyInfo for id-ecPublicKey on prime256v1 (RFC 5480 §2), uncompressed point.
            let prefix: [UInt8] = [0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
                                   0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04]
            return (try? ES256PublicKey(derSPKI: prefix + x + y)).map(Key.es256)
        case "RSA":
            guard alg == nil || alg == "RS256", let n = jwk["n"]?.stringValue.flatMap(Base64URL.decode),
                  let e = jwk["e"]?.stringValue.flatMap(Base64URL.decode) else { return nil }
            return (try? RS256PublicKey(modulus: n, exponent: e)).map(Key.rs256)
        default:
            return nil
        }
    }
}
