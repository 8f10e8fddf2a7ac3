import Crypto
import Testing
@testable import STIRCore

@Suite struct PASSporTTests {
    let rfc8946Key = try! ES256PublicKey(pem: Vectors.rfc8946Public)
    let rfc8225Key = try! ES256PublicKey(pem: Vectors.rfc8225PublicA2)

    @Test func decodesDerivedSHAKENVectorAndVerifies() throws {
        let p = try PASSporT.decode(Vectors.shakenDerived)
        #expect(p.header == PASSporTHeader(ppt: "shaken", x5u: "https://cert.example.org/passport.cer"))
        #expect(p.claims.attest == .a)
        #expect(p.claims.origid == "123e4567-e89b-12d3-a456-426655440000")
        #expect(p.claims.orig == .tn("12155550121"))
        #expect(p.claims.dest == [.tn("12155550131")])
        #expect(p.claims.iat == 1443208345)
        try PASSporTClaimRules.check(p.claims, ppt: "shaken")
        #expect(p.isSignatureValid(with: rfc8946Key))
        #expect(!p.isSignatureValid(with: rfc8225Key))
    }

    /// The RFC 8225 §7.1 token carries a string iat (errata
    /// 5985). Its signature is valid with the A.2 key, but the claims are
    /// invalid, so a verifier must reject it.
    @Test func rejectsRFC8225StringIatExample() throws {
        #expect(throws: PASSporTError.invalidClaim("iat", "string, not a NumericDate (RFC 8224 errata 5985)")) {
            try PASSporT.decode(Vectors.rfc8225FullForm)
        }
        let parts = Vectors.rfc8225FullForm.split(separator: ".")
        let input = Array((parts[0] + "." + parts[1]).utf8)
        #expect(rfc8225Key.isValidSignature(Base64URL.decode(parts[2])!, for: input))
    }

    /// RFC 8225 Appendix A: the A.1 and A.2 keys are not a pair, and the
    /// printed signature verifies with neither.
    @Test func rfc8225AppendixASignatureVerifiesWithNeitherKey() throws {
        let token = Vectors.rfc8225Header + "." + Vectors.rfc8225AppendixAPayload + "." + Vectors.rfc8225AppendixASignature
        let p = try PASSporT.decode(token)
        #expect(p.claims.iat == 1471375418)
        #expect(!p.isSignatureValid(with: rfc8225Key))
        let a1 = try ES256PrivateKey(pem: Vectors.rfc8225PrivateA1)
        #expect(!p.isSignatureValid(with: a1.publicKey))
    }

    /// RFC 8946 §4.1 and §5: all three tokens are valid; div-o's dest is a bare string.
    @Test func decodesRFC8946DivTokens() throws {
        let div = try PASSporT.decode(Vectors.rfc8946Div)
        #expect(div.header.ppt == "div")
        #expect(div.claims.div == .tn("121555551213"))
        try PASSporTClaimRules.check(div.claims, ppt: "div")
        #expect(div.isSignatureValid(with: rfc8946Key))
        let original = try PASSporT.decode(Vectors.rfc8946Original)
        #expect(original.isSignatureValid(with: rfc8946Key))
        // The div claim's 12-digit typo breaks the chain to the original dest.
        #expect(original.claims.dest != [div.claims.div!])
        let divo = try PASSporT.decode(Vectors.rfc8946DivO)
        #expect(divo.claims.dest == [.tn("12155551214")])
        #expect(divo.claims.extra["opt"]?.stringValue == Vectors.rfc8946Original)
        try PASSporTClaimRules.check(divo.claims, ppt: "div-o")
        #expect(divo.isSignatureValid(with: rfc8946Key))
    }

    @Test func preservesRCDAndUnknownClaims() throws {
        let json = #"{"orig":{"tn":"12025551000"},"dest":{"tn":["12025551001"]},"iat":1443208345,"rcd":{"nam":"James Bond"},"crn":"Q","zz":[1]}"#
        let claims = try PASSporTClaims(json: JSONReader().parse(Array(json.utf8)))
        #expect(claims.rcd == .object(["nam": .string("James Bond")]))
        #expect(claims.crn == "Q")
        #expect(claims.extra["zz"] == .array([.integer(1)]))
        try PASSporTClaimRules.check(claims, ppt: "rcd")
        #expect(CanonicalJSON.string(claims.json)
            == #"{"crn":"Q","dest":{"tn":["12025551001"]},"iat":1443208345,"orig":{"tn":"12025551000"},"rcd":{"nam":"James Bond"},"zz":[1]}"#)
    }

    /// RFC 9795 §8.3: rcd/rcdi shapes are preserved byte-for-byte through canonical JSON.
    @Test func preservesRFC9795RcdiDigests() throws {
        let rcdi = #"{"/jcd/1/3/3":"sha256-RojgWwU6xUtI4q82+kHPyHm1JKbm7+663bMvzymhkl4","/jcd/1/4/3":"sha256-jL4f47fF82LuwcrOrSyckA4SWrlElfARHkW6kYo1JdI","/jcd/1/5/3":"sha256-GKNxxqlLRarbyBNh7hc/4lbZAdK6B0kMRf1AMRWPkSo","/jcl":"sha256-qCn4pEH6BJu7zXndLFuAP6DwlTv5fRmJ1AFkqftwnCs"}"#
        let json = #"{"orig":{"tn":"12025551000"},"dest":{"tn":["12025551001"]},"iat":1443208345,"rcd":{"nam":"James Bond","jcl":"https://example.com/q.json"},"rcdi":\#(rcdi)}"#
        let claims = try PASSporTClaims(json: JSONReader().parse(Array(json.utf8)))
        #expect(claims.rcdi.map(CanonicalJSON.string) == rcdi)
        #expect(claims.rcd?["nam"]?.stringValue == "James Bond")
        try PASSporTClaimRules.check(claims, ppt: "rcd")
    }

    /// Claim rules per ppt.
    @Test(arguments: [
        (#"{"dest":{"tn":["1"]},"iat":1,"orig":{"tn":"2"}}"#, "shaken", PASSporTError.missingClaim("attest")),
        (#"{"attest":"A","dest":{"tn":["1"]},"iat":1,"orig":{"tn":"2"}}"#, "shaken", .missingClaim("origid")),
        (#"{"attest":"A","dest":{"tn":["1"]},"iat":1,"orig":{"tn":"2"},"origid":"x"}"#, "shaken", .invalidClaim("origid", "not a UUID (RFC 8588 §5)")),
        (#"{"attest":"A","dest":{"uri":["sip:a@b"]},"iat":1,"orig":{"tn":"2"},"origid":"123e4567-e89b-12d3-a456-426655440000"}"#, "shaken", .invalidClaim("dest", "SHAKEN requires tn")),
        (#"{"attest":"A","dest":{"tn":["1"]},"iat":1,"orig":{"uri":"sip:a@b"},"origid":"123e4567-e89b-12d3-a456-426655440000"}"#, "shaken", .invalidClaim("orig", "SHAKEN requires a tn")),
        (#"{"dest":{"tn":["1"]},"iat":1,"orig":{"tn":"2"}}"#, "div", .missingClaim("div")),
        (#"{"dest":{"tn":["1"]},"div":{"tn":"3"},"iat":1,"orig":{"tn":"2"}}"#, "div-o", .missingClaim("opt")),
        (#"{"dest":{"tn":["1"]},"iat":1,"orig":{"tn":"2"}}"#, "rcd", .missingClaim("rcd")),
        (#"{"dest":{"tn":["1"]},"iat":1,"orig":{"tn":"2"}}"#, "foo", .invalidHeader("ppt foo has no known claim rules")),
    ])
    func enforcesClaimRulesPerPpt(json: String, ppt: String, error: PASSporTError) throws {
        let claims = try PASSporTClaims(json: JSONReader().parse(Array(json.utf8)))
        #expect(throws: error) { try PASSporTClaimRules.check(claims, ppt: ppt) }
    }

    @Test(arguments: [
        (#"{"dest":{"tn":["1"]},"orig":{"tn":"2"}}"#, PASSporTError.missingClaim("iat")),
        (#"{"dest":{"tn":["1"]},"iat":1}"#, .missingClaim("orig")),
        (#"{"iat":1,"orig":{"tn":"2"}}"#, .missingClaim("dest")),
        (#"{"dest":{"tn":["1"]},"iat":-1,"orig":{"tn":"2"}}"#, .invalidClaim("iat", "negative")),
        (#"{"dest":{"tn":["1"]},"iat":1.5,"orig":{"tn":"2"}}"#, .invalidClaim("iat", "not an integer NumericDate")),
        (#"{"dest":{"tn":["1"]},"iat":99999999999999999999,"orig":{"tn":"2"}}"#, .invalidClaim("iat", "not an integer NumericDate")),
        (#"{"dest":{"tn":["1"]},"iat":1,"orig":{"tn":"2","uri":"sip:a@b"}}"#, .invalidClaim("orig", "must hold exactly one identity")),
        (#"{"dest":{"tn":["1"]},"iat":1,"orig":{"tn":2}}"#, .invalidClaim("orig", "tn is not a non-empty string")),
        (#"{"dest":{},"iat":1,"orig":{"tn":"2"}}"#, .invalidClaim("dest", "must be a non-empty object")),
        (#"{"dest":{"tn":[]},"iat":1,"orig":{"tn":"2"}}"#, .invalidClaim("dest", "no identity")),
        (#"{"dest":{"tn":["1"],"x":["2"]},"iat":1,"orig":{"tn":"2"}}"#, .invalidClaim("dest", "unknown identity type")),
        (#"{"attest":"D","dest":{"tn":["1"]},"iat":1,"orig":{"tn":"2"}}"#, .invalidClaim("attest", "not A, B or C")),
        (#"[1]"#, .invalidClaim("payload", "not an object")),
    ])
    func rejectsBadBaselineClaims(json: String, error: PASSporTError) throws {
        let value = try JSONReader().parse(Array(json.utf8))
        #expect(throws: error) { try PASSporTClaims(json: value) }
    }

    @Test(arguments: [
        ("", PASSporTError.malformedToken("not three segments")),
        ("abc", .malformedToken("not three segments")),
        ("a.b", .malformedToken("not three segments")),
        ("a.b.c.d", .malformedToken("more than three segments")),
        ("..sig", .malformedToken("empty header or payload (compact form)")),
        ("eyJ9.eyJ9.", .malformedToken("empty signature")),
        ("e=.eyJ9.AA", .invalidBase64("header")),
        ("e30.e+0.AA", .invalidBase64("payload")),
        ("e30.e30.A", .invalidBase64("signature")),
        ("bm90IGpzb24.e30.AA", .invalidJSON("header", .syntax(offset: 1))),
        ("e30.e30.AA", .invalidHeader("alg")),
        ("eyJhbGciOjF9.e30.AA", .invalidHeader("alg")),
        ("eyJhbGciOiJFUzI1NiIsInR5cCI6MX0.e30.AA", .invalidHeader("typ")),
        ("eyJhbGciOiJFUzI1NiIsImFsZyI6IkVTMjU2In0.e30.AA", .invalidJSON("header", .duplicateKey("alg"))),
    ])
    func rejectsMalformedTokens(token: String, error: PASSporTError) {
        #expect(throws: error) { try PASSporT.decode(token) }
    }

    @Test func rejectsDeeplyNestedAndHugePayloads() {
        let deep = Base64URL.encode(Array((String(repeating: "[", count: 100) + String(repeating: "]", count: 100)).utf8))
        #expect(throws: PASSporTError.invalidJSON("payload", .tooDeep)) { try PASSporT.decode("eyJhbGciOiJFUzI1NiJ9.\(deep).AA") }
        let huge = Base64URL.encode([UInt8](repeating: 0x20, count: 100_000))
        #expect(throws: PASSporTError.malformedToken("too long")) { try PASSporT.decode("e30.\(huge).AA") }
    }
}
