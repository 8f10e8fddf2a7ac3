// Typed outcomes of certificate acquisition and validation.
// ARCHITECTURE.md rule 5: one stable code per failure, mapped by the caller to
// an RFC 8224 §6.2.2 response (436/437) and a metric label.

/// Why a certificate referenced by an x5u URL could not be used.
///
/// `code` is stable across releases and suitable as a metric label; the
/// associated strings are diagnostic context only and never compared by
/// callers that map to SIP responses.
public enum CertificateFailure: Error, Equatable, Hashable, Sendable {
    /// The URL breaks the x5u rules (ATIS-1000074 §5.3.1: https, port, no
    /// query/userinfo/fragment) or resolved to a special-purpose address.
    case forbiddenURL(String)
    /// Transport failure, non-200 status, redirect, empty or oversize body.
    case fetchFailed(String)
    /// The fetch (or the whole lookup) ran past its deadline.
    case fetchTimeout
    /// The body is not a PEM certificate chain.
    case malformed(String)
    /// Path validation failed for a reason other than trust or time.
    case chainInvalid(String)
    /// The chain does not end at a configured trust anchor.
    case untrustedRoot
    /// A certificate of the chain is expired at the time checked.
    case expired
    /// A certificate of the chain is not yet valid at the time checked.
    case notYetValid
    /// The leaf carries no TNAuthList (RFC 8226 §9, ATIS-1000080 requires one).
    case noTNAuthList
    /// The leaf CN is not `SHAKEN <SPC>` (ATIS-1000080), when that check is on.
    case subjectMismatch(String)
    /// A revocation policy found the leaf revoked (OCSP or CRL).
    case revoked
    /// Hard-fail revocation policy could not obtain a status.
    case revocationUnknown(String)

    /// Stable snake_case code (metric label, log field, `stirctl` output).
    public var code: String {
        switch self {
        case .forbiddenURL: return "forbidden_url"
        case .fetchFailed: return "fetch_failed"
        case .fetchTimeout: return "fetch_timeout"
        case .malformed: return "malformed"
        case .chainInvalid: return "chain_invalid"
        case .untrustedRoot: return "untrusted_root"
        case .expired: return "expired"
        case .notYetValid: return "not_yet_valid"
        case .noTNAuthList: return "no_tnauthlist"
        case .subjectMismatch: return "subject_mismatch"
        case .revoked: return "revoked"
        case .revocationUnknown: return "revocation_unknown"
        }
    }

    /// Failures caused by the remote side being unreachable or slow; these are
    /// negatively cached with backoff, others for the plain negative TTL.
    public var isTransient: Bool {
        switch self {
        case .fetchFailed, .fetchTimeout, .revocationUnknown: return true
        default: return false
        }
    }
}
