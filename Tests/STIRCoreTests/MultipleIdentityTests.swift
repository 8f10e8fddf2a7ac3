import Crypto
import Testing
@testable import STIRCore

/// RFC 8224 §6.2.1–6.2.2: several Identity headers are judged as a set.
@Suite struct MultipleIdentityTests {
    typealias F = VerifierFixture
    let unavailable = "https://down.example.org/c.pem"
    let untrusted = "https://untrusted.example.org/c.pem"

    func certs(_ x5u: String) -> CertificateResult {
        switch x5u {
        case unavailable: return .failed(.certificateUnavailable("timeout"))
        case untrusted: return .failed(.certificateInvalid("self-signed"))
        default: return .available(StaticCertificate(publicKey: F.key.publicKey))
        }
    }

    func verify(_ headers: [String], sip: SIPIdentityContext = F.sip()) -> VerificationResult {
        IdentityVerifier.verify(identityHeaders: headers, sip: sip, certificate: certs)
    }

    @Test func oneValidHeaderSufficesAmongBrokenOnes() {
        let r = verify(["garbage", F.shaken(attest: .c), "a.b.c;info=<https://x.example/y>"])
        #expect(r.isValid)
        #expect(r.outcome == .valid(headerIndex: 1, attestation: .c))
        #expect(r.headers[0].outcome == .failed(.identityHeaderMalformed(.missingInfo)))
        #expect(r.headers[2].outcome.failure?.code == "passport_malformed")
    }

    @Test func picksBestAttestationAmongValidHeaders() {
        let r = verify([F.shaken(attest: .c), F.shaken(attest: .a), F.shaken(attest: .b)])
        #expect(r.outcome == .valid(headerIndex: 1, attestation: .a))
    }

    @Test func returns436OnlyWhenEveryCredentialIsUnavailable() {
        let down = IdentitySigner(key: F.key, x5u: unavailable)
        let both = verify([F.shaken(signer: down), F.shaken(signer: down)])
        #expect(both.failure == .certificateUnavailable("timeout"))
        #expect(both.status?.code == 436)
        #expect(both.status?.reason == "Bad Identity Info")
        let mixed = verify([F.shaken(signer: down), F.shaken(signer: IdentitySigner(key: F.otherKey, x5u: F.x5u))])
        #expect(mixed.failure == .signatureInvalid)
        #expect(mixed.status?.code == 438)
    }

    @Test func returns437WhenAnyCredentialIsUnsupported() {
        let r = verify([F.shaken(signer: IdentitySigner(key: F.otherKey, x5u: F.x5u)),
                        F.shaken(signer: IdentitySigner(key: F.key, x5u: untrusted)),
                        F.shaken(signer: IdentitySigner(key: F.key, x5u: unavailable))])
        #expect(r.failure == .certificateInvalid("self-signed"))
        #expect(r.outcome == .failed(.certificateInvalid("self-signed"), headerIndex: 1))
        #expect(r.status?.code == 437)
    }

    @Test func returns428WhenNothingUsable() {
        let none = verify([])
        #expect(none.failure == .noIdentity)
        #expect(none.status?.code == 428)
        #expect(none.status?.reason == "Use Identity Header")
        #expect(none.verstat == .noValidation)
        let foreign = verify(["a.b.c;info=<https://x.example/y>;ppt=foo", "a.b.c;info=<https://x.example/y>;ppt=\"rph\""])
        #expect(foreign.failure == .unsupportedPPT("foo"))
        #expect(foreign.status?.reason == "Use Supported PASSporT Format")
    }

    @Test func ignoredHeadersDoNotMaskExaminedFailures() {
        let r = verify(["a.b.c;info=<https://x.example/y>;ppt=foo", F.shaken(orig: "12155550199")])
        #expect(r.failure == .origMismatch)
    }

    @Test func limitsHowManyHeadersAreExamined() {
        let headers = Array(repeating: "garbage", count: 12) + [F.shaken()]
        let r = verify(headers)
        #expect(!r.isValid)
        #expect(r.headers[12].outcome == .ignored(.tooManyIdentityHeaders))
    }

    @Test func reasonHeaderCitesFailingPASSporTInSTIRForm() {
        let bad = F.shaken(signer: IdentitySigner(key: F.otherKey, x5u: F.x5u))
        let single = verify([bad])
        #expect(single.reasonHeaderValue(.sip) == #"SIP ;cause=438 ;text="Invalid Identity Header""#)
        #expect(single.reasonHeaderValue(.stir) == #"STIR ;cause=438 ;text="Invalid Identity Header""#)
        let multi = verify(["garbage;info=<https://x.example/y>;ppt=foo", bad])
        let token = bad.prefix { $0 != ";" }
        let sig = token[token.index(after: token.lastIndex(of: ".")!)...]
        #expect(multi.reasonHeaderValue(.stir) == "STIR ;cause=438 ;text=\"Invalid Identity Header\" ;ppi=\"..\(sig)\"")
    }
}
