import STIRCore

/// What a peer's failed verification does (ATIS-1000074 §5.3.2; RFC 9410 §4).
public enum FailureAction: String, Equatable, Sendable, CaseIterable {
    /// Answer with the RFC 8224 §6.2.2 code and reason phrase.
    case reject
    /// Forward, annotated with `verstat` only.
    case `continue`
    /// Forward with `verstat` and a `Reason` header carrying the code.
    case continueWithReason = "continue_with_reason"
}

/// How a peer's requests must authenticate (`authenticate = digest`).
public enum AuthScheme: String, Equatable, Sendable, CaseIterable {
    /// SIP Digest with a proxy challenge (RFC 3261 §22.3, RFC 8760).
    case digest
    /// OAuth 2.0 Bearer tokens (RFC 8898), checked against `[bearer]`.
    case bearer
}

/// One `[peer "name"]`: who sends us traffic, how far we trust what it
/// asserts, and which STIR role applies to requests from it.
public struct PeerConfiguration: Equatable, Sendable {
    public var name: String
    /// Source networks; empty only for the catch-all peer named `default`
    /// or a peer known by `tlsIdentities`.
    public var networks: [IPNetwork] = []
    /// Verified TLS client certificates that are this peer whatever the
    /// source address (`TLSPeerIdentity` forms: DNS name, SIP URI, `sha256:`).
    public var tlsIdentities: [String] = []
    /// A trusted peer may assert P-Asserted-Identity, verstat and the
    /// attestation header (RFC 3325 §2.3 trust domain); from others they are removed.
    public var trusted = false
    /// Requests from this peer are signed (we are its authentication service).
    public var sign = false
    /// Requests from this peer are verified (we are the verification service).
    public var verify = false
    public var onFailure: FailureAction = .continue
    public var reasonForm: ReasonHeaderForm = .sip
    /// Answer 428 Use Identity Header when a request carries no usable Identity.
    public var requireIdentity = false
    /// Remove Identity headers from this peer instead of verifying or forwarding them.
    public var stripIdentity = false
    /// TNs this peer (customer account) owns: full attestation (ATIS-1000074 §5.2.3).
    public var tns = TNSet()
    /// A gateway trunk: the TNs it presents are not vouched for, attest C.
    public var gateway = false
    /// Out-of-dialog requests from this peer must carry credentials of an
    /// `[account]` (RFC 3261 §22.3); the account, not the peer, is then the
    /// originator attestation is decided for. Empty: the peer itself is.
    public var authenticate: Set<AuthScheme> = []
    /// The Digest algorithms offered to this peer, in this order; nil:
    /// `[auth]`'s (SHA-512-256, SHA-256, then MD5 if allowed). Some clients
    /// read only the first challenge (RFC 2617-era ones), so a peer of such
    /// devices may need MD5 first or alone.
    public var digestAlgorithms: [DigestAlgorithm]?
    /// A call from this (trusted) peer whose History-Info or Diversion shows
    /// a retarget gets a `div` PASSporT (RFC 8946 §4.1) from us.
    public var signDiv = false

    public init(name: String) { self.name = name }
}
