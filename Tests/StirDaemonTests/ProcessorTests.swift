import Foundation
import SIPCore
import STIRCore
import Testing
@testable import StirDaemon

/// The STIR processors driven through a real ProxyCore with a recording sender.
@Suite struct ProcessorTests {
    static let now: Int64 = 1_790_000_000
    static let x5u = "https://cr.example.net/main.pem"
    let keys: KeyFiles
    let lookup = FakeLookup()

    init() throws {
        keys = try KeyFiles()
        lookup.results[Self.x5u] = .available(StaticCertificate(publicKey: keys.key.publicKey))
    }

    var peers: PeerTable {
        PeerTable([
            peer("pbx", "192.0.2.1") { $0.trusted = true; $0.sign = true; $0.tns = PolicyTests.tns("1215555*") },
            peer("reject", "198.51.100.1") { $0.verify = true; $0.onFailure = .reject },
            peer("reason", "198.51.100.2") { $0.verify = true; $0.onFailure = .continueWithReason; $0.reasonForm = .stir },
            peer("require", "198.51.100.3") { $0.verify = true; $0.requireIdentity = true },
            peer("continue", "198.51.100.4") { $0.verify = true },
        ])
    }

    func signer(_ sign: SignConfiguration = SignConfiguration()) throws -> SigningProcessor {
        var c = CredentialConfiguration(name: "main")
        c.privateKeyFile = keys.keyPath
        c.x5u = Self.x5u
        return SigningProcessor(peers: peers, credentials: [try SigningCredential(c)], config: sign,
                                extraction: IdentityExtractionPolicy(), now: { Self.now })
    }

    func verifier(_ edit: (inout VerifyConfiguration) -> Void = { _ in }) -> VerificationProcessor {
        var v = VerifyConfiguration()
        v.verstatOnFrom = true
        edit(&v)
        return VerificationProcessor(peers: peers, source: lookup, config: v, extraction: IdentityExtractionPolicy(), now: { Self.now })
    }

    func identity(orig: String = "12155551010", attest: Attestation = .a, iat: Int64 = now, key: Bool = true) throws -> String {
        try IdentitySigner(key: key ? keys.key : keys.other, x5u: Self.x5u)
            .identityHeader(orig: orig, dest: ["12155559999"], attest: attest, origid: UUID().uuidString.lowercased(), iat: Int(iat))
    }

    var date: String { "Date: " + SIPDate.format(Self.now) }

    @Test func signsWithFullFormAddsDateAndAttestsOwnedTNsA() throws {
        let h = StirHarness(processors: [try signer()])
        let out = h.receive(StirHarness.invite(), from: "192.0.2.1")
        let fwd = try #require(out.first { $0.isRequest })
        #expect(fwd.first("Date") == SIPDate.format(Self.now))
        let value = try #require(fwd.identityHeaders.first)
        #expect(value.hasSuffix(";info=<\(Self.x5u)>;alg=ES256;ppt=shaken") && !value.hasPrefix(".."))
        let r = IdentityVerifier.verify(identityHeaders: [value], sip: SIPIdentityContext(
            originating: [.tn("12155551010")], destinations: [.tn("12155559999")], date: fwd.first("Date"), now: Self.now)) { _ in
            .available(StaticCertificate(publicKey: keys.key.publicKey))
        }
        #expect(r.outcome == .valid(headerIndex: 0, attestation: .a))
    }

    @Test func notOwnedTNGetsBAndNoneLeavesItUnsigned() throws {
        let h = StirHarness(processors: [try signer()])
        let fwd = try #require(h.receive(StirHarness.invite(from: "<sip:+12125550000@x>;tag=1"), from: "192.0.2.1").first { $0.isRequest })
        let token = try #require(fwd.identityHeaders.first.flatMap { try? IdentityHeader.parse($0) }?.token)
        #expect(try PASSporT.decode(token).claims.attest == .b)
        var sign = SignConfiguration()
        sign.notOwnedAttestation = nil
        let h2 = StirHarness(processors: [try signer(sign)])
        let fwd2 = try #require(h2.receive(StirHarness.invite(from: "<sip:+12125550000@x>;tag=1"), from: "192.0.2.1").first { $0.isRequest })
        #expect(fwd2.identityHeaders.isEmpty)
    }

    @Test func keepsUpstreamIdentityAndNeverSignsTwice() throws {
        let h = StirHarness(processors: [try signer()])
        let upstream = "e30.e30.c2ln;info=<https://other.example/cert.pem>;alg=ES256;ppt=shaken"
        let fwd = try #require(h.receive(StirHarness.invite(extra: ["Identity: " + upstream, date]), from: "192.0.2.1").first { $0.isRequest })
        #expect(fwd.identityHeaders.count == 2 && fwd.identityHeaders[0] == upstream)
        let ours = try identity()
        let again = try #require(h.receive(StirHarness.invite(extra: ["Identity: " + ours, date]), from: "192.0.2.1").first { $0.isRequest })
        #expect(again.identityHeaders == [ours])
    }

    @Test func skewedDateIsRejectedOrRedated() throws {
        let stale = "Date: " + SIPDate.format(Self.now - 120)
        let h = StirHarness(processors: [try signer()])
        let out = h.receive(StirHarness.invite(extra: [stale]), from: "192.0.2.1")
        #expect(out.contains { $0.statusCode == 403 && $0.reasonPhrase == "Stale Date" })
        var sign = SignConfiguration()
        sign.redateSkewed = true
        let h2 = StirHarness(processors: [try signer(sign)])
        let fwd = try #require(h2.receive(StirHarness.invite(extra: [stale]), from: "192.0.2.1").first { $0.isRequest })
        #expect(fwd.first("Date") == SIPDate.format(Self.now) && fwd.identityHeaders.count == 1)
    }

    @Test func untrustedOrUnknownSourcesAreNotSigned() throws {
        let h = StirHarness(processors: [try signer()])
        let fwd = try #require(h.receive(StirHarness.invite(), from: "203.0.113.9").first { $0.isRequest })
        #expect(fwd.identityHeaders.isEmpty && fwd.headers(named: "Date").isEmpty)
    }

    @Test func validCallIsAnnotatedPassedWithAttestation() throws {
        let h = StirHarness(processors: [verifier()])
        let fwd = try #require(h.receive(StirHarness.invite(extra: ["Identity: " + (try identity(attest: .b)), date,
                                                                      "P-Asserted-Identity: <sip:+12155551010@x;user=phone>"]),
                                         from: "198.51.100.1").first { $0.isRequest })
        #expect(fwd.first("P-Asserted-Identity") == "<sip:+12155551010;verstat=TN-Validation-Passed@x;user=phone>")
        #expect(fwd.first("From")?.contains("verstat=TN-Validation-Passed") == true)
        #expect(fwd.first("X-Stir-Attestation") == "B")
    }

    @Test func certificateFetchSuspendsTheRequestAndResumes() throws {
        lookup.asynchronous = [Self.x5u]
        let h = StirHarness(processors: [verifier()])
        let out = h.receive(StirHarness.invite(extra: ["Identity: " + (try identity()), date]), from: "198.51.100.1", settle: true)
        #expect(lookup.fetches == [Self.x5u])
        let fwd = try #require(out.first { $0.isRequest })
        #expect(fwd.first("X-Stir-Attestation") == "A")
    }

    @Test(arguments: [
        ("198.51.100.1", 403, "Stale Date"), ("198.51.100.2", 0, "STIR ;cause=403 ;text=\"Stale Date\""), ("198.51.100.4", 0, ""),
    ])
    func failurePolicyRejectsOrContinues(source: String, status: Int, reason: String) throws {
        let h = StirHarness(processors: [verifier()])
        let old = try identity(iat: Self.now - 300)
        let out = h.receive(StirHarness.invite(extra: ["Identity: " + old, "Date: " + SIPDate.format(Self.now - 300)]), from: source)
        if status > 0 {
            #expect(out.contains { $0.statusCode == status && $0.reasonPhrase == reason })
            #expect(!out.contains { $0.isRequest })
        } else {
            let fwd = try #require(out.first { $0.isRequest })
            #expect(fwd.first("From")?.contains("verstat=TN-Validation-Failed") == true)
            #expect(fwd.headers(named: "X-Stir-Attestation").isEmpty)
            #expect((fwd.first("Reason") ?? "") == reason)
        }
    }

    @Test(arguments: [("198.51.100.3", 428), ("198.51.100.4", 0), ("198.51.100.1", 0)])
    func unsignedCallsGet428OnlyWhenRequired(source: String, status: Int) throws {
        let h = StirHarness(processors: [verifier()])
        let out = h.receive(StirHarness.invite(), from: source)
        if status > 0 {
            #expect(out.contains { $0.statusCode == 428 && $0.reasonPhrase == "Use Identity Header" })
        } else {
            let fwd = try #require(out.first { $0.isRequest })
            #expect(fwd.first("From")?.contains("verstat=No-TN-Validation") == true)
            #expect(fwd.headers(named: "Reason").isEmpty)
        }
    }

    @Test func oneGoodHeaderOfTwoIsEnough() throws {
        let h = StirHarness(processors: [verifier()])
        let bad = try identity(key: false)
        let out = h.receive(StirHarness.invite(extra: ["Identity: " + bad, "Identity: " + (try identity()), date]), from: "198.51.100.1")
        #expect(try #require(out.first { $0.isRequest }).first("X-Stir-Attestation") == "A")
        let out2 = h.receive(StirHarness.invite(extra: ["Identity: " + bad, date]), from: "198.51.100.1")
        #expect(out2.contains { $0.statusCode == 438 })
    }

    @Test(arguments: [
        (VerificationFailure.certificateUnavailable("fetch_timeout"), 436), (.certificateInvalid("untrusted_root"), 437),
        (.certificateRevoked, 437), (.x5uNotAllowed("port"), 436),
    ])
    func certificateFailuresMapTo436Or437(failure: VerificationFailure, status: Int) throws {
        lookup.results[Self.x5u] = .failed(failure)
        let h = StirHarness(processors: [verifier()])
        let out = h.receive(StirHarness.invite(extra: ["Identity: " + (try identity()), date]), from: "198.51.100.1")
        #expect(out.contains { $0.statusCode == status })
    }

    @Test func certificateFailureCodesMapPerRFC8224() {
        #expect(CertificateSource.map(.fetchTimeout).status.code == 436)
        #expect(CertificateSource.map(.fetchFailed("404")).status.code == 436)
        #expect(CertificateSource.map(.malformed("x")).status.code == 436)
        #expect(CertificateSource.map(.untrustedRoot).status.code == 437)
        #expect(CertificateSource.map(.expired).status.code == 437)
        #expect(CertificateSource.map(.revoked) == .certificateRevoked)
    }

    @Test func untrustedAttestationHeaderNeverReachesTheCore() throws {
        let scrub = ScrubProcessor(peers: peers, scrubber: HeaderScrubber(attestationHeader: "X-Stir-Attestation"))
        let h = StirHarness(processors: [scrub, verifier()])
        let out = h.receive(StirHarness.invite(extra: ["X-Stir-Attestation: A", "P-Asserted-Identity: <sip:+12155551010@x>"]),
                            from: "198.51.100.4")
        let fwd = try #require(out.first { $0.isRequest })
        #expect(fwd.headers(named: "X-Stir-Attestation").isEmpty && fwd.headers(named: "P-Asserted-Identity").isEmpty)
    }
}
