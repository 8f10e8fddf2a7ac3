import Crypto
import Testing
@testable import STIRCore

@Suite struct IdentityVerifierTests {
    typealias F = VerifierFixture

    @Test func acceptsOwnSHAKENTokenWithAttestation() {
        for attest in Attestation.allCases {
            let r = F.verify([F.shaken(attest: attest)])
            #expect(r.isValid)
            #expect(r.attestation == attest)
            #expect(r.verstat == .passed)
            #expect(r.metricLabel == "valid")
            #expect(r.status == nil)
            #expect(r.reasonHeaderValue(.sip) == nil)
        }
    }

    /// The RFC 8588 §6 claims (errata 6656) signed with the RFC 8946 Appendix A
    /// key (RFC 6979), verified with its public key.
    @Test func acceptsRFC8588DerivedVector() throws {
        let value = Vectors.shakenDerived + ";info=<https://cert.example.org/passport.cer>;alg=ES256;ppt=shaken"
        let sip = F.sip(orig: "12155550121", dest: "12155550131", date: 1443208345, now: 1443208350)
        let cert = StaticCertificate(publicKey: try ES256PublicKey(pem: Vectors.rfc8946Public))
        let r = F.verify([value], sip: sip, policy: .shaken, certificate: .available(cert))
        #expect(r.isValid)
        #expect(r.attestation == .a)
    }

    /// RFC 8946 §4.1: the div PASSporT, valid with its published key, ppt quoted.
    @Test func acceptsRFC8946DivWhenSupported() throws {
        let value = Vectors.rfc8946Div + ";info=<https://www.example.com/cert.cer>;ppt=\"div\""
        let sip = SIPIdentityContext(originating: [.tn("12155551212")], destinations: [.tn("12155551214")],
                                     date: SIPDate.format(1443208345), now: 1443208345)
        let cert = CertificateResult.available(StaticCertificate(publicKey: try ES256PublicKey(pem: Vectors.rfc8946Public)))
        let r = F.verify([value], sip: sip, policy: .init(supportedPPTs: ["div"]), certificate: cert)
        #expect(r.isValid)
        let ignored = F.verify([value], sip: sip, certificate: cert)
        #expect(ignored.failure == .unsupportedPPT("div"))
        #expect(ignored.status?.code == 428)
        #expect(ignored.status?.reason == "Use Supported PASSporT Format")
        #expect(ignored.verstat == .noValidation)
    }

    /// The RFC 8224 §5.1 compact example must fail (its
    /// signature covers a string iat, errata 5985) → 438.
    @Test func rejectsRFC8224CompactExampleWith438() throws {
        let value = "..\(Vectors.rfc8224CompactSignature);info=<https://cert.example.org/passport.cer>"
        let sip = SIPIdentityExtractor().context(
            from: "Bob <sip:12155551212@example.com;user=phone>;tag=1928301774", to: "Alice <sip:alice@example.com>",
            date: "Fri, 25 Sep 2015 19:12:25 GMT", now: 1443208345)
        let cert = CertificateResult.available(StaticCertificate(publicKey: try ES256PublicKey(pem: Vectors.rfc8225PublicA2)))
        let r = F.verify([value], sip: sip, certificate: cert)
        #expect(r.failure == .signatureInvalid)
        #expect(r.status?.code == 438)
        #expect(r.headers[0].claims.map { CanonicalJSON.string($0.json) }
            == #"{"dest":{"uri":["sip:alice@example.com"]},"iat":1443208345,"orig":{"tn":"12155551212"}}"#)
    }

    /// RFC 8225 §7.1 full form (string iat) → 438 Invalid PASSporT;
    /// with RFC 8224 §4.1.1's biloxi info → x5u/info mismatch.
    @Test func rejectsRFC8225FullFormExample() throws {
        let sip = SIPIdentityContext(originating: [.tn("12155551212")], destinations: [.uri("sip:alice@example.com")],
                                     date: "Fri, 25 Sep 2015 19:12:25 GMT", now: 1443208345)
        let cert = CertificateResult.available(StaticCertificate(publicKey: try ES256PublicKey(pem: Vectors.rfc8225PublicA2)))
        let same = F.verify([Vectors.rfc8225FullForm + ";info=<https://cert.example.org/passport.cer>"], sip: sip, certificate: cert)
        #expect(same.failure == .claimInvalid("iat"))
        #expect(same.status?.reason == "Invalid PASSporT")
        let biloxi = F.verify([Vectors.rfc8225FullForm + ";info=<https://biloxi.example.org/biloxi.cert>"], sip: sip, certificate: cert)
        #expect(biloxi.failure == .x5uInfoMismatch)
        #expect(biloxi.status?.code == 438)
    }

    @Test func acceptsOwnCompactBaselineToken() throws {
        let claims = PASSporTClaims(iat: F.now, orig: .tn("12155550121"), dest: [.tn("12155550131")])
        let value = try F.signer.identityHeader(claims: claims, ppt: nil, compact: true)
        #expect(F.verify([value]).isValid)
        #expect(F.verify([value], policy: .shaken).failure == .unsupportedPPT("none"))
        var noCompact = VerificationPolicy()
        noCompact.allowCompactForm = false
        #expect(F.verify([value], policy: noCompact).failure == .compactFormNotAllowed)
        #expect(F.verify([value], sip: F.sip(date: nil)).failure == .compactFormUnverifiable("no Date header"))
        #expect(F.verify([value], sip: F.sip(orig: "12155550122")).failure == .signatureInvalid)
    }

    @Test func toleratesUnknownExtraClaims() throws {
        let claims = PASSporTClaims(iat: F.now, orig: .tn("12155550121"), dest: [.tn("12155550131")], attest: .b,
                                    origid: F.origid, extra: ["zzz": .object(["x": .array([.null])])])
        let r = F.verify([try F.signer.identityHeader(claims: claims, ppt: "shaken")])
        #expect(r.isValid)
        #expect(r.attestation == .b)
    }

    @Test func rejectsWrongKeyAlteredClaimAndMissingCertificate() {
        let good = F.shaken()
        #expect(F.verify([good], certificate: .available(StaticCertificate(publicKey: F.otherKey.publicKey))).failure == .signatureInvalid)
        let altered = F.replacingPayload(of: good, with: #"{"attest":"A","dest":{"tn":["12155550131"]},"iat":\#(F.now),"orig":{"tn":"12155550199"},"origid":"\#(F.origid)"}"#)
        let r = F.verify([altered], sip: F.sip(orig: "12155550199"))
        #expect(r.failure == .signatureInvalid)
        #expect(r.status?.code == 438)
        let plan = IdentityVerifier.prepare(identityHeaders: [good], sip: F.sip())
        #expect(plan.finish(certificates: [:]).failure == .certificateUnavailable("no certificate for \(F.x5u)"))
    }

    @Test func checksTNAuthorityOfCertificate() {
        let scoped = StaticCertificate(publicKey: F.key.publicKey, coveredTNs: ["12155559999"])
        let r = F.verify([F.shaken()], certificate: .available(scoped))
        #expect(r.failure == .tnNotCovered)
        #expect(r.status?.code == 437)
        let ok = StaticCertificate(publicKey: F.key.publicKey, coveredTNs: ["12155550121"])
        #expect(F.verify([F.shaken()], certificate: .available(ok)).isValid)
    }

    @Test(arguments: [
        (F.now - 61, F.now, VerificationFailure.staleDate),
        (F.now + 6, F.now, .futureDate),
        (F.now, F.now - 61, .staleIat),
        (F.now, F.now + 6, .futureIat),
    ])
    func rejectsStaleOrFutureDateAndIatWith403(date: Int64, iat: Int64, failure: VerificationFailure) {
        let r = F.verify([F.shaken(iat: iat)], sip: F.sip(date: date))
        #expect(r.failure == failure)
        #expect(r.status?.code == 403)
        #expect(r.status?.reason == "Stale Date")
    }

    @Test func freshnessWindowIsConfigurable() {
        let policy = VerificationPolicy(maxDateAgeSeconds: 300, maxIatAgeSeconds: 300, maxFutureSkewSeconds: 30)
        #expect(F.verify([F.shaken(iat: F.now - 200)], sip: F.sip(date: F.now - 200), policy: policy).isValid)
        #expect(F.verify([F.shaken(iat: F.now + 20)], sip: F.sip(date: nil), policy: policy).isValid)
        #expect(F.verify([F.shaken(iat: F.now - 301)], sip: F.sip(date: nil), policy: policy).failure == .staleIat)
    }

    @Test func handlesMissingAndMalformedDate() {
        #expect(F.verify([F.shaken()], sip: F.sip(date: nil)).isValid)
        #expect(F.verify([F.shaken()], sip: F.sip(date: nil), policy: .init(requireDateHeader: true)).failure == .dateMissing)
        var bad = F.sip()
        bad.date = "yesterday"
        #expect(F.verify([F.shaken()], sip: bad).failure == .dateInvalid)
    }

    /// RFC 8224 §6.2.4: the identity comes from SIP, not from `orig`.
    @Test func rejectsOrigAndDestMismatch() {
        #expect(F.verify([F.shaken()], sip: F.sip(orig: "12155550122")).failure == .origMismatch)
        #expect(F.verify([F.shaken()], sip: F.sip(dest: "12155550132")).failure == .destMismatch)
        #expect(F.verify([F.shaken()], sip: F.sip(dest: "12155550132"), policy: .init(checkDestination: false)).isValid)
        let pai = SIPIdentityContext(originating: [.tn("19999999999"), .tn("12155550121")], destinations: [.tn("12155550131")],
                                     date: nil, now: F.now)
        #expect(F.verify([F.shaken()], sip: pai).isValid)
    }

    @Test func rejectsHeaderParameterAndPASSporTHeaderMismatches() {
        let good = F.shaken()
        let base = String(good[..<good.firstIndex(of: ";")!])
        #expect(F.verify([base + ";info=<https://other.example/x.pem>;ppt=shaken"]).failure == .x5uInfoMismatch)
        #expect(F.verify([base + ";info=<\(F.x5u)>"]).failure == .pptMismatch)
        #expect(F.verify([base + ";info=<\(F.x5u)>;alg=RS256;ppt=shaken"]).failure == .algorithmUnsupported("RS256"))
        #expect(F.verify([base + ";info=<\(F.x5u)>;alg=RS256;ppt=shaken"]).status?.code == 437)
        #expect(F.verify([base + ";info=<http://cert.example.org/x>;ppt=shaken"]).failure == .x5uNotAllowed("http://cert.example.org/x"))
        #expect(F.verify([base + ";info=<http://cert.example.org/x>;ppt=shaken"]).status?.code == 436)
        let payload = #"{"attest":"A","dest":{"tn":["12155550131"]},"iat":\#(F.now),"orig":{"tn":"12155550121"},"origid":"\#(F.origid)"}"#
        #expect(F.verify([F.token(header: #"{"alg":"ES256","ppt":"shaken","typ":"JWT","x5u":"\#(F.x5u)"}"#, payload: payload)]).failure == .typInvalid)
        #expect(F.verify([F.token(header: #"{"alg":"ES384","ppt":"shaken","typ":"passport","x5u":"\#(F.x5u)"}"#, payload: payload)]).failure == .algorithmMismatch)
        #expect(F.verify([F.token(header: #"{"alg":"ES256","ppt":"shaken","typ":"passport"}"#, payload: payload)]).failure == .passportHeaderInvalid("x5u"))
        let noAttest = #"{"dest":{"tn":["12155550131"]},"iat":\#(F.now),"orig":{"tn":"12155550121"},"origid":"\#(F.origid)"}"#
        let r = F.verify([F.token(header: #"{"alg":"ES256","ppt":"shaken","typ":"passport","x5u":"\#(F.x5u)"}"#, payload: noAttest)])
        #expect(r.failure == .claimMissing("attest"))
        #expect(r.status?.reason == "Invalid PASSporT")
    }

    @Test func listsDistinctCertificatesAndNeedsNoneForCheapFailures() {
        let plan = IdentityVerifier.prepare(identityHeaders: [F.shaken(), F.shaken(attest: .b), "garbage"], sip: F.sip())
        #expect(plan.requiredX5Us == [F.x5u])
        let bad = IdentityVerifier.prepare(identityHeaders: ["garbage", F.shaken(iat: 0)], sip: F.sip())
        #expect(bad.requiredX5Us.isEmpty)
        #expect(bad.finish(certificates: [:]).failure == .staleIat)
    }
}
