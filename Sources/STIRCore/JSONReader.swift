/// Why untrusted JSON was rejected.
public enum JSONError: Error, Equatable, Sendable {
    /// Input longer than `JSONReader.Limits.maxBytes`.
    case tooLarge
    /// Nesting deeper than `JSONReader.Limits.maxDepth`.
    case tooDeep
    /// More values than `JSONReader.Limits.maxValues`.
    case tooManyValues
    /// An object repeats a member name (RFC 8225 §9: names MUST be unique).
    case duplicateKey(String)
    /// A string is not valid UTF-8 or has a lone surrogate escape.
    case invalidUTF8(offset: Int)
    /// Any other grammar violation (RFC 8259), at a byte offset.
    case syntax(offset: Int)
}

/// A strict, bounded JSON reader for untrusted input (PASSporT header and
/// claims arrive from the network). RFC 8259 grammar, no extensions; limits
/// on size, depth and value count; duplicate member names rejected.
public struct JSONReader: Sendable {
    /// Resource limits. Defaults comfortably fit any real PASSporT, including
    /// `rcd` claims with jCard data.
    public struct Limits: Sendable, Equatable {
        public var maxBytes: Int
        public var maxDepth: Int
        public var maxValues: Int
        public init(maxBytes: Int = 16_384, maxDepth: Int = 16, maxValues: Int = 2_048) {
            self.maxBytes = maxBytes
            self.maxDepth = maxDepth
            self.maxValues = maxValues
        }
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Parses exactly one JSON value filling all of `bytes` (whitespace around it allowed).
    public func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        guard bytes.count <= limits.maxBytes else { throw .tooLarge }
        let result: Result<JSONValue, JSONError> = bytes.withUnsafeBufferPointer { buf in
            var state = State(bytes: buf, limits: limits)
            do throws(JSONError) {
                state.skipWhitespace()
                let value = try state.parseValue(depth: 1)
                state.skipWhitespace()
                guard state.pos == buf.count else { throw JSONError.syntax(offset: state.pos) }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Parser state over the input bytes; lives only inside `parse`.
    private struct State {
        let bytes: UnsafeBufferPointer<UInt8>
        let limits: Limits
        var pos = 0
        var values = 0

        init(bytes: UnsafeBufferPointer<UInt8>, limits: Limits) {
            self.bytes = bytes
            self.limits = limits
        }

        mutating func skipWhitespace() {
            while pos < bytes.count {
                switch bytes[pos] {
                case 0x20, 0x09, 0x0A, 0x0D: pos += 1
                default: return
                }
            }
        }

        func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }

        mutating func expect(_ c: UInt8) throws(JSONError) {
            guard pos < bytes.count, bytes[pos] == c else { throw .syntax(offset: pos) }
            pos += 1
        }

        mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
            values += 1
            guard values <= limits.maxValues else { throw .tooManyValues }
            guard let c = peek() else { throw .syntax(offset: pos) }
            switch c {
            case UInt8(ascii: "{"):
                guard depth <= limits.maxDepth else { throw .tooDeep }
                return try parseObject(depth: depth)
            case UInt8(ascii: "["):
                guard depth <= limits.maxDepth else { throw .tooDeep }
                return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw .syntax(offset: pos)
            }
        }

        mutating func literal(_ word: StaticString) throws(JSONError) {
            let n = word.utf8CodeUnitCount
            guard pos + n <= bytes.count else { throw .syntax(offset: pos) }
            let w = UnsafeBufferPointer(start: word.utf8Start, count: n)
            for i in 0..<n where bytes[pos + i] != w[i] { throw .syntax(offset: pos + i) }
            pos += n
        }

        mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
            pos += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                pos += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw .syntax(offset: pos) }
                let key = try parseString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                let value = try parseValue(depth: depth + 1)
                guard members.updateValue(value, forKey: key) == nil else { throw .duplicateKey(key) }
                skipWhitespace()
                guard let c = peek() else { throw .syntax(offset: pos) }
                pos += 1
                if c == UInt8(ascii: "}") { return .object(members) }
                guard c == UInt8(ascii: ",") else { throw .syntax(offset: pos - 1) }
            }
        }

        mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
            pos += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                pos += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard let c = peek() else { throw .syntax(offset: pos) }
                pos += 1
                if c == UInt8(ascii: "]") { return .array(items) }
                guard c == UInt8(ascii: ",") else { throw .syntax(offset: pos - 1) }
            }
        }

        mutating func parseNumber() throws(JSONError) -> JSONValue {
            let start = pos
            var integral = true
            if peek() == UInt8(ascii: "-") { pos += 1 }
            guard let first = peek(), isDigit(first) else { throw .syntax(offset: pos) }
            pos += 1
            if first != UInt8(ascii: "0") {
                while let c = peek(), isDigit(c) { pos += 1 }
            }
            if peek() == UInt8(ascii: ".") {
                integral = false
                pos += 1
                guard let c = peek(), isDigit(c) else { throw .syntax(offset: pos) }
                while let c = peek(), isDigit(c) { pos += 1 }
            }
            if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
                integral = false
                pos += 1
                if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { pos += 1 }
                guard let c = peek(), isDigit(c) else { throw .syntax(offset: pos) }
                while let c = peek(), isDigit(c) { pos += 1 }
            }
            let text = String(decoding: bytes[start..<pos], as: UTF8.self)
            if integral, let i = Int64(text) { return .integer(i) }
            return .otherNumber(text)
        }

        /// Strict UTF-8 → String. Decoding repairs ill-formed input with
        /// U+FFFD, so the input was valid exactly when the result's UTF-8 is
        /// the input again (avoids the unspecialized generic validator).
        static func validatedString(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
            let s = String(decoding: bytes, as: UTF8.self)
            if bytes.allSatisfy({ $0 < 0x80 }) { return s }
            return s.utf8.elementsEqual(bytes) ? s : nil
        }

        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

        mutating func parseString() throws(JSONError) -> String {
            let open = pos
            pos += 1
            // Fast path: no escapes, so the string is a slice of the input.
            var end = pos
            while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 {
                end += 1
            }
            if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                guard let s = Self.validatedString(UnsafeBufferPointer(rebasing: bytes[pos..<end])) else {
                    throw .invalidUTF8(offset: open)
                }
                pos = end + 1
                return s
            }
            var buf: [UInt8] = []
            var runStart = pos
            while true {
                guard pos < bytes.count else { throw .syntax(offset: pos) }
                let c = bytes[pos]
                if c == UInt8(ascii: "\"") {
                    buf.append(contentsOf: bytes[runStart..<pos])
                    pos += 1
                    break
                }
                if c < 0x20 { throw .syntax(offset: pos) }
                if c == UInt8(ascii: "\\") {
                    buf.append(contentsOf: bytes[runStart..<pos])
                    try parseEscape(into: &buf)
                    runStart = pos
                    continue
                }
                pos += 1
            }
            guard let s = buf.withUnsafeBufferPointer(Self.validatedString) else { throw .invalidUTF8(offset: open) }
            return s
        }

        mutating func parseEscape(into buf: inout [UInt8]) throws(JSONError) {
            let at = pos
            pos += 1
            guard let e = peek() else { throw .syntax(offset: pos) }
            pos += 1
            switch e {
            case UInt8(ascii: "\""): buf.append(0x22)
            case UInt8(ascii: "\\"): buf.append(0x5C)
            case UInt8(ascii: "/"): buf.append(0x2F)
            case UInt8(ascii: "b"): buf.append(0x08)
            case UInt8(ascii: "f"): buf.append(0x0C)
            case UInt8(ascii: "n"): buf.append(0x0A)
            case UInt8(ascii: "r"): buf.append(0x0D)
            case UInt8(ascii: "t"): buf.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    // High surrogate: a low surrogate escape must follow.
                    guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                        throw .invalidUTF8(offset: at)
                    }
                    pos += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw .invalidUTF8(offset: at) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw .invalidUTF8(offset: at)
                }
                guard let u = Unicode.Scalar(scalar) else { throw .invalidUTF8(offset: at) }
                buf.append(contentsOf: Array(String(Character(u)).utf8))
            default: throw .syntax(offset: at)
            }
        }

        mutating func hex4() throws(JSONError) -> UInt32 {
            guard pos + 4 <= bytes.count else { throw .syntax(offset: pos) }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[pos]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw .syntax(offset: pos)
                }
                v = v << 4 | d
                pos += 1
            }
            return v
        }
    }
}
