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

    static func trimmed(_ text: Substring) -> String {
        let bytes = text.utf8
        let isLWS: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        guard let first = bytes.firstIndex(where: { !isLWS($0) }),
              let last = bytes.lastIndex(where: { !isLWS($0) }) else { return "" }
        return String(text[first...last])
    }

    static func trimmed(_ text: String) -> String { trimmed(text[...]) }

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
        let separatorByte = UInt8(truncatingIfNeeded: separator.value)
        var elements: [String] = []
        let bytes = text.utf8
        var start = bytes.startIndex
        var index = start
        var inQuotes = false
        var escaped = false
        var inAngle = false
        // Separators, quotes and brackets are ASCII, so byte positions are
        // always valid String indices.
        while index != bytes.endIndex {
            let byte = bytes[index]
            if inQuotes {
                if escaped {
                    escaped = false
                } else if byte == 0x5C {
                    escaped = true
                } else if byte == 0x22 {
                    inQuotes = false
                }
            } else if byte == 0x22, !inAngle {
                inQuotes = true
            } else if byte == 0x3C {
                inAngle = true
            } else if byte == 0x3E {
                inAngle = false
            } else if byte == separatorByte, !inAngle {
                elements.append(trimmed(text[start..<index]))
                start = bytes.index(after: index)
            }
            index = bytes.index(after: index)
        }
        elements.append(trimmed(text[start...]))
        return Split(elements: elements, unbalanced: inQuotes || inAngle)
    }

    /// Splits `name[=value]` (generic-param, RFC 3261 §25.1) and trims LWS
    /// around both parts. Returns nil when the name is not a token.
    static func parameter(_ text: String) -> (name: String, value: String?)? {
        let name: String
        var value: String?
        if let equals = text.utf8.firstIndex(of: UInt8(ascii: "=")) {
            name = trimmed(text[..<equals])
            value = trimmed(text[text.index(after: equals)...])
        } else {
            name = trimmed(text)
        }
        guard isToken(name) else { return nil }
        if let value, value.isEmpty || (containsWhitespace(value) && !value.hasPrefix("\"")) { return nil }
        return (name, value)
    }

    /// Case-insensitive comparison, without building lower-cased copies
    /// for ASCII text (parameter names are tokens: ASCII). Non-ASCII text
    /// falls back to `lowercased()`.
    static func equalsIgnoringCase(_ lhs: String, _ rhs: String) -> Bool {
        let fast: Bool?? = lhs.utf8.withContiguousStorageIfAvailable { l in
            rhs.utf8.withContiguousStorageIfAvailable { r in asciiEqualsIgnoringCase(l, r) } ?? nil
        }
        if let fast, let answer = fast { return answer }
        return lhs.lowercased() == rhs.lowercased()
    }

    /// nil when a differing byte is not ASCII (the caller decides then).
    private static func asciiEqualsIgnoringCase(_ l: UnsafeBufferPointer<UInt8>, _ r: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard l.count == r.count else { return false }
        for i in 0..<l.count {
            let a = l[i], b = r[i]
            if a == b { continue }
            if a >= 0x80 || b >= 0x80 { return nil }
            let folded = a | 0x20
            guard folded == b | 0x20, folded >= UInt8(ascii: "a"), folded <= UInt8(ascii: "z") else { return false }
        }
        return true
    }
}
