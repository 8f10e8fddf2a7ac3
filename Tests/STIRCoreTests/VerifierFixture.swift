import Crypto
@testable import STIRCore

/// Shared keys, signer and helpers for verifier tests.
struct VerifierFixture {
    static let key = try! ES256PrivateKey(pem: Vectors.rfc8946Private)
    static let otherKey = try! ES256PrivateKey.generate()
    static let x5u = "https://cert.example.org/passport.cer"
    static let origid = "123e4567-e89b-12d3-a456-426655440000"
    static let now: Int64 = 1_700_000_000
    static let signer = IdentitySigner(key: key, x5u: x5u)

    static func shaken(orig: String = "12155550121", dest: [String] = ["12155550131"], attest: Attestation = .a,
                       iat: Int64 = now, signer: IdentitySigner = signer) -> String {
        try! signer.identityHeader(orig: orig, dest: dest, attest: attest, origid: origid, iat: Int(iat))
    }

    static func sip(orig: String = "12155550121", dest: String = "12155550131", date: Int64? = now,
                    now: Int64 = now) -> SIPIdentityContext {
        SIPIdentityContext(originating: [.tn(orig)], destinations: [.tn(dest)], date: date.map(SIPDate.format), now: now)
    }

    static func verify(_ headers: [String], sip: SIPIdentityContext = sip(), policy: VerificationPolicy = .init(),
                       certificate: CertificateResult = .available(StaticCertificate(publicKey: key.publicKey))) -> VerificationResult {
        IdentityVerifier.verify(identityHeaders: headers, sip: sip, policy: policy) { _ in certificate }
    }

    /// Replaces the payload segment of a full-form header value, keeping the signature.
    static func replacingPayload(of value: String, with json: String) -> String {
        var parts = value.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        parts[1] = Base64URL.encode(Array(json.utf8))
        return parts.joined(separator: ".")
    }

    /// Builds an unsigned-but-well-formed full-form value with a given header JSON
    /// and payload JSON (signature from the real signer, so it will not verify).
    static func token(header: String, payload: String, params: String = ";info=<\(x5u)>;alg=ES256;ppt=shaken") -> String {
        Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8)) + "."
            + Base64URL.encode([UInt8](repeating: 1, count: 64)) + params
    }
}
