/// `[bearer]`: Bearer tokens (RFC 8898) for peers with `authenticate =
/// bearer`, signed by an authorization server whose keys are in a JWKS
/// file (RFC 7517).
public struct BearerConfiguration: Equatable, Sendable {
    /// The JSON Web Key Set (ES256 and RS256 keys); required once a peer
    /// accepts Bearer tokens. Re-read on SIGHUP.
    public var jwksFile: String?
    /// The `iss` every token must carry.
    public var issuer = ""
    /// The `aud` every token must carry (or list).
    public var audience = ""
    /// Where clients get tokens: the challenge's `authz_server` (RFC 8898 §3).
    public var authzServer = ""
    /// Clock difference tolerated on `exp` and `nbf`.
    public var leewaySeconds: Int64 = 30

    public init() {}
}
