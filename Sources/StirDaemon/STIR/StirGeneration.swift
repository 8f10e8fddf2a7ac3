import Foundation
import SIPProxy

/// One complete STIR setup built from one configuration: the scrub, auth,
/// verify and sign processors (nil when not configured) and the certificate source
/// they share. A generation is built and validated in full before any loop
/// sees it (SIGHUP: all or nothing), then handed to every loop's `StirLoop`.
/// It is immutable; its processors are thread-safe, so loops share it.
public final class StirGeneration {
    /// 1 at start-up, +1 per applied reload (logs).
    public let number: Int
    public let config: StirConfiguration
    public let scrub: ScrubProcessor?
    /// Digest authentication of originators (nil when no peer authenticates).
    public let auth: AuthenticationProcessor?
    public let verify: VerificationProcessor?
    public let sign: SigningProcessor?
    /// Retargeting and `div` signing (RFC 8946 §4.1), after sign.
    public let retarget: RetargetProcessor?
    /// Rich Call Data signing (RFC 9795), after sign, before retarget.
    public let rcd: RcdSigningProcessor?
    /// The verification side's certificate cache, kept across reloads while
    /// the settings it was built from stay the same.
    public let certificateSource: CertificateSource?
    /// What the certificate cache was built from (`CertificateSettings`)
    /// plus the trust files' contents; nil without verification.
    let cacheIdentity: CacheIdentity?

    init(number: Int, config: StirConfiguration, scrub: ScrubProcessor?, auth: AuthenticationProcessor? = nil, verify: VerificationProcessor?, sign: SigningProcessor?,
         retarget: RetargetProcessor? = nil, rcd: RcdSigningProcessor? = nil, certificateSource: CertificateSource?, cacheIdentity: CacheIdentity?) {
        self.number = number
        self.config = config
        self.scrub = scrub
        self.auth = auth
        self.verify = verify
        self.sign = sign
        self.retarget = retarget
        self.rcd = rcd
        self.certificateSource = certificateSource
        self.cacheIdentity = cacheIdentity
    }

    /// The processors in chain order (scrub, auth, verify, sign, rcd, retarget), without the absent ones.
    public var processors: [RequestProcessor] { [scrub as RequestProcessor?, auth, verify, sign, rcd, retarget].compactMap { $0 } }

    /// The settings a certificate cache depends on, and a digest of the trust
    /// anchor and HTTPS CA files, so a reload that replaces a roots file in
    /// place also counts as a trust change.
    struct CacheIdentity: Equatable {
        let settings: CertificateSettings
        let trustFiles: [String: [UInt8]]
    }
}

/// What happened to the certificate cache on a reload (the reload log line).
public enum CertificateCacheFate: String, Sendable {
    /// No verifying peer before or after.
    case none
    /// Same trust settings and files: cached certificates are kept.
    case kept
    /// Trust or fetch settings (or the trust files) changed: a new, empty cache.
    case rebuiltTrustChanged = "rebuilt (trust settings changed)"
    /// Verification was just enabled: a new cache.
    case created
    /// Verification was disabled: the cache is dropped with the old generation.
    case dropped
}
