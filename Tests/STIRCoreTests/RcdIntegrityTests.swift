import Testing
@testable import STIRCore

/// RFC 9795 §6 `rcdi` digests and the §8.3 examples.
@Suite struct RcdIntegrityTests {
    /// §8.3 claims: `rcd` with `nam`, decoded and accepted by the rcd claim rules.
    @Test func rfc9795ExampleClaims() throws {
        let json = #"{"orig":{"tn":"12025551000"},"dest":{"tn":["12025551001"]},"iat":1443208345,"rcd":{"nam":"James Bond"}}"#
        let claims = try PASSporTClaims(json: try JSONReader().parse(Array(json.utf8)))
        try PASSporTClaimRules.check(claims, ppt: "rcd")
        #expect(claims.rcd?["nam"]?.stringValue == "James Bond")
        #expect(RcdIntegrity.check(rcd: claims.rcd, rcdi: nil) == .verified)
    }

    /// §8.3 jCard example: its `rcdi` digests cover the photo and logo
    /// content (URLs in the jCard), which needs a fetch: nothing local fails.
    @Test func rfc9795ExampleJCardDigestsNeedTheirContent() throws {
        let jcd = #"["vcard",[["version",{},"text","4.0"],["fn",{},"text","Q Branch"],["org",{},"text","MI6;Q Branch Spy Gadgets"],["photo",{},"uri","https://example.com/photos/q-256x256.png"],["logo",{},"uri","https://example.com/logos/mi6-256x256.jpg"],["logo",{},"uri","https://example.com/logos/mi6-64x64.jpg"]]]"#
        let rcdi = #"{"/jcd/1/3/3":"sha256-RojgWwU6xUtI4q82+kHPyHm1JKbm7+663bMvzymhkl4","/jcd/1/4/3":"sha256-jL4f47fF82LuwcrOrSyckA4SWrlElfARHkW6kYo1JdI","/jcd/1/5/3":"sha256-GKNxxqlLRarbyBNh7hc/4lbZAdK6B0kMRf1AMRWPkSo"}"#
        let rcd = JSONValue.object(["nam": .string("Q Branch Spy Gadgets"), "jcd": try JSONReader().parse(Array(jcd.utf8))])
        let verdict = RcdIntegrity.check(rcd: rcd, rcdi: try JSONReader().parse(Array(rcdi.utf8)))
        guard case .needsContent(let external) = verdict else { Issue.record("\(verdict)"); return }
        #expect(Set(external.keys) == ["https://example.com/photos/q-256x256.png", "https://example.com/logos/mi6-256x256.jpg",
                                       "https://example.com/logos/mi6-64x64.jpg"])
    }

    /// A JSON member's digest is over its canonical serialization (strings with their quotes).
    @Test func localMemberDigestMatchesOrFails() throws {
        let rcd = JSONValue.object(["nam": .string("Alice"), "jcd": .array([.string("vcard"), .array([])])])
        let nam = try #require(RcdIntegrity.digest(Array("\"Alice\"".utf8)))
        let jcd = try #require(RcdIntegrity.digest(CanonicalJSON.encode(.array([.string("vcard"), .array([])])), alg: "sha512"))
        #expect(RcdIntegrity.check(rcd: rcd, rcdi: .object(["/nam": .string(nam), "/jcd": .string(jcd)])) == .verified)
        let wrong = try #require(RcdIntegrity.digest(Array("\"Mallory\"".utf8)))
        #expect(RcdIntegrity.check(rcd: rcd, rcdi: .object(["/nam": .string(wrong)])) == .failed("rcdi /nam: digest mismatch"))
        #expect(RcdIntegrity.check(rcd: rcd, rcdi: .object(["/crn": .string(nam)])) == .failed("rcdi /crn: no such member"))
        #expect(RcdIntegrity.check(rcd: nil, rcdi: .object([:])) == .failed("rcdi without an rcd object"))
    }

    @Test func icnAndJclNeedContent() {
        let rcd = JSONValue.object(["nam": .string("A"), "icn": .string("https://x.example/i.png")])
        let d = RcdIntegrity.digest([1, 2, 3])!
        #expect(RcdIntegrity.check(rcd: rcd, rcdi: .object(["/icn": .string(d)])) == .needsContent(["https://x.example/i.png": d]))
        #expect(RcdIntegrity.matches([1, 2, 3], d))
        #expect(!RcdIntegrity.matches([1, 2, 4], d))
    }

    @Test func digestSyntax() {
        #expect(RcdIntegrity.parseDigest("sha256-RojgWwU6xUtI4q82+kHPyHm1JKbm7+663bMvzymhkl4") != nil)
        #expect(RcdIntegrity.parseDigest("sha256-RojgWwU6xUtI4q82-kHPyHm1JKbm7-663bMvzymhkl4=") != nil)
        #expect(RcdIntegrity.parseDigest("SHA256-RojgWwU6xUtI4q82+kHPyHm1JKbm7+663bMvzymhkl4") == nil)
        #expect(RcdIntegrity.parseDigest("md5-RojgWwU6xUtI4q82+kHPyHm1JKbm7+663bMvzymhkl4") == nil)
        #expect(RcdIntegrity.parseDigest("sha384-RojgWwU6xUtI4q82+kHPyHm1JKbm7+663bMvzymhkl4") == nil)
        #expect(RcdIntegrity.digest([], alg: "sha384")?.hasPrefix("sha384-") == true)
    }
}
