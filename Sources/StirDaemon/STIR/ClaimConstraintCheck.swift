import STIRCore

/// RFC 8226 §8: a certificate's JWT Claim Constraints limit which claims
/// and values the PASSporTs it signs may carry (e.g. only `attest` A).
/// VerificationPlan does not see them, so this wraps `finish`: when the
/// chosen valid header violates its certificate's constraints, that
/// certificate is treated as unusable for the request (438 Invalid
/// PASSporT) and the set is decided again (RFC 8224 §6.2.1: another header
/// may still be valid).
enum ClaimConstraintCheck {
    static func finish(_ plan: VerificationPlan, certificates: [String: CertificateResult]) -> VerificationResult {
        var certificates = certificates
        var result = plan.finish(certificates: certificates)
        for _ in 0..<certificates.count {
            guard case .valid(let index, _) = result.outcome else { return result }
            let header = result.headers[index]
            guard let info = header.identityHeader?.info, case .available(let certificate)? = certificates[info],
                  let chain = (certificate as? ChainCertificate)?.chain, let constraints = chain.jwtClaimConstraints,
                  let payload = payloadJSON(header), let why = constraints.violation(payloadJSON: payload) else { return result }
            certificates[info] = .failed(.claimInvalid("JWT Claim Constraints: \(why)"))
            result = plan.finish(certificates: certificates)
        }
        return result
    }

    /// The decoded payload of a full-form token (compact form carries none).
    static func payloadJSON(_ header: HeaderVerification) -> [UInt8]? {
        guard let identity = header.identityHeader, !identity.isCompact else { return nil }
        let parts = identity.token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        return Base64URL.decode(parts[1])
    }
}
