import Crypto

/// `[account "name"]`: one originator that authenticates, with Digest, a
/// Bearer token or a verified TLS client certificate.
public struct AccountConfiguration: Equatable, Sendable {
    /// The section label; also the Digest `username` (RFC 7616 §3.4).
    public var name: String
    /// H(username:realm:password) per algorithm, lower-case hex.
    public var ha1: [DigestAlgorithm: String] = [:]
    /// TNs the account owns: attestation A for calls from them
    /// (ATIS-1000074 §5.2.3).
    public var tns = TNSet()
    /// The `sub` of a Bearer token that stands for this account (RFC 8898 §3).
    public var bearerSubject: String?
    /// `rue_login_hash`: the PBKDF2 hash of the password the account's user
    /// gives the RUE configuration service (RFC 9248 §9); nil: no RUE.
    public var rueLogin: PasswordKDF?
    /// `tls_identities`: verified TLS client certificates that are this
    /// account (`TLSPeerIdentity` forms), e.g. a relay user equipment's
    /// device certificate (mutual TLS, RFC 5922 §7.3); a request over a
    /// connection presenting one needs no Digest challenge.
    public var tlsIdentities: [String] = []

    public init(name: String) { self.name = name }
}
