/// The one table that maps a verification failure to what the proxy does
/// with it (RFC 8224 §6.2.2, §13.2; RFC 9410; 3GPP verstat).
import SIPCore

extension SIPStatus {
    /// RFC 8224 §6.1.1 and §6.2.1: a Date too far from now, when signing
    /// or verifying.
    public static let staleDate = SIPStatus(403, reason: "Stale Date")
}

extension VerificationFailure: SIPResponseError {
    /// The SIP response for a reject policy: status code and reason phrase.
    public var status: SIPStatus {
        switch self {
        case .noIdentity:
            return SIPStatus(428, reason: "Use Identity Header")
        case .unsupportedPPT:
            return SIPStatus(428, reason: "Use Supported PASSporT Format")
        case .x5uNotAllowed, .certificateUnavailable:
            return SIPStatus(436, reason: "Bad Identity Info")
        case .algorithmUnsupported, .certificateInvalid, .certificateRevoked, .tnNotCovered:
            return SIPStatus(437, reason: "Unsupported Credential")
        case .staleDate, .futureDate, .staleIat, .futureIat:
            return .staleDate
        case .typInvalid, .passportHeaderInvalid, .claimMissing, .claimInvalid:
            // RFC 8224 §13.2 alternative phrase for missing/invalid PASSporT content.
            return SIPStatus(438, reason: "Invalid PASSporT")
        case .identityHeaderMalformed, .tooManyIdentityHeaders, .compactFormNotAllowed, .compactFormUnverifiable,
             .tokenMalformed, .algorithmMismatch, .pptMismatch, .x5uInfoMismatch, .criticalHeaderInvalid, .dateMissing, .dateInvalid,
             .origMismatch, .destMismatch, .signatureInvalid, .divChainInvalid:
            return SIPStatus(438, reason: "Invalid Identity Header")
        }
    }

    /// The 3GPP TS 24.229 `verstat` value for the forwarded request.
    public var verstat: Verstat {
        switch self {
        case .noIdentity, .unsupportedPPT: return .noValidation
        default: return .failed
        }
    }

    /// Rank used to pick one failure for the whole request (RFC 8224 §6.2.2);
    /// lower wins. 436 only when every header lacked its credential is
    /// handled by the caller.
    var precedence: Int {
        switch status.code {
        case 437: return 1
        case 403: return 2
        case 438: return 3
        case 436: return 4
        default: return 5
        }
    }

    /// `Reason` header value (RFC 3326 syntax) in the given form;
    /// `passport` is the PASSporT to cite in RFC 9410 `ppi` (compact form
    /// RECOMMENDED), used only for the STIR form.
    public func reasonHeaderValue(_ form: ReasonHeaderForm, ppi passport: String? = nil) -> String {
        let proto = form == .sip ? "SIP" : "STIR"
        var value = "\(proto) ;cause=\(status.code) ;text=\"\(status.reason)\""
        if form == .stir, let passport, !passport.isEmpty {
            value += " ;ppi=\"\(passport)\""
        }
        return value
    }
}

/// Which protocol token a `Reason` header uses for a continue-on-failure policy.
public enum ReasonHeaderForm: String, Sendable, CaseIterable {
    /// `Reason: SIP ;cause=438 ;text="..."` (ATIS-1000074 §5.3.2).
    case sip
    /// `Reason: STIR ;cause=438 ;text="..."` (RFC 9410 §4–5).
    case stir
}

/// Verification status for P-Asserted-Identity / From `verstat` (3GPP TS 24.229 §7.2A.20).
public enum Verstat: String, Sendable, CaseIterable {
    case passed = "TN-Validation-Passed"
    case failed = "TN-Validation-Failed"
    case noValidation = "No-TN-Validation"
}
