import Certificates
import Crypto
import STIRCore
import StirDaemon

/// A validated x5u chain as the verifier's certificate: the leaf key and
/// the TNAuthList check of RFC 8226 §9 (leaf and CA-level lists).
struct ChainCertificate: VerifiedCertificate {
    let chain: ValidatedChain
    let publicKey: ES256PublicKey

    init(_ chain: ValidatedChain) throws {
        self.chain = chain
        publicKey = try ES256PublicKey(derSPKI: chain.leafPublicKeySPKI)
    }

    func covers(originatingTN: String) -> Bool { chain.covers(tn: originatingTN) }

    /// The verifier's view of a certificate lookup (RFC 8224 §6.2.2: 436
    /// when the credential cannot be obtained, 437 when it is unusable).
    static func result(_ lookup: Result<ValidatedChain, CertificateFailure>) -> CertificateResult {
        switch lookup {
        case .success(let chain):
            do { return .available(try ChainCertificate(chain)) } catch {
                return .failed(.certificateInvalid("leaf key: \(error)"))
            }
        case .failure(let failure):
            return .failed(verificationFailure(failure))
        }
    }

    static func verificationFailure(_ failure: CertificateFailure) -> VerificationFailure {
        failure.verificationFailure(detail: CertificateText.failure(failure))
    }
}
