import Certificates
import Crypto

/// `[verify]`: verification service and certificate policy (RFC 8224 §6.2).
public struct VerifyConfiguration: Equatable, Sendable {
    /// The keys the certificate provider is built from. A reload compares
    /// them with `==`: any change builds a new provider (and cache), none
    /// keeps the running one.
    public var certificates = CertificateSettings()
    /// Allowed x5u hosts (exact, case-insensitive); empty allows any host.
    /// The certificate source's own allow-list: changing it keeps the cache.
    public var x5uHosts: [String] = []
    /// Public keys that may hold a table of their multiples at once (about
    /// 150 KB each; 0: none), and the verifications with one key before it
    /// asks for one (`ES256KeyTables`).
    public var keyTables = 32
    public var keyTableThreshold = 32
    public var maxDateAgeSeconds: Int64 = 60
    public var maxIatAgeSeconds: Int64 = 60
    public var maxFutureSkewSeconds: Int64 = 5
    public var requireDate = false
    public var allowCompactForm = false
    public var acceptBaseline = false
    public var checkDestination = true
    public var maxIdentityHeaders = 10
    /// Max `iat` age of an inner link of a `div` chain (RFC 8946 §4.2 step
    /// 4); 0: `ppt=div` is not supported and no chain is built.
    public var divMaxAgeSeconds: Int64 = 0
    /// Rich Call Data presentation (RFC 9795); disabled: `ppt=rcd` is not supported.
    public var rcd = RcdPresentation()
    /// Where the forwarded request gets `verstat` (3GPP TS 24.229 §7.2A.20).
    public var verstatOnPAI = true
    public var verstatOnFrom = false
    /// Header that carries the verified attestation level to the core; nil: none.
    public var attestationHeader: String? = "X-Stir-Attestation"
    public init() {}

    /// The process-wide key-table budget these settings ask for.
    public var keyTablePolicy: ES256KeyTables.Policy {
        ES256KeyTables.Policy(capacity: keyTables, threshold: keyTableThreshold)
    }
}

/// The `[verify]` keys that shape certificate acquisition: trust, the x5u
/// fetcher, the cache and revocation.
public struct CertificateSettings: Equatable, Sendable {
    public var trustAnchorsFile: String?
    public var trustAnchorsDirectory: String?
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
    /// Revocation policies in order, e.g. short_lived, ocsp, crl.
    public var revocation: [RevocationStep] = [RevocationStep(.none)]
    public var revocationHardFail = false
    public var shortLivedMaxSeconds = 8 * 86_400
    public var requireSHAKENCommonName = false
    /// Tolerated clock difference for certificate notBefore (seconds).
    public var certNotBeforeSkewSeconds = 60
    public init() {}
}
