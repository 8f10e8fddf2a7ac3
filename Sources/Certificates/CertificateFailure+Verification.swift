public import STIRCore

extension CertificateFailure {
    /// The RFC 8224 §6.2.2 outcome of a certificate that could not be used:
    /// 436 (Bad Identity Info) when it could not be obtained, 437
    /// (Unsupported Credential) when it was obtained but is not acceptable
    /// (ATIS-1000074 §5.3.2), 438 territory is the signature's, not ours.
    /// A body that is not a certificate chain counts as not obtained (the
    /// URL did not give a credential); a revocation status that could not be
    /// learned under a hard-fail policy counts as not acceptable.
    /// `detail` is what the caller reports with it (a stable code in the
    /// daemon, a sentence in stirctl).
    public func verificationFailure(detail: String) -> VerificationFailure {
        switch self {
        case .forbiddenURL: return .x5uNotAllowed(detail)
        case .fetchFailed, .fetchTimeout, .malformed: return .certificateUnavailable(detail)
        case .revoked: return .certificateRevoked
        case .chainInvalid, .untrustedRoot, .expired, .notYetValid, .noTNAuthList, .subjectMismatch, .revocationUnknown:
            return .certificateInvalid(detail)
        }
    }
}
