/// Character classes and small scanners shared by the SIP parsers
/// (RFC 3261 §25.1 basic rules).
enum SIPSyntax {
    /// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "%"),
             UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "`"),
             UInt8(ascii: "'"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    static func isToken(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isTokenByte)
    }

    static func isToken(_ text: String) -> Bool { isToken(text[...]) }

    static func isWhitespace(_ character: Character) -> Bool {
        character == " " || character == "\t" || character == "\r" || character == "\n"
    }

    static func containsWhitespace<S: StringProtocol>(_ text: S) -> Bool {
        text.utf8.contains { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
    }

    static func trimmed<S: StringProtocol>(_ text: S) -> String {
        var slice = Substring(text)
        while let first = slice.first, isWhitespace(first) { slice = slice.dropFirst() }
        while let last = slice.last, isWhitespace(last) { slice = slice.dropLast() }
        return String(slice)
    }

    /// All ASCII digits, at least one.
    static func isDigits<S: StringProtocol>(_ text: S) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Parses 1*DIGIT without overflow: nil when not digits or above `limit`.
    static func number<S: StringProtocol>(_ text: S, limit: UInt64) -> UInt64? {
        guard isDigits(text) else { return nil }
        var value: UInt64 = 0
        for byte in text.utf8 {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(byte - 0x30))
            if overflow1 || overflow2 || sum > limit { return nil }
            value = sum
        }
        return value
    }

    /// Result of splitting a header value at top-level separators.
    struct Split {
        var elements: [String]
        /// A quoted string or `<` was still open at the end of the text.
        var unbalanced: Bool
    }

    /// Splits `text` at `separator` when outside quoted strings (with
    /// quoted-pair escapes, RFC 3261 §25.1) and outside `<...>`.
    /// Elements are trimmed of LWS; empty elements are kept so that callers
    /// can reject them (RFC 4475 §3.1.2.1 badinv01).
    static func split(_ text: String, at separator: Unicode.Scalar) -> Split {
        var elements: [String] = []
        var current = String.UnicodeScalarView()
        var inQuotes = false
        var escaped = false
        var inAngle = false
        for scalar in text.unicodeScalars {
            if inQuotes {
                current.append(scalar)
                if escaped {
                    escaped = false
                } else if scalar == "\\" {
                    escaped = true
                } else if scalar == "\"" {
                    inQuotes = false
                }
                continue
            }
            switch scalar {
            case "\"" where !inAngle:
                inQuotes = true
                current.append(scalar)
            case "<":
                inAngle = true
                current.append(scalar)
            case ">":
                inAngle = false
                current.append(scalar)
            case separator where !inAngle:
                elements.append(trimmed(String(current)))
                current = String.UnicodeScalarView()
            default:
                current.append(scalar)
            }
        }
        elements.append(trimmed(String(current)))
        return Split(elements: elements, unbalanced: inQuotes || inAngle)
    }

    /// Splits `name[=value]` (generic-param, RFC 3261 §25.1) and trims LWS
    /// around both parts. Returns nil when the name is not a token.
    static func parameter(_ text: String) -> (name: String, value: String?)? {
        let name: String
        var value: String?
        if let equals = text.firstIndex(of: "=") {
            name = trimmed(text[..<equals])
            value = trimmed(text[text.index(after: equals)...])
        } else {
            name = trimmed(text)
        }
        guard isToken(name) else { return nil }
        if let value, value.isEmpty || (containsWhitespace(value) && !value.hasPrefix("\"")) { return nil }
        return (name, value)
    }

    /// Case-insensitive ASCII comparison.
    static func equalsIgnoringCase(_ lhs: String, _ rhs: String) -> Bool {
        lhs.lowercased() == rhs.lowercased()
    }
}
