import Foundation
import Testing
@testable import STIRCore

@Suite struct Base64URLTests {
    @Test(arguments: [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ])
    func encodesRFC4648VectorsWithoutPadding(plain: String, encoded: String) {
        #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
        #expect(Base64URL.decode(encoded) == Array(plain.utf8))
    }

    @Test func usesURLAlphabet() {
        #expect(Base64URL.encode([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Base64URL.decode("-_-_") == [0xFB, 0xFF, 0xBF])
    }

    @Test(arguments: ["Zg==", "Zm8=", "+/+/", "Zm9v Yg", "Z", "Zm9vY", "Zh", "Zm9\n", "Zm9vä"])
    func rejectsPaddingStandardAlphabetAndBadLengths(text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    @Test func roundTripsAllByteValues() {
        let bytes = (0..<256).map { UInt8($0) }
        for n in 0..<10 {
            let slice = Array(bytes[n...])
            #expect(Base64URL.decode(Base64URL.encode(slice)) == slice)
        }
    }

    /// Against Foundation's base64 (alphabet swapped, padding dropped) for
    /// every length up to 300, from an array and from a collection with
    /// no contiguous storage.
    @Test func equalsFoundationBase64ForEveryLength() {
        var state: UInt64 = 0xB64
        for length in 0...300 {
            let bytes: [UInt8] = (0..<length).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: state >> 40)
            }
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(bytes) == expected, "length \(length)")
            #expect(String(decoding: Base64URL.encodeToBytes(bytes.lazy.map { $0 }), as: UTF8.self) == expected)
        }
    }
}
