import Crypto

/// A Digest `algorithm` value (RFC 7616 §3.2, §6.1), with its hash. The
/// `-sess` variants are not offered: their H(A1) depends on the client's
/// cnonce, which a stored H(A1) cannot serve for a proxy anyway.
public enum DigestAlgorithm: String, CaseIterable, Sendable, Hashable {
    case md5 = "MD5"
    case sha256 = "SHA-256"
    case sha512_256 = "SHA-512-256"

    /// The algorithm named `text` (case-insensitive, RFC 7616 §3.4); an
    /// absent parameter means MD5 (RFC 7616 §3.3).
    public init?(token text: String?) {
        guard let text else {
            self = .md5
            return
        }
        guard let found = Self.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else { return nil }
        self = found
    }

    public var digest: MessageDigest {
        switch self {
        case .md5: return .md5
        case .sha256: return .sha256
        case .sha512_256: return .sha512_256
        }
    }

    /// Hex digits of one hash (32 for MD5, 64 for the SHA-2 ones).
    public var hexLength: Int { digest.length * 2 }

    /// The INI key holding an account's H(A1) for this algorithm.
    public var ha1Key: String {
        switch self {
        case .md5: return "ha1_md5"
        case .sha256: return "ha1_sha256"
        case .sha512_256: return "ha1_sha512_256"
        }
    }

    /// H(A1) = H(username ":" realm ":" password) (RFC 7616 §3.4.2).
    public func ha1(username: String, realm: String, password: String) -> String {
        digest.hex("\(username):\(realm):\(password)")
    }

    /// The `response` for qop=auth (RFC 7616 §3.4.1): KD(H(A1),
    /// nonce:nc:cnonce:qop:H(A2)) with A2 = method:digest-uri (§3.4.3).
    public func response(ha1: String, nonce: String, nc: String, cnonce: String, qop: String, method: String, uri: String) -> String {
        let ha2 = digest.hex("\(method):\(uri)")
        return digest.hex("\(ha1):\(nonce):\(nc):\(cnonce):\(qop):\(ha2)")
    }
}
