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
        // RFC 8225 §9.1 prints this object without the `}` after the dest array (specs.md §11.4).
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
}
