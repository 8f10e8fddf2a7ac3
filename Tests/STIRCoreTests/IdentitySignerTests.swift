import Crypto
import Dispatch
import Testing
@testable import STIRCore

@Suite struct IdentitySignerTests {
    let key = try! ES256PrivateKey(pem: Vectors.rfc8946Private)
    let x5u = "https://cert.example.org/passport.cer"
    let origid = "123e4567-e89b-12d3-a456-426655440000"

    /// The RFC 8588 §6 claims (errata 6656 applied) serialize to exactly the
    /// header and payload the RFC prints; only the signature differs
    /// because OpenSSL 3.0 ECDSA is randomized, not RFC 6979.
    @Test func producesRFC8588HeaderAndPayloadByteForByte() throws {
        let value = try IdentitySigner(key: key, x5u: x5u)
            .identityHeader(orig: "12155550121", dest: ["12155550131"], attest: .a, origid: origid, iat: 1443208345)
        let expectedPrefix = Vectors.shakenDerived.split(separator: ".")[0...1].joined(separator: ".") + "."
        #expect(value.hasPrefix(expectedPrefix))
        #expect(value.hasSuffix(";info=<https://cert.example.org/passport.cer>;alg=ES256;ppt=shaken"))
        let header = try IdentityHeader.parse(value)
        let p = try PASSporT.decode(header.token)
        #expect(p.isSignatureValid(with: key.publicKey))
        #expect(p.signature.count == 64)
    }

    @Test func fastPayloadEqualsCanonicalJSONOfSameClaims() throws {
        let signer = IdentitySigner(key: key, x5u: x5u)
        for attest in Attestation.allCases {
            let value = try signer.identityHeader(orig: "1215#*", dest: ["2", "10", "1"], attest: attest, origid: origid, iat: 0)
            let p = try PASSporT.decode(try IdentityHeader.parse(value).token)
            let payloadSeg = value.split(separator: ".")[1]
            #expect(Base64URL.decode(payloadSeg) == CanonicalJSON.encode(p.payloadJSON))
            #expect(p.claims.dest == [.tn("1"), .tn("10"), .tn("2")])
            #expect(p.claims.attest == attest)
        }
    }

    @Test func compactFormCarriesOnlyTheSignature() throws {
        let signer = IdentitySigner(key: key, x5u: x5u)
        let full = try IdentityHeader.parse(signer.identityHeader(orig: "1", dest: ["2"], attest: .b, origid: origid, iat: 5))
        let compact = try IdentityHeader.parse(signer.identityHeader(orig: "1", dest: ["2"], attest: .b, origid: origid, iat: 5, compact: true))
        #expect(compact.isCompact)
        let input = Array(full.token.split(separator: ".")[0...1].joined(separator: ".").utf8)
        let sig = Base64URL.decode(compact.token.dropFirst(2))!
        #expect(key.publicKey.isValidSignature(sig, for: input))
    }

    @Test func generalSignerHandlesBaselineAndExtensions() throws {
        let signer = IdentitySigner(key: key, x5u: x5u)
        let claims = PASSporTClaims(iat: 1443208345, orig: .tn("12155551212"), dest: [.uri("sip:alice@example.com")])
        let value = try signer.identityHeader(claims: claims, ppt: nil)
        #expect(value.hasPrefix(Vectors.rfc8225Header + "." + Vectors.rfc8224Section5Payload + "."))
        #expect(value.hasSuffix(";info=<\(x5u)>;alg=ES256"))
        #expect(throws: PASSporTError.missingClaim("div")) { try signer.identityHeader(claims: claims, ppt: "div") }
    }

    @Test(arguments: [
        ("+12155550121", ["1"], "123e4567-e89b-12d3-a456-426655440000", 1, SigningError.invalidTN("+12155550121")),
        ("1", [], "123e4567-e89b-12d3-a456-426655440000", 1, .emptyDestination),
        ("1", ["2\""], "123e4567-e89b-12d3-a456-426655440000", 1, .invalidTN("2\"")),
        ("1", ["2"], "not-a-uuid", 1, .invalidOrigid("not-a-uuid")),
        ("1", ["2"], "123e4567-e89b-12d3-a456-426655440000", -1, .invalidIat(-1)),
    ])
    func rejectsBadInputs(orig: String, dest: [String], origid: String, iat: Int, error: SigningError) {
        let signer = IdentitySigner(key: key, x5u: x5u)
        #expect(throws: error) { try signer.identityHeader(orig: orig, dest: dest, attest: .a, origid: origid, iat: iat) }
    }

    @Test func rejectsX5UThatCannotBeCarriedInInfo() {
        for bad in ["relative", "https://a b", "https://a>b"] {
            #expect(throws: SigningError.invalidX5U(bad)) {
                try IdentitySigner(key: key, x5u: bad).identityHeader(orig: "1", dest: ["2"], attest: .a, origid: origid, iat: 1)
            }
        }
    }

    @Test func signsConcurrentlyFromOneSigner() throws {
        let signer = IdentitySigner(key: key, x5u: x5u)
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 64)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            let value = try? signer.identityHeader(orig: "1215555\(1000 + i)", dest: ["12155550131"], attest: .a,
                                                   origid: origid, iat: i)
            let p = value.flatMap { try? PASSporT.decode(String($0.prefix { $0 != ";" })) }
            results[i] = p.map { $0.isSignatureValid(with: key.publicKey) && $0.claims.iat == Int64(i) } ?? false
        }
        #expect(results.allSatisfy { $0 })
    }
}
