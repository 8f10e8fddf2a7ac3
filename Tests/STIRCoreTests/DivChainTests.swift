import Crypto
import Testing
@testable import STIRCore

/// RFC 8946 §4.2: the verification service builds `div` chains from a
/// request's Identity headers; one test per rule of the chain.
@Suite struct DivChainTests {
    typealias F = VerifierFixture
    static let caller = "12155550121"
    static let original = "12155550131"
    static let retarget = "12155550199"
    static let chains = VerificationPolicy(acceptBaseline: false, allowCompactForm: false, divMaxAgeSeconds: 3600)
    static let divX5U = "https://cert.example.org/div.cer"
    static let divSigner = IdentitySigner(key: F.key, x5u: divX5U)

    static func div(orig: String = caller, dest: String = retarget, div: String = original, iat: Int64 = F.now,
                    signer: IdentitySigner = divSigner) -> String {
        let claims = PASSporTClaims(iat: iat, orig: .tn(orig), dest: [.tn(dest)], div: .tn(div))
        return try! signer.identityHeader(claims: claims, ppt: "div")
    }

    /// The forwarded call as the next hop sees it: To and Request-URI name the new target.
    static func sip(target: String = retarget) -> SIPIdentityContext {
        SIPIdentityContext(originating: [.tn(caller)], destinations: [.tn(target)], date: SIPDate.format(F.now), now: F.now,
                           targets: [.tn(target)])
    }

    static func verify(_ headers: [String], policy: VerificationPolicy = chains,
                       certificate: (String) -> CertificateResult = { _ in .available(StaticCertificate(publicKey: F.key.publicKey)) })
        -> VerificationResult {
        IdentityVerifier.verify(identityHeaders: headers, sip: sip(), policy: policy, certificate: certificate)
    }

    @Test func validChainVerifiesForwardedCall() {
        let r = Self.verify([F.shaken(dest: [Self.original], iat: F.now - 5), Self.div()])
        #expect(r.isValid)
        #expect(r.attestation == .a)
        #expect(r.isValidByDivChain)
        #expect(r.metricLabel == "valid_div")
        #expect(r.divChain == DivChain.Summary(links: [1, 0], failure: nil))
        // Order of the headers does not matter.
        #expect(Self.verify([Self.div(), F.shaken(dest: [Self.original])]).isValidByDivChain)
    }

    /// Without chains the same forwarded call fails: its SHAKEN dest is the old target.
    @Test func withoutChainsForwardedCallFails() {
        let r = Self.verify([F.shaken(dest: [Self.original]), Self.div()], policy: .shaken)
        #expect(r.failure == .destMismatch)
    }

    /// Step 3: `orig` must be the same along the chain.
    @Test func origChangedBreaksChain() {
        let div = Self.div(orig: "12155550777")
        let sip = SIPIdentityContext(originating: [.tn("12155550777")], destinations: [.tn(Self.retarget)],
                                     date: SIPDate.format(F.now), now: F.now, targets: [.tn(Self.retarget)])
        let r = IdentityVerifier.verify(identityHeaders: [F.shaken(dest: [Self.original]), div], sip: sip, policy: Self.chains) { _ in
            .available(StaticCertificate(publicKey: F.key.publicKey))
        }
        #expect(r.failure == .divChainInvalid("orig changed along the chain"))
        #expect(r.status?.code == 438)
        #expect(!r.isValid)
    }

    /// Step 1: the outermost `dest` must be the current target.
    @Test func outermostDestMustBeCurrentTarget() {
        let r = Self.verify([F.shaken(dest: [Self.original]), Self.div(dest: "12155550888")])
        #expect(r.failure == .divChainInvalid("no div PASSporT names the current target in dest"))
        #expect(r.metricLabel == "div_chain_invalid")
    }

    /// A `div` whose `div` value names no earlier `dest` links to nothing.
    @Test func divMustNameAnEarlierDest() {
        let r = Self.verify([F.shaken(dest: [Self.original]), Self.div(div: "12155550555")])
        #expect(r.failure == .divChainInvalid("no PASSporT has dest 12155550555"))
    }

    /// Step 5: every signature in the chain must verify.
    @Test func badInnerSignatureBreaksChain() {
        let forged = IdentitySigner(key: F.otherKey, x5u: F.x5u)
        let r = Self.verify([F.shaken(dest: [Self.original], signer: forged), Self.div()])
        #expect(r.failure == .divChainInvalid("link 0: signature_invalid"))
    }

    @Test func badOuterSignatureBreaksChain() {
        let forged = IdentitySigner(key: F.otherKey, x5u: Self.divX5U)
        let r = Self.verify([F.shaken(dest: [Self.original]), Self.div(signer: forged)])
        #expect(r.failure == .divChainInvalid("outermost: signature_invalid"))
    }

    /// Step 4: the outermost must be fresh (normal window) ...
    @Test func staleOuterBreaksChain() {
        let r = Self.verify([F.shaken(dest: [Self.original], iat: F.now - 100), Self.div(iat: F.now - 100)])
        #expect(r.failure == .divChainInvalid("outermost iat is stale"))
    }

    /// ... and the inner links within the longer div window, no further.
    @Test func innerLinkWithinLongerWindow() {
        #expect(Self.verify([F.shaken(dest: [Self.original], iat: F.now - 1800), Self.div()]).isValidByDivChain)
        let r = Self.verify([F.shaken(dest: [Self.original], iat: F.now - 7200), Self.div()])
        #expect(r.failure == .divChainInvalid("link 0: iat_stale"))
    }

    /// Step 2: the div signer must hold authority over the `div` TN (the
    /// retargeting number), not the caller's.
    @Test func divSignerMustCoverDivTN() {
        let shakenCert = StaticCertificate(publicKey: F.key.publicKey, coveredTNs: [Self.caller])
        func certs(divCovers tn: String) -> (String) -> CertificateResult {
            { url in .available(url == Self.divX5U ? StaticCertificate(publicKey: F.key.publicKey, coveredTNs: [tn]) : shakenCert) }
        }
        let headers = [F.shaken(dest: [Self.original]), Self.div()]
        #expect(Self.verify(headers, certificate: certs(divCovers: Self.original)).isValidByDivChain)
        let r = Self.verify(headers, certificate: certs(divCovers: Self.caller))
        #expect(r.failure == .divChainInvalid("outermost: tn_not_covered"))
    }

    /// Two retargets: B → C → D, chained through both div PASSporTs.
    @Test func twoHopChain() {
        let final = "12155550444"
        let sip = SIPIdentityContext(originating: [.tn(Self.caller)], destinations: [.tn(final)], date: SIPDate.format(F.now),
                                     now: F.now, targets: [.tn(final)])
        let headers = [F.shaken(dest: [Self.original]), Self.div(), Self.div(dest: final, div: Self.retarget)]
        let r = IdentityVerifier.verify(identityHeaders: headers, sip: sip, policy: Self.chains) { _ in
            .available(StaticCertificate(publicKey: F.key.publicKey))
        }
        #expect(r.isValidByDivChain)
        #expect(r.divChain?.links == [2, 1, 0])
    }

    /// A div PASSporT alone is never valid.
    @Test func divAloneIsInvalid() {
        let r = Self.verify([Self.div()])
        #expect(r.failure == .divChainInvalid("no PASSporT has dest \(Self.original)"))
    }

    /// RFC 8946 §4.1 example: its `div` claim has a 12-digit typo
    /// (121555551213), so it does not chain to the original PASSporT's
    /// dest 12155551213; the same div, signed again with the RFC's
    /// Appendix A key with the digit fixed, does.
    @Test func rfc8946ExampleChain() throws {
        let info = ";info=<https://www.example.com/cert.cer>"
        let original = Vectors.rfc8946Original + info
        let div = Vectors.rfc8946Div + info + ";ppt=\"div\""
        let sip = SIPIdentityContext(originating: [.tn("12155551212")], destinations: [.tn("12155551214")],
                                     date: SIPDate.format(1443208345), now: 1443208345, targets: [.tn("12155551214")])
        let policy = VerificationPolicy(acceptBaseline: true, divMaxAgeSeconds: 3600)
        let cert = CertificateResult.available(StaticCertificate(publicKey: try ES256PublicKey(pem: Vectors.rfc8946Public)))
        let broken = IdentityVerifier.verify(identityHeaders: [original, div], sip: sip, policy: policy) { _ in cert }
        #expect(broken.failure == .divChainInvalid("no PASSporT has dest 121555551213"))
        let fixedClaims = PASSporTClaims(iat: 1443208345, orig: .tn("12155551212"), dest: [.tn("12155551214")],
                                         div: .tn("12155551213"))
        let fixed = try IdentitySigner(key: F.key, x5u: "https://www.example.com/cert.cer").identityHeader(claims: fixedClaims, ppt: "div")
        let valid = IdentityVerifier.verify(identityHeaders: [original, fixed], sip: sip, policy: policy) { _ in cert }
        #expect(valid.isValidByDivChain)
    }
}

extension DivChainTests {
    /// §4.1: the div covers its (orig, dest) pair, so an rcd PASSporT for
    /// the original target is valid with the chain (and not without it).
    @Test func chainCoversOtherPASSporTsOfThePair() throws {
        let rcdClaims = PASSporTClaims(iat: F.now, orig: .tn(Self.caller), dest: [.tn(Self.original)], rcd: .object(["nam": .string("A")]))
        let rcd = try F.signer.identityHeader(claims: rcdClaims, ppt: "rcd")
        var policy = Self.chains
        policy.supportedPPTs = ["shaken", "rcd"]
        let r = Self.verify([F.shaken(dest: [Self.original]), rcd, Self.div()], policy: policy)
        #expect(r.isValidByDivChain)
        #expect(r.headers[1].outcome == .valid)
        // The chain links to the SHAKEN PASSporT whatever the order.
        let reordered = Self.verify([rcd, F.shaken(dest: [Self.original]), Self.div()], policy: policy)
        #expect(reordered.divChain?.links == [2, 1])
        #expect(reordered.metricLabel == "valid_div" && reordered.attestation == .a)
        let alone = Self.verify([F.shaken(dest: [Self.original]), rcd], policy: policy)
        #expect(alone.headers[1].outcome == .failed(.destMismatch))
    }
}

extension DivChainTests {
    /// Cheap checks first: without any div PASSporT, a stale or
    /// misdirected SHAKEN one needs no certificate (nothing is fetched).
    @Test func noDivNoFetchForHeadersThatFailAlone() {
        let plan = IdentityVerifier.prepare(identityHeaders: [F.shaken(dest: [Self.original], iat: F.now - 600)], sip: Self.sip(),
                                            policy: Self.chains)
        #expect(plan.requiredX5Us.isEmpty)
        #expect(plan.finish(certificates: [:]).failure == .staleIat)
        let withDiv = IdentityVerifier.prepare(identityHeaders: [F.shaken(dest: [Self.original], iat: F.now - 600), Self.div()],
                                               sip: Self.sip(), policy: Self.chains)
        #expect(withDiv.requiredX5Us.count == 2)
    }
}
