import Testing
@testable import STIRCore

@Suite struct JSONReaderTests {
    func parse(_ text: String, limits: JSONReader.Limits = .init()) throws(JSONError) -> JSONValue {
        try JSONReader(limits: limits).parse(Array(text.utf8))
    }

    @Test func rejectsDuplicateKeys() {
        #expect(throws: JSONError.duplicateKey("iat")) { try parse(#"{"iat":1,"iat":2}"#) }
    }

    @Test func enforcesDepthSizeAndCountLimits() {
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(throws: JSONError.tooDeep) { try parse(deep) }
        #expect(throws: JSONError.tooLarge) { try parse(#"{"a":"\#(String(repeating: "x", count: 20_000))"}"#) }
        let many = "[" + Array(repeating: "1", count: 100).joined(separator: ",") + "]"
        #expect(throws: JSONError.tooManyValues) { try parse(many, limits: .init(maxValues: 50)) }
        #expect((try? parse("[[[[1]]]]", limits: .init(maxDepth: 4))) != nil)
        #expect(throws: JSONError.tooDeep) { try parse("[[[[[1]]]]]", limits: .init(maxDepth: 4)) }
    }

    @Test func keepsOverflowingAndFractionalNumbersAsText() throws {
        #expect(try parse("9223372036854775807") == .integer(Int64.max))
        #expect(try parse("-9223372036854775808") == .integer(Int64.min))
        #expect(try parse("9223372036854775808") == .otherNumber("9223372036854775808"))
        #expect(try parse("1.5") == .otherNumber("1.5"))
        #expect(try parse("-1") == .integer(-1))
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{'a':1}", "01", "1.", "-", "1e", "+1", "tru", "nul", "NaN",
        "{\"a\" 1}", "[1 2]", "\"\\x\"", "\"\\u12\"", "\"tab\there\"", "{} {}", "{\"a\":1}x", "[\"\\uD800\"]", "[\"\\uDC00x\"]",
    ])
    func rejectsMalformedInput(text: String) {
        #expect(throws: JSONError.self) { try parse(text) }
    }

    @Test func rejectsNonUTF8StringBytes() {
        let bytes: [UInt8] = Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(throws: JSONError.invalidUTF8(offset: 5)) { try JSONReader().parse(bytes) }
        #expect(throws: JSONError.self) { try JSONReader().parse([0xFF]) }
    }

    @Test func acceptsWhitespaceAndEscapes() throws {
        let v = try parse(" {\n\t\"a\" : [ true , false , null ] , \"b\":\"\\u0041\\/\" } ")
        #expect(v["a"] == .array([.bool(true), .bool(false), .null]))
        #expect(v["b"]?.stringValue == "A/")
    }
}
