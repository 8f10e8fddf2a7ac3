// RFC 5280 §6 basic path validation (OpenSSL) plus the STIR certificate
// checks of RFC 8226 §8–§10 and ATIS-1000080 §6.4.1.
import COpenSSL
import Crypto
public import Foundation

/// Validates a PEM chain as served at x5u against trust anchors at a given
/// time. Synchronous and CPU-only: callers run it off the SIP loop.
public struct ChainValidator: Sendable {
    /// STI-PA trust anchors.
    public var anchors: TrustAnchors
    /// Reject leaves without TNAuthList (RFC 8226 §9; ATIS-1000080). Default on.
    public var requireTNAuthList = true
    /// Require leaf CN == "SHAKEN " + SPC (ATIS-1000080 v004+). Default off:
    /// deployed certificates vary.
    public var requireSHAKENCommonName = false
    /// Require a P-256 leaf key: PASSporTs are ES256 (RFC 8225, RFC 8226 §4).
    public var requireP256 = true

    /// id-pe-TNAuthList (RFC 8226 §9).
    static let tnAuthListOID = "1.3.6.1.5.5.7.1.26"
    /// id-pe-JWTClaimConstraints (RFC 8226 §8).
    static let jwtClaimConstraintsOID = "1.3.6.1.5.5.7.1.27"

    /// Validator with the default STIR checks against `anchors`.
    public init(anchors: TrustAnchors) { self.anchors = anchors }

    /// Parses and validates `pem` (leaf first, then intermediates; extra
    /// certificates are only used as untrusted path candidates) at `time`.
    /// A certificate whose notBefore is at most this far after `time` still
    /// validates: a certificate issued seconds ago by a CA whose clock runs a
    /// little ahead (short-lived certificates are often used at once) is not
    /// refused as not yet valid. 0 = exact. notAfter gets no tolerance.
    public var notBeforeTolerance: TimeInterval = 0

    public func validate(pem: [UInt8], at time: Date) -> Result<ValidatedChain, CertificateFailure> {
        do {
            let served = try X509Certificate.parsePEMChain(pem)
            let path: [X509Certificate]
            do {
                path = try buildPath(served, at: time)
            } catch CertificateFailure.notYetValid where notBeforeTolerance > 0 {
                // Not yet valid now: valid within the tolerance? (Expiry is
                // then checked at the later time, which is only stricter.)
                path = try buildPath(served, at: time.addingTimeInterval(notBeforeTolerance))
            }
            var chain = try checkSTIR(path: path, servedPEM: pem)
            chain.notBeforeTolerance = notBeforeTolerance
            return .success(chain)
        } catch let failure as CertificateFailure {
            return .failure(failure)
        } catch {
            return .failure(.chainInvalid("\(error)"))
        }
    }

    private func buildPath(_ served: [X509Certificate], at time: Date) throws -> [X509Certificate] {
        guard let context = X509_STORE_CTX_new() else { throw CertificateFailure.chainInvalid("X509_STORE_CTX_new") }
        defer { X509_STORE_CTX_free(context) }
        let untrusted = stird_sk_X509_new_null()
        defer { stird_sk_X509_free(untrusted) }
        for certificate in served.dropFirst() { _ = stird_sk_X509_push(untrusted, certificate.pointer) }
        guard X509_STORE_CTX_init(context, anchors.store, served[0].pointer, untrusted) == 1 else {
            throw CertificateFailure.chainInvalid(OpenSSLErrorQueue.drainText())
        }
        let parameters = X509_STORE_CTX_get0_param(context)
        X509_VERIFY_PARAM_set_time(parameters, time_t(time.timeIntervalSince1970))
        // Partial chains are not accepted: the path must end at an anchor.
        if X509_verify_cert(context) != 1 {
            let code = X509_STORE_CTX_get_error(context)
            OpenSSLErrorQueue.clear()
            throw Self.failure(forVerifyError: code)
        }
        guard let chain = stird_X509_STORE_CTX_get0_chain(context) else {
            throw CertificateFailure.chainInvalid("no chain built")
        }
        return (0..<stird_sk_X509_num(chain)).compactMap { index in
            guard let x509 = stird_sk_X509_value(chain, index) else { return nil }
            X509_up_ref(x509)
            return X509Certificate(owning: x509)
        }
    }

    private func checkSTIR(path: [X509Certificate], servedPEM: [UInt8]) throws -> ValidatedChain {
        let leaf = path[0]
        guard !leaf.isCA else { throw CertificateFailure.chainInvalid("leaf is a CA certificate") }
        // ATIS-1000080: EE key usage is digitalSignature (needed to sign PASSporTs).
        if let usage = leaf.keyUsage, usage & UInt32(KU_DIGITAL_SIGNATURE) == 0 {
            throw CertificateFailure.chainInvalid("leaf keyUsage lacks digitalSignature")
        }
        if requireP256, leaf.ecCurveName != "prime256v1" {
            throw CertificateFailure.chainInvalid("leaf key is not P-256")
        }
        var leafList: TNAuthList?
        if let der = leaf.extensionValue(oid: Self.tnAuthListOID) {
            do { leafList = try TNAuthList(der: der) } catch {
                throw CertificateFailure.chainInvalid("leaf TNAuthList: \(error)")
            }
        }
        if requireTNAuthList, leafList == nil { throw CertificateFailure.noTNAuthList }
        if requireSHAKENCommonName {
            let expected = leafList?.spc.map { "SHAKEN " + $0 }
            guard let expected, leaf.commonName == expected else {
                throw CertificateFailure.subjectMismatch("CN \(leaf.commonName ?? "-") for SPC \(leafList?.spc ?? "-")")
            }
        }
        var caLists: [TNAuthList] = []
        for certificate in path.dropFirst() {
            guard let der = certificate.extensionValue(oid: Self.tnAuthListOID) else { continue }
            do { caLists.append(try TNAuthList(der: der)) } catch {
                throw CertificateFailure.chainInvalid("CA TNAuthList: \(error)")
            }
        }
        var constraints: JWTClaimConstraints?
        if let der = leaf.extensionValue(oid: Self.jwtClaimConstraintsOID) {
            do { constraints = try JWTClaimConstraints(der: der) } catch {
                throw CertificateFailure.chainInvalid("JWTClaimConstraints: \(error)")
            }
        }
        return ValidatedChain(path: path, servedPEM: servedPEM, tnAuthList: leafList, caTNAuthLists: caLists,
                              jwtClaimConstraints: constraints)
    }

    /// Maps X509_V_ERR_* to the stable outcome codes.
    static func failure(forVerifyError code: Int32) -> CertificateFailure {
        switch code {
        case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CRL_HAS_EXPIRED:
            return .expired
        case X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CRL_NOT_YET_VALID:
            return .notYetValid
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
             X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return .untrustedRoot
        default:
            return .chainInvalid(String(cString: X509_verify_cert_error_string(Int(code))))
        }
    }
}
