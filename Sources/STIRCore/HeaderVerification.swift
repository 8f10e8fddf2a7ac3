/// What happened to one Identity header.
public enum HeaderOutcome: Equatable, Sendable {
    /// Signature and every check passed.
    case valid
    /// Not examined (RFC 8224 §6.2 step 1: unsupported `ppt`; or over the header limit).
    case ignored(VerificationFailure)
    /// Examined and invalid.
    case failed(VerificationFailure)

    /// The failure, if ignored or failed.
    public var failure: VerificationFailure? {
        switch self {
        case .valid: return nil
        case .ignored(let f), .failed(let f): return f
        }
    }
}

/// The result for one Identity header, with whatever could be decoded from it.
public struct HeaderVerification: Sendable {
    /// Position among the request's Identity headers (0-based, in order received).
    public let index: Int
    /// The header value as received.
    public let value: String
    /// The parsed header, if it parsed.
    public let identityHeader: IdentityHeader?
    /// The PASSporT protected header (reconstructed for compact form).
    public let passportHeader: PASSporTHeader?
    /// The PASSporT claims (reconstructed for compact form).
    public let claims: PASSporTClaims?
    public let outcome: HeaderOutcome
    /// The signature verified with a certificate covering the signer's
    /// identity, whatever the outcome: a link of a `div` chain (RFC 8946
    /// §4.2) may fail alone (older `iat`, `dest` not the current target)
    /// and still count in the chain.
    public var signatureValid = false

    /// The header's `ppt` (nil for a baseline PASSporT).
    public var ppt: String? { identityHeader?.ppt }

    /// SHAKEN attestation claimed by this header.
    public var attestation: Attestation? { claims?.attest }

    /// The compact form (`..signature`) of this header's PASSporT, as RFC 9410
    /// §5 RECOMMENDS for `ppi`; nil if the header did not parse.
    public var compactPASSporT: String? {
        guard let token = identityHeader?.token, let dot = token.lastIndex(of: ".") else { return nil }
        return ".." + token[token.index(after: dot)...]
    }

    func with(outcome: HeaderOutcome, signatureValid: Bool? = nil) -> HeaderVerification {
        var copy = HeaderVerification(index: index, value: value, identityHeader: identityHeader, passportHeader: passportHeader,
                                      claims: claims, outcome: outcome)
        copy.signatureValid = signatureValid ?? self.signatureValid
        return copy
    }
}
