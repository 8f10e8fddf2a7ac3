import Foundation
import INIConfig
import SIPCore
import SIPProxy
import STIRCore
import Testing
@testable import StirDaemon

/// Retargeting with `div` on the signing side (RFC 8946 §4.1): stird's own
/// retarget (`retarget_to`) and a trusted peer's recorded one (History-Info,
/// Diversion), checked by verifying the forwarded set as a chain (§4.2).
@Suite struct DivSigningTests {
    static let now: Int64 = 1_790_000_000
    static let x5u = "https://cr.example.net/main.pem"
    static let divX5U = "https://cr.example.net/div.pem"
    static let caller = "12155551010"
    static let original = "12155559999"
    static let forwarded = "12155550199"
    let keys: KeyFiles

    init() throws { keys = try KeyFiles() }

    var peers: PeerTable {
        PeerTable([
            peer("pbx", "192.0.2.1") { $0.trusted = true; $0.sign = true; $0.tns = PolicyTests.tns("1215555*") },
            peer("carrier", "198.51.100.9") { $0.trusted = true; $0.signDiv = true },
            peer("other", "198.51.100.10") { $0.trusted = true },
            peer("verified", "198.51.100.11") { $0.verify = true },
        ])
    }

    /// `main` signs the caller's SHAKEN; `div` covers only the original target.
    func credentials() throws -> [SigningCredential] {
        var main = CredentialConfiguration(name: "main")
        main.privateKeyFile = keys.keyPath
        main.x5u = Self.x5u
        main.tns = PolicyTests.tns(Self.caller)
        var div = CredentialConfiguration(name: "div")
        div.privateKeyFile = keys.otherKeyPath
        div.x5u = Self.divX5U
        div.tns = PolicyTests.tns(Self.original)
        return [try SigningCredential(main), try SigningCredential(div)]
    }

    func processors(retargetTo: String? = nil) throws -> [RequestProcessor] {
        let creds = try credentials()
        let sign = SigningProcessor(peers: peers, credentials: creds, config: SignConfiguration(), extraction: IdentityExtractionPolicy(),
                                    now: { Self.now })
        var routes: [StaticRoute] = []
        if let retargetTo {
            routes.append(StaticRoute(name: "fwd", userPrefix: "+" + Self.original, domain: nil, nextHop: StirHarness.callee,
                                      transport: .udp, retargetTo: retargetTo))
        }
        let div = RetargetProcessor(peers: peers, routes: RouteTable(routes: routes), credentials: creds,
                                    extraction: IdentityExtractionPolicy())
        return [sign, div]
    }

    func shaken(dest: String = original) throws -> String {
        try IdentitySigner(key: keys.key, x5u: Self.x5u)
            .identityHeader(orig: Self.caller, dest: [dest], attest: .a, origid: UUID().uuidString.lowercased(), iat: Int(Self.now))
    }

    /// Verifies the forwarded set as the next hop would: Request-URI as the target.
    func verify(_ fwd: SIPMessage, target: String = forwarded) -> VerificationResult {
        let sip = SIPIdentityContext(originating: [.tn(Self.caller)], destinations: [.tn(target)], date: SIPDate.format(Self.now),
                                     now: Self.now, targets: [.tn(target)])
        let policy = VerificationPolicy(acceptBaseline: false, allowCompactForm: false, divMaxAgeSeconds: 3600)
        return IdentityVerifier.verify(identityHeaders: fwd.identityHeaders, sip: sip, policy: policy) { url in
            if url == Self.divX5U { return .available(StaticCertificate(publicKey: keys.other.publicKey, coveredTNs: [Self.original])) }
            return .available(StaticCertificate(publicKey: keys.key.publicKey, coveredTNs: [Self.caller]))
        }
    }

    func forward(_ processors: [RequestProcessor], _ text: String, from host: String) throws -> SIPMessage {
        let out = StirHarness(processors: processors).receive(text, from: host)
        return try #require(out.first { $0.isRequest })
    }

    @Test func retargetToRewritesRequestURIAndAddsDiv() throws {
        let fwd = try forward(try processors(retargetTo: "+" + Self.forwarded), StirHarness.invite(), from: "192.0.2.1")
        #expect(fwd.requestURI == "sip:+\(Self.forwarded)@127.0.0.1")
        #expect(fwd.identityHeaders.count == 2)
        let div = try #require(fwd.identityHeaders.last)
        #expect(div.hasSuffix(";info=<\(Self.divX5U)>;alg=ES256;ppt=div"))
        let claims = try PASSporT.decode(String(div.prefix { $0 != ";" })).claims
        #expect(claims.div == .tn(Self.original) && claims.dest == [.tn(Self.forwarded)] && claims.orig == .tn(Self.caller))
        #expect(claims.iat == Self.now && claims.attest == nil && claims.origid == nil)
        // The original is kept, first, unchanged; the pair verifies as a chain.
        #expect(try PASSporT.decode(String(fwd.identityHeaders[0].prefix { $0 != ";" })).claims.dest == [.tn(Self.original)])
        let r = verify(fwd)
        #expect(r.isValidByDivChain)
        #expect(r.attestation == .a)
    }

    /// §3: a retarget to the same canonical number is no retarget: no div.
    @Test func sameCanonicalTargetGetsNoDiv() throws {
        let fwd = try forward(try processors(retargetTo: "tel:+1-215-555-9999"), StirHarness.invite(), from: "192.0.2.1")
        #expect(fwd.requestURI == "tel:+1-215-555-9999")
        #expect(fwd.identityHeaders.count == 1)
    }

    /// §4.1: no Identity, no div (the retarget itself still happens).
    @Test func unsignedCallIsRetargetedWithoutDiv() throws {
        let fwd = try forward(try processors(retargetTo: Self.forwarded),
                              StirHarness.invite(from: "<sip:alice@192.0.2.77>;tag=x"), from: "198.51.100.10")
        #expect(fwd.requestURI == "sip:\(Self.forwarded)@127.0.0.1")
        #expect(fwd.identityHeaders.isEmpty)
    }

    static func retargetedInvite(_ extra: [String]) -> String {
        StirHarness.invite(extra: extra).replacingOccurrences(of: "INVITE sip:+12155559999@127.0.0.1", with: "INVITE sip:+\(forwarded)@127.0.0.1")
    }

    @Test(arguments: [
        "History-Info: <sip:+12155559999@192.0.2.9?Reason=SIP%3Bcause%3D302>;index=1, <sip:+12155550199@127.0.0.1;cause=302>;index=1.1",
        "Diversion: <sip:+12155559999@192.0.2.9>;reason=unconditional;counter=1",
    ])
    func signDivPeerGetsDivFromRecordedRetarget(header: String) throws {
        let invite = Self.retargetedInvite([header, "Identity: " + (try shaken())])
        let fwd = try forward(try processors(), invite, from: "198.51.100.9")
        #expect(fwd.identityHeaders.count == 2)
        #expect(verify(fwd).isValidByDivChain)
        // A peer without sign_div gets nothing added.
        let plain = try forward(try processors(), invite, from: "198.51.100.10")
        #expect(plain.identityHeaders.count == 1)
    }

    /// §4.1: a verified peer's call is retargeted with a div only when our
    /// verification passed it (the attestation header is set only then).
    @Test func verifiedPeersCallGetsDivOnlyWhenItVerified() throws {
        let identity = "Identity: " + (try shaken())
        let failed = try forward(try processors(retargetTo: "+" + Self.forwarded), StirHarness.invite(extra: [identity]), from: "198.51.100.11")
        #expect(failed.requestURI == "sip:+\(Self.forwarded)@127.0.0.1")
        #expect(failed.identityHeaders.count == 1)
        let passed = try forward(try processors(retargetTo: "+" + Self.forwarded),
                                 StirHarness.invite(extra: [identity, "X-Stir-Attestation: A"]), from: "198.51.100.11")
        #expect(passed.identityHeaders.count == 2)
    }

    /// §4.1: one div per distinct (orig, dest), never a second for the same pair.
    @Test func onePerDistinctOrigAndNoneTwice() throws {
        let first = try shaken()
        let hi = "Diversion: <sip:+12155559999@192.0.2.9>"
        let fwd = try forward(try processors(), Self.retargetedInvite([hi, "Identity: " + first, "Identity: " + (try shaken())]),
                              from: "198.51.100.9")
        #expect(fwd.identityHeaders.count == 3)
        let again = try forward(try processors(), Self.retargetedInvite([hi] + fwd.identityHeaders.map { "Identity: " + $0 }),
                                from: "198.51.100.9")
        #expect(again.identityHeaders.count == 3)
    }
}

/// The div keys are checked when the INI is read (`file:line: key: why`).
@Suite struct DivConfigurationTests {
    func daemonError(_ text: String) -> String? {
        do { _ = try DaemonConfiguration(document: INIDocument.parse(text, file: "t.ini")); return nil } catch { return "\(error)" }
    }

    @Test func keysAreChecked() throws {
        #expect(configError("[verify]\ndiv_max_age_s = 30\n") == "t.ini:2: div_max_age_s: must be 0 (off) or at least max_iat_age_s (60)")
        #expect(try parseConfig("[verify]\ndiv_max_age_s = 10800\n").verify.divMaxAgeSeconds == 10_800)
        #expect(configError("[peer \"p\"]\naddresses = 192.0.2.1\nsign_div = yes\n")?.contains("sign_div: only a trusted peer") == true)
        #expect(daemonError("[route \"r\"]\nnext_hop = 127.0.0.1\nretarget_to = bob\n")?
            .contains("retarget_to: 'bob' is not a TN (digits, optional +) or a sip:, sips: or tel: URI") == true)
        #expect(daemonError("[route \"r\"]\nnext_hop = 127.0.0.1\nretarget_to = +12155550199\n")
            == "t.ini:3: retarget_to: needs the STIR chain: configure at least one [peer \"name\"]")
        let c = try DaemonConfiguration(document: INIDocument.parse(
            "[route \"r\"]\nnext_hop = 127.0.0.1\nretarget_to = +12155550199\n[peer \"default\"]\n", file: "t.ini"))
        #expect(c.stir.routes.routes.first?.retargetTo == "+12155550199")
    }

    @Test func retargetedURIs() {
        #expect(RetargetProcessor.retargeted("sip:+12155559999@h:5060;user=phone", to: "+12155550199") == "sip:+12155550199@h:5060;user=phone")
        #expect(RetargetProcessor.retargeted("sip:h", to: "12155550199") == "sip:12155550199@h")
        #expect(RetargetProcessor.retargeted("tel:+12155559999", to: "+12155550199") == "tel:+12155550199")
        #expect(RetargetProcessor.retargeted("sip:a@h", to: "sips:b@k") == "sips:b@k")
    }
}
