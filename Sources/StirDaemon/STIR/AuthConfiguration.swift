/// `[auth]`: how stird authenticates originators with SIP Digest as a proxy
/// (RFC 3261 §22.3, RFC 7616, RFC 8760), and the accounts it knows
/// (`[account "name"]`). Nothing here is a password: accounts hold H(A1)
/// only (RFC 7616 §3.4.2), which is useless in any other realm.
public struct AuthConfiguration: Equatable, Sendable {
    /// The protection space (RFC 7616 §3.3 `realm`); part of every H(A1), so
    /// changing it invalidates every account's hashes.
    public var realm = ""
    /// How long a nonce is accepted; past it, a right answer gets
    /// `stale=true` (RFC 7616 §3.3) and the client retries without asking
    /// its user.
    public var nonceLifetimeSeconds: Int64 = 300
    /// Offer and accept MD5 (last, after the SHA-2 algorithms) for clients
    /// that know nothing else (RFC 8760 §2.4 keeps it only for them).
    public var allowMD5 = false
    /// Authenticate REGISTER from authenticating peers too, with 401 and
    /// WWW-Authenticate (RFC 3261 §22.2); otherwise REGISTER is relayed
    /// untouched for the registrar.
    public var authenticateRegister = false
    /// The key nonces are MACed with. nil: drawn at random at start-up (a
    /// restart makes every nonce handed out before it unknown, and other
    /// nodes cannot check this node's nonces).
    public var nonceSecret: [UInt8]?
    /// Failed authentications from one source address within
    /// `failureWindowSeconds` that lock it out.
    public var maxFailures = 10
    public var failureWindowSeconds: Int64 = 60
    /// How long a locked-out source is answered 403.
    public var lockoutSeconds: Int64 = 300
    /// Source addresses tracked for lock-out at once (memory bound).
    public var maxTrackedSources = 10_000
    /// Nonces whose highest nonce-count is remembered (replay check;
    /// memory bound).
    public var maxTrackedNonces = 100_000
    public var accounts: [AccountConfiguration] = []

    public init() {}

    /// The algorithms challenged with, most preferred first (RFC 8760 §2.4:
    /// SHA-512-256, then SHA-256, then MD5 if allowed).
    public var algorithms: [DigestAlgorithm] {
        allowMD5 ? [.sha512_256, .sha256, .md5] : [.sha512_256, .sha256]
    }
}
