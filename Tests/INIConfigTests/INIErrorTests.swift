import Testing
@testable import INIConfig

/// Errors echo what the file says; the echo must not carry terminal control
/// sequences or invisible characters to the operator's screen or log.
@Suite struct INIErrorTests {
    @Test func escapesControlBytesInAnEchoedValue() throws {
        var r = try reader("[s]\nlevel = \u{1b}[2J\u{1b}]0;owned\u{07}red\r!\n")
        let error = iniError { _ = try r.choice("level", default: 0, ["a": 1]) }
        #expect(error?.description == "t.ini:2: level: must be one of a, got '\\x1b[2J\\x1b]0;owned\\x07red\\x0d!'")
        #expect(error?.description.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F } == true)
        // The message keeps the value as read; only its display is escaped.
        #expect(error?.message.contains("\u{1b}[2J") == true)
    }

    @Test func escapesControlBytesInAnEchoedKeyAndFileName() {
        let key = parseError("[s]\nk\u{1b}x = 1\n")
        #expect(key?.description == "t.ini:2: invalid key 'k\\x1bx': keys are lowercase [a-z0-9_.]+")
        let named = INIError(file: "a\u{7f}.ini", line: 1, key: "k\u{0}", message: "bad")
        #expect(named.description == "a\\x7f.ini:1: k\\x00: bad")
    }

    @Test(arguments: [
        ("\u{9b}31m", "\\x9b31m"),            // C1 CSI
        ("ab\u{202e}cd", "ab\\u{202e}cd"),     // right-to-left override
        ("a\u{200b}b", "a\\u{200b}b"),         // zero-width space
        ("a\u{2028}b", "a\\u{2028}b"),         // line separator
        ("a\tb", "a\\x09b"),
        ("tab\\t and é ü ✓ 日本", "tab\\t and é ü ✓ 日本"),
    ])
    func writesInvisibleScalarsAsEscapes(text: String, expected: String) {
        #expect(INIError.printable(text) == expected)
    }

    @Test func leavesOrdinaryMessagesUnchanged() {
        let plain = "t.ini:3: port: must be in 1...65535, got 70000"
        #expect(INIError.printable(plain) == plain)
        #expect(INIError(file: "t.ini", line: 3, key: "port", message: "must be in 1...65535, got 70000").description == plain)
    }
}
