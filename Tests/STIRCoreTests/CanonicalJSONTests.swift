import Testing
@testable import STIRCore

@Suite struct CanonicalJSONTests {
    func canonical(_ text: String) throws -> String {
        CanonicalJSON.string(try JSONReader().parse(Array(text.utf8)))
    }

    @Test func reproducesRFC8225AppendixAHeaderAndPayloadByteForByte() throws {
        let header = try canonical(#"{ "typ":"passport", "x5u":"https://cert.example.org/passport.cer", "alg":"ES256" }"#)
        #expect(header == #"{"alg":"ES256","typ":"passport","x5u":"https://cert.example.org/passport.cer"}"#)
        #expect(Base64URL.encode(Array(header.utf8)) == Vectors.rfc8225Header)
        let payload = try canonical(#"{"orig":{"tn":"12155551212"},"iat":1471375418,"dest":{"uri":["sip:alice@example.com"]}}"#)
        #expect(Base64URL.encode(Array(payload.utf8)) == Vectors.rfc8225AppendixAPayload)
    }

    @Test func reproducesMkyPayloadWithCorrectedBrace() throws {
        // RFC 8225 §9.1 prints this object without the `}` after the dest array.
        let value = JSONValue.object([
            "orig": .object(["tn": .string("12155551212")]),
            "dest": .object(["uri": .array([.string("sip:alice@example.com")])]),
            "iat": .integer(1443208345),
            "mky": .array([
                .object(["dig": .string("021ACC5427ABEB9C533F3E4B652E7D463F5442CD54F17A03A27DF9B07F4619B2"), "alg": .string("sha-256")]),
                .object(["dig": .string("4AADB9B13F82183B540212DF3E5D496B19E57CAB3E4B652E7D463F5442CD54F1"), "alg": .string("sha-256")]),
            ]),
        ])
        #expect(Base64URL.encode(CanonicalJSON.encode(value)) == Vectors.mkyPayload)
    }

    @Test(arguments: [
        (#"{"b":1,"a":{"d":[3,{"z":1,"y":2}],"c":true}}"#, #"{"a":{"c":true,"d":[3,{"y":2,"z":1}]},"b":1}"#),
        (#"{"url":"https://a/b"}"#, #"{"url":"https://a/b"}"#),
        (#"{"s":"a\/b\"c\\d\u0001\n"}"#, #"{"s":"a/b\"c\\d\u0001\n"}"#),
        (#"{"é":1,"z":2,"Z":3,"~":4}"#, #"{"Z":3,"z":2,"~":4,"é":1}"#),
        (#"{"n":null,"f":false,"neg":-5,"big":1e3}"#, #"{"big":1e3,"f":false,"n":null,"neg":-5}"#),
        (#"{"u":"\u00e9\ud83d\ude00"}"#, "{\"u\":\"é😀\"}"),
    ])
    func sortsRecursivelyWithoutWhitespaceOrSlashEscapes(input: String, expected: String) throws {
        #expect(try canonical(input) == expected)
    }

    @Test func isStableUnderReparse() throws {
        let once = try canonical(#"{"x":[{"b":1,"a":"\u2028"}],"a":"q"}"#)
        #expect(try canonical(once) == once)
    }

    /// RFC 8225 §5.2.2: mky built from the RFC 8225 §5.2.2 SDP lines, then the
    /// whole payload, equals the published base64url byte for byte.
    @Test func buildsMkyFromSDPFingerprints() {
        let sdp = """
        v=0\r
        a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3E:4B:65:2E:7D:46:3F:54:42:CD:54:F1\r
        m=audio 49170 UDP/TLS/RTP/SAVP 0\r
        a=fingerprint:SHA-256 02:1a:CC:54:27:AB:EB:9C:53:3F:3E:4B:65:2E:7D:46:3F:54:42:CD:54:F1:7A:03:A2:7D:F9:B0:7F:46:19:B2\r
        a=fingerprint:broken\r
        """
        let mky = PASSporTClaims.MediaKey.fromSDP(sdp)
        #expect(mky.map(\.dig) == ["021ACC5427ABEB9C533F3E4B652E7D463F5442CD54F17A03A27DF9B07F4619B2",
                                   "4AADB9B13F82183B540212DF3E5D496B19E57CAB3E4B652E7D463F5442CD54F1"])
        let claims = PASSporTClaims(iat: 1443208345, orig: .tn("12155551212"), dest: [.uri("sip:alice@example.com")], mky: mky)
        #expect(Base64URL.encode(CanonicalJSON.encode(claims.json)) == Vectors.mkyPayload)
        #expect(PASSporTClaims.MediaKey.fromSDP("v=0\r\n").isEmpty)
    }
}
