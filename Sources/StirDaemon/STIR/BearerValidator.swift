import STIRCore

/// Checks a Bearer token (RFC 8898 §3, RFC 6750) presented in
/// `Proxy-Authorization`: a JWS-signed JWT (RFC 7519) whose signature
/// verifies with a key of the configured key set, ES256 or RS256 only (so
/// `alg: none` and HMAC algorithms never pass), issued by `issuer` for
/// `audience`, within `exp` and `nbf` give or take `leeway`. Its `sub`
/// names the account (`bearer_subject`).
public struct BearerValidator: Sendable {
    let keys: JWKSet
    let config: BearerConfiguration

    /// Longest token read; a real one is one to two kilobytes.
    public static let maximumLength = 8_192

    public init(keys: JWKSet, config: BearerConfiguration) {
        self.keys = keys
        self.config = config
    }

    /// Why a token is refused; all of them are RFC 6750 `invalid_token`.
    public enum Failure: Error, Equatable, Sendable {
        case malformed(String)
        case unsupportedAlgorithm(String)
        case noKey
        case badSignature
        case wrongIssuer
        case wrongAudience
        case expired
        case notYetValid
        case noSubject
    }

    /// The token's subject, or why it is not valid at `now` (seconds).
    public func validate(_ token: String, now: Int64) -> Result<String, Failure> {
        guard token.utf8.count <= Self.maximumLength else { return .failure(.malformed("token too long")) }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]) else { return .failure(.malformed("not a JWS compact serialization")) }
        let reader = JSONReader()
        guard let header = try? reader.parse(headerBytes), let claims = try? reader.parse(payloadBytes),
              header.objectValue != nil, claims.objectValue != nil else { return .failure(.malformed("header or claims not a JSON object")) }
        guard let alg = header["alg"]?.stringValue else { return .failure(.malformed("no alg")) }
        guard alg == "ES256" || alg == "RS256" else { return .failure(.unsupportedAlgorithm(alg)) }
        if header["crit"] != nil { return .failure(.malformed("crit not understood")) }  // RFC 7515 §4.1.11
        let candidates = keys.candidates(alg: alg, kid: header["kid"]?.stringValue)
        guard !candidates.isEmpty else { return .failure(.noKey) }
        let input = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        let verified = candidates.contains { key in
            switch key {
            case .es256(let k): return k.isValidSignature(signature, for: input)
            case .rs256(let k): return k.isValidSignature(signature, for: input)
            }
        }
        guard verified else { return .failure(.badSignature) }
        guard claims["iss"]?.stringValue == config.issuer else { return .failure(.wrongIssuer) }
        let audiences = claims["aud"]?.arrayValue?.compactMap(\.stringValue) ?? claims["aud"]?.stringValue.map { [$0] } ?? []
        guard audiences.contains(config.audience) else { return .failure(.wrongAudience) }
        guard let exp = claims["exp"]?.integerValue else { return .failure(.malformed("no integer exp")) }
        guard now <= exp + config.leewaySeconds else { return .failure(.expired) }
        if let nbfValue = claims["nbf"] {
            guard let nbf = nbfValue.integerValue else { return .failure(.malformed("nbf not an integer")) }
            guard now + config.leewaySeconds >= nbf else { return .failure(.notYetValid) }
        }
        guard let sub = claims["sub"]?.stringValue, !sub.isEmpty else { return .failure(.noSubject) }
        return .success(sub)
    }
}
