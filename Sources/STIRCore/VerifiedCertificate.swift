import Crypto

/// A certificate that the certificate layer has already validated (chain,
/// validity, revocation per its policy). Verification only needs the key and
/// the TN authority check (RFC 8226 §9 TNAuthList).
public protocol VerifiedCertificate: Sendable {
    /// The subject public key.
    var publicKey: ES256PublicKey { get }
    /// True if the certificate's TN authority covers `originatingTN` (canonical).
    func covers(originatingTN: String) -> Bool
}

/// What the certificate layer found for one x5u URL.
public enum CertificateResult: Sendable {
    case available(any VerifiedCertificate)
    /// Use `.certificateUnavailable`, `.certificateInvalid`, `.certificateRevoked`
    /// or `.tnNotCovered` (any failure is accepted and reported as given).
    case failed(VerificationFailure)
}

/// A key with a fixed TN scope: for tests, `stirctl verify --cert`, and
/// deployments that pin keys without a PKI.
public struct StaticCertificate: VerifiedCertificate {
    public let publicKey: ES256PublicKey
    /// Covered TNs; nil covers every TN.
    public let coveredTNs: Set<String>?

    public init(publicKey: ES256PublicKey, coveredTNs: Set<String>? = nil) {
        self.publicKey = publicKey
        self.coveredTNs = coveredTNs
    }

    public func covers(originatingTN: String) -> Bool {
        coveredTNs?.contains(originatingTN) ?? true
    }
}
