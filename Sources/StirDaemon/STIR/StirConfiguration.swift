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

/// One `[peer "name"]`: who sends us traffic, how far we trust what it
/// asserts, and which STIR role applies to requests from it.
public struct PeerConfiguration: Equatable, Sendable {
    public var name: String
    /// Source networks; empty only for the catch-all peer named `default`.
    public var networks: [IPNetwork] = []
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

    public init(name: String) { self.name = name }
}

/// One `[credential "name"]`: a signing key, the x5u where its certificate
/// is published, and the TNs it may sign for (RFC 8224 §6.1: authority).
public struct CredentialConfiguration: Equatable, Sendable {
    public var name: String
    public var privateKeyFile = ""
    /// Optional local copy of the certificate, checked against the key at load.
    public var certificateFile: String?
    public var x5u = ""
    /// Service provider code (informational, logs).
    public var spc: String?
    /// TNs covered; empty covers every TN (an SPC-scoped SHAKEN certificate).
    public var tns = TNSet()

    public init(name: String) { self.name = name }
}

/// `[sign]`: authentication service policy (RFC 8224 §6.1, ATIS-1000074 §5.2).
public struct SignConfiguration: Equatable, Sendable {
    /// Largest |Date - now| accepted on an outgoing request (RFC 8224 §6.1 step 3: 60 s).
    public var maxDateSkewSeconds: Int64 = 60
    /// Replace a skewed Date with the current time instead of answering 403.
    public var redateSkewed = false
    /// Attestation for a TN the originator does not own; nil: do not sign.
    public var notOwnedAttestation: Attestation? = .b
    /// Do not sign calls to destinations starting with one of these canonical prefixes.
    public var skipDestinationPrefixes: [String] = []
    /// When not empty, sign only calls to destinations starting with one of these.
    public var onlyDestinationPrefixes: [String] = []
    public init() {}
}

/// `[verify]`: verification service and certificate policy (RFC 8224 §6.2).
public struct VerifyConfiguration: Equatable, Sendable {
    public var trustAnchorsFile: String?
    public var trustAnchorsDirectory: String?
    /// Allowed x5u hosts (exact, case-insensitive); empty allows any host.
    public var x5uHosts: [String] = []
    public var x5uPorts: [Int] = [443, 8443]
    public var x5uAllowHTTP = false
    /// Let x5u/OCSP/CRL fetches reach loopback and other RFC 6890 ranges (tests only).
    public var allowSpecialPurposeAddresses = false
    /// CA bundle for authenticating x5u HTTPS servers; nil: system store.
    public var httpsCAFile: String?
    public var cacheMaxEntries = 10_000
    public var cacheDefaultTTLSeconds = 86_400
    public var cacheMinTTLSeconds = 300
    public var cacheMaxTTLSeconds = 7 * 86_400
    public var negativeTTLSeconds = 10
    public var negativeTTLMaxSeconds = 300
    public var fetchTimeoutMs = 2_000
    public var lookupDeadlineMs = 4_000
    public var fetchMaxBytes = 64 * 1024
    public var cacheDirectory: String?
    /// Revocation policies in order, e.g. `["short_lived", "ocsp", "crl"]`.
    public var revocation: [String] = ["none"]
    public var revocationHardFail = false
    public var shortLivedMaxSeconds = 8 * 86_400
    public var requireSHAKENCommonName = false
    public var maxDateAgeSeconds: Int64 = 60
    public var maxIatAgeSeconds: Int64 = 60
    public var maxFutureSkewSeconds: Int64 = 5
    public var requireDate = false
    public var allowCompactForm = false
    public var acceptBaseline = false
    public var checkDestination = true
    public var maxIdentityHeaders = 10
    /// Where the forwarded request gets `verstat` (3GPP TS 24.229 §7.2A.20).
    public var verstatOnPAI = true
    public var verstatOnFrom = false
    /// Header that carries the verified attestation level to the core; nil: none.
    public var attestationHeader: String? = "X-Stir-Attestation"
    public init() {}
}

/// Everything STIR-related in the INI.
public struct StirConfiguration: Equatable, Sendable {
    public var peers: [PeerConfiguration] = []
    public var credentials: [CredentialConfiguration] = []
    public var sign = SignConfiguration()
    public var verify = VerifyConfiguration()
    /// Identity extraction shared by signing and verification (RFC 8224 §8).
    public var originatingSource: OriginatingIdentitySource = .pAssertedIdentityThenFrom
    public var destinationSource: DestinationIdentitySource = .to
    public var tnDetection: TNDetection = .lenient
    /// `nanp` (country code 1, 10-digit national numbers) or `e164` (digits as given).
    public var numberingPlan: TNCanonicalizer = .nanp

    public init() {}

    /// True when any peer is configured: the STIR processors are installed.
    public var isEnabled: Bool { !peers.isEmpty }

    public var extractionPolicy: IdentityExtractionPolicy {
        IdentityExtractionPolicy(originatingSource: originatingSource, destinationSource: destinationSource,
                                 tnDetection: tnDetection, canonicalizer: numberingPlan)
    }
}
