import Testing
@testable import STIRCore

/// Hostile input always yields a typed outcome, never a crash.
@Suite struct BadInputTests {
    typealias F = VerifierFixture

    /// A small deterministic generator (xorshift) so failures reproduce.
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    @Test(arguments: [
        "garbage", ";;;", "\u{0}", "..", "..;info=<https://x.example/y>", "...;info=<https://x.example/y>",
        "a..;info=<https://x.example/y>", "a.b.c.d.e;info=<https://x.example/y>",
        "\(String(repeating: "A", count: 50_000));info=<https://x.example/y>",
        "é.é.é;info=<https://x.example/y>",
    ])
    func garbageHeadersGiveTypedFailures(value: String) {
        let r = F.verify([value])
        #expect(!r.isValid)
        #expect(r.status?.code == 438)
    }

    @Test func hostileJSONInsideValidFramingGivesTypedFailures() {
        let header = #"{"alg":"ES256","ppt":"shaken","typ":"passport","x5u":"\#(F.x5u)"}"#
        let payloads: [(String, String)] = [
            (String(repeating: "[", count: 500), "passport_malformed"),
            (#"{"iat":1,"iat":2}"#, "passport_malformed"),
            (#"{"attest":"A","dest":{"tn":["1"]},"iat":"1700000000","orig":{"tn":"2"},"origid":"\#(F.origid)"}"#, "claim_invalid"),
            (#"{"attest":"A","dest":{"tn":["1"]},"iat":-5,"orig":{"tn":"2"},"origid":"\#(F.origid)"}"#, "claim_invalid"),
            (#"{"attest":"A","dest":{"tn":["1"]},"iat":1e999,"orig":{"tn":"2"},"origid":"\#(F.origid)"}"#, "claim_invalid"),
            (#"{"attest":"A","dest":{"tn":["1"]},"iat":99999999999999999999999,"orig":{"tn":"2"},"origid":"\#(F.origid)"}"#, "claim_invalid"),
            (#"{"attest":"A","dest":{"tn":["1"]},"iat":1700000000,"orig":{"tn":"12155550121"},"origid":"\#(F.origid)"}"#, "dest_mismatch"),
        ]
        for (payload, code) in payloads {
            let r = F.verify([F.token(header: header, payload: payload)])
            #expect(r.failure?.code == code, "\(payload.prefix(60))")
        }
        // Huge iat far in the future must not overflow the freshness arithmetic.
        let future = #"{"attest":"A","dest":{"tn":["12155550131"]},"iat":9223372036854775807,"orig":{"tn":"12155550121"},"origid":"\#(F.origid)"}"#
        #expect(F.verify([F.token(header: header, payload: future)]).failure == .futureIat)
        let nonUTF8 = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]) + ".AA"
        #expect(F.verify([nonUTF8 + ";info=<\(F.x5u)>;ppt=shaken"]).failure?.code == "passport_malformed")
    }

    @Test func randomMutationsOfAValidHeaderNeverCrash() {
        let valid = Array(F.shaken().utf8)
        var rng = Rng(state: 0x9E37_79B9_7F4A_7C15)
        var outcomes = Set<String>()
        for _ in 0..<3_000 {
            var bytes = valid
            for _ in 0...rng.below(4) {
                switch rng.below(3) {
                case 0: bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: rng.below(bytes.count))
                default: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: rng.below(bytes.count))
                }
            }
            let r = F.verify([String(decoding: bytes, as: UTF8.self)])
            outcomes.insert(r.metricLabel)
        }
        // Mutations land in different places, so several distinct failure codes appear.
        #expect(outcomes.count >= 4)
        #expect(outcomes.contains("signature_invalid"))
    }
}
