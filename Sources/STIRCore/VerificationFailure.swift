/// Every way verification of a request's Identity headers can fail, with a
/// stable `code` (for logs, metrics and tests). The mapping to RFC 8224
/// responses is the single table in `VerificationFailure+Response.swift`.
///
/// Floor: Asterisk res_stir_shaken's named outcomes; split further where an
/// operator needs to tell causes apart.
public enum VerificationFailure: Error, Equatable, Sendable {
    // MARK: no usable Identity header (RFC 8224 §6.2.2: 428)
    /// The request carries no Identity header.
    case noIdentity
    /// Only headers with a `ppt` we do not support (RFC 8224 §6.2 step 1: ignored).
    case unsupportedPPT(String)

    // MARK: the Identity header itself (438)
    /// The header value does not follow RFC 8224 §4.
    case identityHeaderMalformed(IdentityHeaderError)
    /// More Identity headers than the policy processes; the excess is ignored.
    case tooManyIdentityHeaders
    /// Compact form received but policy requires full form (SHAKEN, RFC 8588 §3).
    case compactFormNotAllowed
    /// Compact form that cannot be reconstructed (no Date, or an extension).
    case compactFormUnverifiable(String)
    /// The token is not a decodable JWS (segments, base64url, JSON).
    case tokenMalformed(PASSporTError)
    /// PASSporT header `alg` differs from the Identity `alg` (RFC 8224 §4.1).
    case algorithmMismatch
    /// PASSporT header `ppt` differs from the Identity `ppt` (RFC 8224 §4.1).
    case pptMismatch
    /// PASSporT `x5u` differs from Identity `info` (RFC 8224 §4.1).
    case x5uInfoMismatch
    /// The JOSE header's `crit` makes the JWS invalid: it names a parameter
    /// this verifier does not understand, or breaks the rules of RFC 7515
    /// §4.1.11 (empty, a standard parameter, a parameter not present).
    case criticalHeaderInvalid(String)

    // MARK: PASSporT content (438 "Invalid PASSporT")
    /// `typ` absent or not `passport` (RFC 8225 §4.1).
    case typInvalid
    /// A header member has the wrong type, or `x5u` is missing (RFC 8225 §4).
    case passportHeaderInvalid(String)
    /// A required claim is absent.
    case claimMissing(String)
    /// A claim has the wrong type or value.
    case claimInvalid(String)

    // MARK: credentials (436 / 437)
    /// `alg` other than ES256 (RFC 8225 §4.2; RFC 8224 §6.2.2: 437).
    case algorithmUnsupported(String)
    /// The `info`/`x5u` URI fails the fetch policy (scheme), so it is never dereferenced.
    case x5uNotAllowed(String)
    /// The certificate could not be obtained (timeout, HTTP error, too big).
    case certificateUnavailable(String)
    /// The certificate was obtained but is unusable (bad chain, expired, wrong key type).
    case certificateInvalid(String)
    /// The certificate is revoked.
    case certificateRevoked
    /// The certificate's TNAuthList does not cover the originating TN (RFC 8226 §9).
    case tnNotCovered

    // MARK: freshness (403 "Stale Date")
    /// `Date` header required by policy but absent.
    case dateMissing
    /// `Date` header is not an RFC 1123 date.
    case dateInvalid
    /// `Date` older than the freshness window (RFC 8224 §6.2 step 4).
    case staleDate
    /// `Date` further in the future than the allowed skew.
    case futureDate
    /// `iat` older than the freshness window.
    case staleIat
    /// `iat` further in the future than the allowed skew.
    case futureIat

    // MARK: identity match and signature (438)
    /// PASSporT `orig` is not the originating identity from SIP (RFC 8224 §6.2.4).
    case origMismatch
    /// No SIP destination identity appears in PASSporT `dest`.
    case destMismatch
    /// The signature does not verify over the received (or reconstructed) bytes.
    case signatureInvalid
    /// A `div` PASSporT that is not part of a valid chain (RFC 8946 §4.2):
    /// no link to an earlier `dest`, `orig` changed along the chain, an
    /// invalid or stale link, or an outermost `dest` that is not the target.
    case divChainInvalid(String)

    /// A stable snake_case code, unique per case (associated values dropped).
    public var code: String {
        switch self {
        case .noIdentity: return "identity_missing"
        case .unsupportedPPT: return "ppt_unsupported"
        case .identityHeaderMalformed: return "identity_header_malformed"
        case .tooManyIdentityHeaders: return "identity_header_excess"
        case .compactFormNotAllowed: return "compact_form_not_allowed"
        case .compactFormUnverifiable: return "compact_form_unverifiable"
        case .tokenMalformed: return "passport_malformed"
        case .algorithmMismatch: return "alg_mismatch"
        case .pptMismatch: return "ppt_mismatch"
        case .x5uInfoMismatch: return "x5u_info_mismatch"
        case .criticalHeaderInvalid: return "crit_invalid"
        case .typInvalid: return "typ_invalid"
        case .passportHeaderInvalid: return "passport_header_invalid"
        case .claimMissing: return "claim_missing"
        case .claimInvalid: return "claim_invalid"
        case .algorithmUnsupported: return "alg_unsupported"
        case .x5uNotAllowed: return "x5u_not_allowed"
        case .certificateUnavailable: return "cert_unavailable"
        case .certificateInvalid: return "cert_invalid"
        case .certificateRevoked: return "cert_revoked"
        case .tnNotCovered: return "tn_not_covered"
        case .dateMissing: return "date_missing"
        case .dateInvalid: return "date_invalid"
        case .staleDate: return "date_stale"
        case .futureDate: return "date_future"
        case .staleIat: return "iat_stale"
        case .futureIat: return "iat_future"
        case .origMismatch: return "orig_mismatch"
        case .destMismatch: return "dest_mismatch"
        case .signatureInvalid: return "signature_invalid"
        case .divChainInvalid: return "div_chain_invalid"
        }
    }

    /// Maps a PASSporT decoding / claim-rule error to a failure.
    init(_ error: PASSporTError) {
        switch error {
        case .malformedToken, .invalidBase64, .invalidJSON: self = .tokenMalformed(error)
        case .invalidHeader(let field): self = .passportHeaderInvalid(field)
        case .invalidCritical(let why): self = .criticalHeaderInvalid(why)
        case .missingClaim(let name): self = .claimMissing(name)
        case .invalidClaim(let name, _): self = .claimInvalid(name)
        }
    }
}
