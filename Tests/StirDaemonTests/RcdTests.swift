import Foundation
import SIPCore
import SIPProxy
import Certificates
import Dispatch
import STIRCore
import Testing
@testable import StirDaemon

/// Rich Call Data (RFC 9795): the names file, signing a `ppt=rcd`
/// PASSporT, and presenting a verified name to the callee.
@Suite struct RcdTests {
    static let now: Int64 = 1_790_000_000
    static let x5u = "https://cr.example.net/main.pem"
    let keys: KeyFiles
    let lookup = FakeLookup()

    init() throws {
        keys = try KeyFiles()
        lookup.results[Self.x5u] = .available(StaticCertificate(publicKey: keys.key.publicKey))
    }

    static let names = """
        # caller names
        12155551010 "Alice \\"A\\" Example"
        1215555102*  "Example Corp"  icn=https://logo.example.net/c.png
        """

    @Test func namesFileParses() throws {
        let table = try RcdNameTable.parse(Self.names).get()
        #expect(table.entry(for: "12155551010")?.name == "Alice \"A\" Example")
        #expect(table.entry(for: "12155551029")?.icn == "https://logo.example.net/c.png")
        #expect(table.entry(for: "12155551099") == nil)
    }

    @Test(arguments: [
        ("12155551010 Alice", "line 1: the name must be a quoted string"),
        ("\n12155551010 \"Alice", "line 2: unterminated quoted name"),
        ("12155551010 \"A\" icn=http://x/y", "line 1: icn must be an https URL (RFC 9795 §5.1.3, §5.1.5)"),
        ("12155551010 \"A\" icn_rcdi=sha256-AAAA", "line 1: icn_rcdi must be sha256-, sha384- or sha512- and a base64 digest (RFC 9795 §6)"),
        ("12155551010 \"A\" colour=red", "line 1: unknown key 'colour' (icn, icn_rcdi, jcl, jcl_rcdi)"),
        ("abc \"A\"", nil),
    ] as [(String, String?)])
    func namesFileErrorsSayWhichLine(text: String, why: String?) {
        guard case .failure(let e) = RcdNameTable.parse(text) else { Issue.record("accepted \(text)"); return }
        if let why { #expect(e.description == why) }
    }

    /// `rcd_names_file` is read with the INI and its errors name the key.
    @Test func namesFileIsReadWithTheConfiguration() throws {
        let path = keys.directory + "/names.txt"
        try Self.names.write(toFile: path, atomically: true, encoding: .utf8)
        let c = try parseConfig("[sign]\nrcd_names_file = \(path)\n")
        #expect(c.sign.rcdNames.entries.count == 2)
        try "1215 Bob".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(configError("[sign]\nrcd_names_file = \(path)\n")?.contains("rcd_names_file: \(path) line 1: the name must be a quoted string") == true)
        #expect(configError("[verify]\nrcd_present = name, colour\n")?.contains("rcd_present: 'colour' is not name or call_info") == true)
    }

    var peers: PeerTable {
        PeerTable([
            peer("pbx", "192.0.2.1") { $0.trusted = true; $0.sign = true; $0.tns = PolicyTests.tns("1215555*") },
            peer("carrier", "198.51.100.1") { $0.verify = true; $0.trusted = true },
            peer("untrusted", "198.51.100.2") { $0.verify = true },
        ])
    }

    func signed(from: String = "<sip:+12155551010@192.0.2.1;user=phone>;tag=f1") throws -> SIPMessage {
        var c = CredentialConfiguration(name: "main")
        c.privateKeyFile = keys.keyPath
        c.x5u = Self.x5u
        let credentials = [try SigningCredential(c)]
        let sign = SigningProcessor(peers: peers, credentials: credentials, config: SignConfiguration(),
                                    extraction: IdentityExtractionPolicy(), now: { Self.now })
        let rcd = RcdSigningProcessor(table: try RcdNameTable.parse(Self.names).get(), credentials: credentials)
        let out = StirHarness(processors: [sign, rcd]).receive(StirHarness.invite(from: from), from: "192.0.2.1")
        return try #require(out.first { $0.isRequest })
    }

    @Test func signsAnRcdPASSporTNextToTheSHAKENOne() throws {
        let fwd = try signed()
        #expect(fwd.identityHeaders.count == 2)
        let rcd = try #require(fwd.identityHeaders.last)
        #expect(rcd.hasSuffix(";ppt=rcd"))
        let claims = try PASSporT.decode(String(rcd.prefix { $0 != ";" })).claims
        #expect(claims.rcd == .object(["nam": .string("Alice \"A\" Example")]))
        #expect(claims.orig == .tn("12155551010") && claims.dest == [.tn("12155559999")] && claims.iat == Self.now)
        // A caller without an entry gets only SHAKEN.
        #expect(try signed(from: "<sip:+12155551099@192.0.2.1;user=phone>;tag=f1").identityHeaders.count == 1)
    }

    func verifier(_ edit: (inout RcdPresentation) -> Void) -> VerificationProcessor {
        var v = VerifyConfiguration()
        v.rcd.name = true
        v.rcd.callInfo = true
        edit(&v.rcd)
        return VerificationProcessor(peers: peers, source: lookup, config: v, extraction: IdentityExtractionPolicy(), now: { Self.now })
    }

    func deliver(_ identities: [String], from peer: String, name: String? = "Caller Supplied", extra: [String] = [],
                 _ edit: (inout RcdPresentation) -> Void = { _ in }) throws -> SIPMessage {
        let display = name.map { "\"\($0)\" " } ?? ""
        let invite = StirHarness.invite(from: "\(display)<sip:+12155551010@\(peer);user=phone>;tag=f1",
                                        extra: ["Date: " + SIPDate.format(Self.now)] + extra + identities.map { "Identity: " + $0 })
        let out = StirHarness(processors: [verifier(edit)]).receive(invite, from: peer)
        return try #require(out.first { $0.isRequest })
    }

    func rcdIdentity(_ rcd: JSONValue, rcdi: JSONValue? = nil) throws -> String {
        let claims = PASSporTClaims(iat: Self.now, orig: .tn("12155551010"), dest: [.tn("12155559999")], rcd: rcd, rcdi: rcdi)
        return try IdentitySigner(key: keys.key, x5u: Self.x5u).identityHeader(claims: claims, ppt: "rcd")
    }

    func shaken(_ attest: Attestation = .a) throws -> String {
        try IdentitySigner(key: keys.key, x5u: Self.x5u)
            .identityHeader(orig: "12155551010", dest: ["12155559999"], attest: attest, origid: UUID().uuidString.lowercased(), iat: Int(Self.now))
    }

    @Test func verifiedNameIsPresentedInFromAndCallInfo() throws {
        let rcd = JSONValue.object(["nam": .string("Example Corp"), "icn": .string("https://logo.example.net/c.png")])
        let fwd = try deliver([try shaken(), try rcdIdentity(rcd)], from: "198.51.100.1")
        #expect(fwd.first("From")?.hasPrefix("\"Example Corp\" <sip:+12155551010@198.51.100.1;user=phone>;tag=f1") == true)
        #expect(fwd.headers(named: "Call-Info") == ["<https://logo.example.net/c.png>;purpose=icon"])
        // Presentation off for the display name: the caller's own name stays (trusted peer).
        let off = try deliver([try shaken(), try rcdIdentity(rcd)], from: "198.51.100.1") { $0.name = false }
        #expect(off.first("From")?.hasPrefix("\"Caller Supplied\" <sip:") == true)
    }

    @Test func untrustedPeersOwnNamesAreRemoved() throws {
        let fwd = try deliver([try shaken()], from: "198.51.100.2", extra: ["Call-Info: <https://evil.example/i.png>;purpose=icon"])
        #expect(fwd.first("From")?.hasPrefix("<sip:+12155551010@198.51.100.2") == true)
        #expect(fwd.headers(named: "Call-Info").isEmpty)
        // A signed name from the same peer is presented.
        let signed = try deliver([try shaken(), try rcdIdentity(.object(["nam": .string("Real Name")]))], from: "198.51.100.2")
        #expect(signed.first("From")?.hasPrefix("\"Real Name\" <sip:") == true)
        // A trusted peer's own name is kept.
        #expect(try deliver([try shaken()], from: "198.51.100.1").first("From")?.hasPrefix("\"Caller Supplied\"") == true)
    }

    @Test func rcdiMismatchOrAttestationBlockThePresentation() throws {
        let wrong = RcdIntegrity.digest(Array("\"Someone Else\"".utf8))!
        let bad = try deliver([try shaken(), try rcdIdentity(.object(["nam": .string("Fake")]), rcdi: .object(["/nam": .string(wrong)]))],
                              from: "198.51.100.2")
        #expect(bad.first("From")?.hasPrefix("<sip:") == true)
        let right = RcdIntegrity.digest(Array("\"Fine\"".utf8))!
        let good = try deliver([try shaken(), try rcdIdentity(.object(["nam": .string("Fine")]), rcdi: .object(["/nam": .string(right)]))],
                               from: "198.51.100.2")
        #expect(good.first("From")?.hasPrefix("\"Fine\" <sip:") == true)
        let b = try deliver([try shaken(.b), try rcdIdentity(.object(["nam": .string("Maybe")]))], from: "198.51.100.2") {
            $0.onlyAttestationA = true
        }
        #expect(b.first("From")?.hasPrefix("<sip:") == true)
        // An icn whose rcdi digest needs the image is not presented.
        let icn = JSONValue.object(["nam": .string("Logo"), "icn": .string("https://logo.example.net/c.png")])
        let withDigest = try deliver([try shaken(), try rcdIdentity(icn, rcdi: .object(["/icn": .string(right)]))], from: "198.51.100.2")
        #expect(withDigest.first("From")?.hasPrefix("\"Logo\" <sip:") == true)
        #expect(withDigest.headers(named: "Call-Info").isEmpty)
    }

    @Test func displayNameEditing() {
        #expect(DisplayNameEditor.set("\"Old <x>\" <sip:a@b>;tag=1", name: "New \"N\"") == "\"New \\\"N\\\"\" <sip:a@b>;tag=1")
        #expect(DisplayNameEditor.set("Old <sip:a@b>;tag=1", name: nil) == "<sip:a@b>;tag=1")
        #expect(DisplayNameEditor.set("sip:a@b;tag=1", name: "N") == "\"N\" <sip:a@b>;tag=1")
        #expect(DisplayNameEditor.set("sip:a@b;tag=1", name: nil) == "sip:a@b;tag=1")
    }
}

/// Answers every URL from a dictionary (404 otherwise), asynchronously.
final class FakeRequester: HTTPRequester, @unchecked Sendable {
    var bodies: [String: [UInt8]] = [:]
    func send(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, CertificateFailure>) -> Void) {
        let body = bodies[request.url]
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(5)) {
            completion(.success(HTTPResponse(status: body == nil ? 404 : 200, body: body ?? [])))
        }
    }
}

extension RcdTests {
    /// RFC 9795 §8.2: an icn whose rcdi digest covers the image is shown
    /// only when the fetched image matches.
    @Test func iconContentIsFetchedAndItsDigestChecked() throws {
        let icn = "https://logo.example.net/c.png"
        let image: [UInt8] = Array("PNG image bytes".utf8)
        let requester = FakeRequester()
        var policy = X5UURLPolicy()
        policy.ports = [443]
        var v = VerifyConfiguration()
        v.rcd.name = true
        v.rcd.callInfo = true
        let fetcher = RcdContentFetcher(requester: requester, policy: policy, timeout: 2, maximumBytes: 65_536)
        let verify = VerificationProcessor(peers: peers, source: lookup, config: v, extraction: IdentityExtractionPolicy(),
                                           content: fetcher, now: { Self.now })
        let rcd = try rcdIdentity(.object(["nam": .string("Logo"), "icn": .string(icn)]),
                                  rcdi: .object(["/icn": .string(RcdIntegrity.digest(image)!)]))
        func deliver() throws -> SIPMessage {
            let invite = StirHarness.invite(from: "<sip:+12155551010@198.51.100.2;user=phone>;tag=f1",
                                            extra: ["Date: " + SIPDate.format(Self.now), "Identity: " + (try shaken()), "Identity: " + rcd])
            let out = StirHarness(processors: [verify]).receive(invite, from: "198.51.100.2", settle: true)
            return try #require(out.first { $0.isRequest })
        }
        requester.bodies[icn] = image
        let good = try deliver()
        #expect(good.headers(named: "Call-Info") == ["<\(icn)>;purpose=icon"])
        #expect(good.first("From")?.hasPrefix("\"Logo\" <sip:") == true)
        requester.bodies[icn] = Array("another image".utf8)
        let bad = try deliver()
        #expect(bad.headers(named: "Call-Info").isEmpty)
        #expect(bad.first("From")?.hasPrefix("\"Logo\" <sip:") == true)
        requester.bodies[icn] = nil
        #expect(try deliver().headers(named: "Call-Info").isEmpty)
    }
}
