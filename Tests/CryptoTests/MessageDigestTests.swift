import Crypto
import Testing

/// Known answers for the hashes SIP Digest uses: FIPS 180-4 / NIST example
/// "abc" values, RFC 1321 §A.5, RFC 4231 §4.3 for HMAC-SHA256.
struct MessageDigestTests {
    @Test func knownAnswers() {
        #expect(MessageDigest.md5.hex("abc") == "900150983cd24fb0d6963f7d28e17f72")
        #expect(MessageDigest.sha256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // SHA-512/256 has its own initial values: not SHA-512 truncated
        // (which begins ddaf35a1…).
        #expect(MessageDigest.sha512_256.hex("abc") == "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23")
        #expect(MessageDigest.sha256.length == 32 && MessageDigest.sha512_256.length == 32 && MessageDigest.md5.length == 16)
    }

    @Test func hmacSHA256MatchesRFC4231TestCase2() {
        let mac = MessageDigest.hmacSHA256(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8))
        #expect(MessageDigest.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(MessageDigest.hmacSHA256(key: [], [1]).isEmpty)
    }

    @Test func constantTimeEqual() {
        #expect(MessageDigest.constantTimeEqual(Array("abcd".utf8), Array("abcd".utf8)))
        #expect(!MessageDigest.constantTimeEqual(Array("abcd".utf8), Array("abce".utf8)))
        #expect(!MessageDigest.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        #expect(MessageDigest.constantTimeEqual([], []))
    }
}
