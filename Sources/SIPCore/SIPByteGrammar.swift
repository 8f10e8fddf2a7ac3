#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The first `byte` in `buffer[range]`, found with `memchr` (vectorized),
/// for the scans that cross a whole message: header lines and the UDP
/// reader's Call-ID lookup.
public enum ByteSearch {
    public static func firstIndex(of byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty, let base = buffer.baseAddress else { return nil }
        precondition(range.lowerBound >= 0 && range.upperBound <= buffer.count)
        return memchr(base + range.lowerBound, Int32(byte), range.count).map {
            base.distance(to: $0.assumingMemoryBound(to: UInt8.self))
        }
    }
}

/// Byte-level scanners for the header values a proxy validates on every
/// message: name-addr / addr-spec, SIP/SIPS/tel URIs, generic parameters and
/// top-level list splitting (RFC 3261 §25.1).
///
/// They work on the UTF-8 bytes of a header value with `Int` ranges and
/// allocate nothing; they give the same verdicts and reason texts as the
/// String-based reference parsers (`SIPNameAddr.parse`, `SIPURI.init`,
/// `SIPSyntax.split`, `SIPSyntax.parameter`), which stay the definition of
/// behaviour. `DifferentialTests` pins the two together on the RFC 4475
/// corpus and on random mutations.
///
/// The reference parsers compare `Character`s in a few places (display-name
/// words, `hasPrefix`), where a combining mark after an ASCII delimiter or
/// a CR LF pair forms one grapheme; byte and Character semantics only agree
/// for ASCII without CR/LF, so callers fall back to the reference parsers
/// for any other value (`isPlainASCII`).
enum SIPBytes {
    typealias Buffer = UnsafeBufferPointer<UInt8>

    // MARK: - Character classes (RFC 3261 §25.1)

    /// LWS bytes as the reference parsers trim them: SP, HTAB, CR, LF.
    @inline(__always) static func isLWS(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    @inline(__always) static func isAlpha(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1).
    @inline(__always) static func isSchemeByte(_ byte: UInt8) -> Bool {
        isAlpha(byte) || isDigit(byte) || byte == 0x2B || byte == 0x2D || byte == 0x2E
    }

    @inline(__always) static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    /// hostname / IPv4address characters (RFC 3261 §25.1).
    @inline(__always) static func isHostByte(_ byte: UInt8) -> Bool {
        isAlpha(byte) || isDigit(byte) || byte == 0x2D || byte == 0x2E
    }

    /// True when every byte is ASCII and none is CR or LF: the values for
    /// which byte-level and Character-level scanning agree.
    static func isPlainASCII(_ buffer: Buffer, _ range: Range<Int>) -> Bool {
        precondition(range.lowerBound >= 0 && range.upperBound <= buffer.count)
        var index = range.lowerBound
        // Eight bytes at a time: no high bit set, and no byte equal to CR or
        // LF (a byte of w ^ 0x0D0D...0D is zero exactly where w holds CR;
        // `hasZeroByte` is exact as a yes/no answer).
        if let base = buffer.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= range.upperBound {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 || hasZeroByte(word ^ 0x0D0D_0D0D_0D0D_0D0D)
                    || hasZeroByte(word ^ 0x0A0A_0A0A_0A0A_0A0A) { return false }
                index += 8
            }
        }
        while index < range.upperBound {
            let byte = buffer[index]
            if byte >= 0x80 || byte == 0x0D || byte == 0x0A { return false }
            index += 1
        }
        return true
    }

    /// Some byte of `word` is zero (Hacker's Delight §6-1).
    @inline(__always)
    private static func hasZeroByte(_ word: UInt64) -> Bool {
        (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0
    }

    // MARK: - Small scanners

    static func trim(_ buffer: Buffer, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isLWS(buffer[lower]) { lower += 1 }
        while upper > lower, isLWS(buffer[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// A plain loop: these ranges are a few bytes (a URI, a parameter),
    /// where calling `memchr` costs more than it saves; long scans use
    /// `ByteSearch`.
    static func firstIndex(of byte: UInt8, _ buffer: Buffer, _ range: Range<Int>) -> Int? {
        var index = range.lowerBound
        while index < range.upperBound {
            if buffer[index] == byte { return index }
            index += 1
        }
        return nil
    }

    static func contains(_ byte: UInt8, _ buffer: Buffer, _ range: Range<Int>) -> Bool {
        firstIndex(of: byte, buffer, range) != nil
    }

    /// Whether `range` spells `lowercase` (ASCII letters folded).
    static func equalsIgnoringCase(_ buffer: Buffer, _ range: Range<Int>, _ lowercase: StaticString) -> Bool {
        guard range.count == lowercase.utf8CodeUnitCount else { return false }
        for offset in 0..<range.count {
            let byte = buffer[range.lowerBound + offset]
            let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if folded != lowercase.utf8Start[offset] { return false }
        }
        return true
    }

    static func containsLWS(_ buffer: Buffer, _ range: Range<Int>) -> Bool {
        for index in range where isLWS(buffer[index]) { return true }
        return false
    }

    /// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
    static func isToken(_ buffer: Buffer, _ range: Range<Int>) -> Bool {
        guard !range.isEmpty else { return false }
        for index in range where !SIPSyntax.isTokenByte(buffer[index]) { return false }
        return true
    }

    /// 1*DIGIT no larger than `limit` (as `SIPSyntax.number`).
    static func number(_ buffer: Buffer, _ range: Range<Int>, limit: UInt64) -> UInt64? {
        guard !range.isEmpty else { return nil }
        var value: UInt64 = 0
        for index in range {
            let byte = buffer[index]
            guard isDigit(byte) else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(byte - 0x30))
            if overflow1 || overflow2 || sum > limit { return nil }
            value = sum
        }
        return value
    }

    /// Calls `body` with each LWS-trimmed element of `range` split at
    /// `separator` outside quoted strings (quoted-pair aware) and outside
    /// `<...>`, exactly as `SIPSyntax.split`; `body` returns false to stop.
    /// Returns true when a quote or `<` was still open at the end
    /// ("unbalanced"); that result is only meaningful for a full scan.
    @discardableResult
    static func split(_ buffer: Buffer, _ range: Range<Int>, separator: UInt8,
                      _ body: (Range<Int>) -> Bool = { _ in true }) -> Bool {
        var start = range.lowerBound
        var index = start
        var inQuotes = false
        var escaped = false
        var inAngle = false
        while index < range.upperBound {
            let byte = buffer[index]
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
            } else if byte == separator, !inAngle {
                if !body(trim(buffer, start..<index)) { return inQuotes || inAngle }
                start = index + 1
            }
            index += 1
        }
        _ = body(trim(buffer, start..<range.upperBound))
        return inQuotes || inAngle
    }

    /// Number of elements `split` yields and whether it is unbalanced.
    static func splitCount(_ buffer: Buffer, _ range: Range<Int>, separator: UInt8) -> (count: Int, unbalanced: Bool) {
        var count = 0
        let unbalanced = split(buffer, range, separator: separator) { _ in
            count += 1
            return true
        }
        return (count, unbalanced)
    }

    /// generic-param = token [ EQUAL gen-value ] (RFC 3261 §25.1), checked
    /// as `SIPSyntax.parameter`: the name must be a token, a value must not
    /// be empty and may hold LWS only when it is a quoted string.
    /// Returns the trimmed name and value ranges, nil when malformed.
    static func parameter(_ buffer: Buffer, _ range: Range<Int>) -> (name: Range<Int>, value: Range<Int>?)? {
        let name: Range<Int>
        var value: Range<Int>?
        if let equals = firstIndex(of: 0x3D, buffer, range) {
            name = trim(buffer, range.lowerBound..<equals)
            value = trim(buffer, (equals + 1)..<range.upperBound)
        } else {
            name = trim(buffer, range)
        }
        guard isToken(buffer, name) else { return nil }
        if let value, value.isEmpty || (containsLWS(buffer, value) && buffer[value.lowerBound] != 0x22) { return nil }
        return (name, value)
    }

    // MARK: - URI (RFC 3261 §19.1, §25.1)

    /// The verdict of `SIPURI.init` on `range`. For sip/sips URIs the
    /// reference also asks libosip2 (`osip_uri_parse`); `useOSIP` keeps that
    /// second opinion (see `DifferentialTests` for why it stays on).
    /// `accepted` remembers sip/sips URIs that passed (libosip2 included)
    /// and answers for them without parsing again.
    static func isURI(_ buffer: Buffer, _ range: Range<Int>, useOSIP: Bool = true,
                      accepted: AcceptedFieldValues? = nil) -> Bool {
        guard let colon = firstIndex(of: 0x3A, buffer, range), colon > range.lowerBound,
              isAlpha(buffer[range.lowerBound]) else { return false }
        for index in range.lowerBound..<colon where !isSchemeByte(buffer[index]) { return false }
        let rest = (colon + 1)..<range.upperBound
        guard !rest.isEmpty, !containsLWS(buffer, rest), !contains(0, buffer, rest) else { return false }
        switch schemeKind(buffer, range.lowerBound..<colon) {
        case .sip:
            let uri = UnsafeBufferPointer(rebasing: buffer[range])
            if useOSIP, let accepted, accepted.contains(nil, uri) { return true }
            let valid = isSIPRest(buffer, rest) && (!useOSIP || OSIPURI.accepts(uri))
            if valid, useOSIP { accepted?.remember(nil, uri) }
            return valid
        case .tel:
            return isTelRest(buffer, rest)
        case .other:
            return true
        }
    }

    enum SchemeKind { case sip, tel, other }

    static func schemeKind(_ buffer: Buffer, _ range: Range<Int>) -> SchemeKind {
        func lower(_ index: Int) -> UInt8 { buffer[index] | 0x20 }
        let start = range.lowerBound
        switch range.count {
        case 3 where lower(start) == 0x73 && lower(start + 1) == 0x69 && lower(start + 2) == 0x70:
            return .sip   // "sip"
        case 4 where lower(start) == 0x73 && lower(start + 1) == 0x69 && lower(start + 2) == 0x70
                    && lower(start + 3) == 0x73:
            return .sip   // "sips"
        case 3 where lower(start) == 0x74 && lower(start + 1) == 0x65 && lower(start + 2) == 0x6C:
            return .tel   // "tel"
        default:
            return .other
        }
    }

    /// SIP-URI after "sip:" = [ userinfo ] hostport uri-parameters [ headers ]
    /// (RFC 3261 §25.1), read as `SIPURI.parseSIP` reads it: the first "@"
    /// ends userinfo, the user part must not be empty, the first "?" starts
    /// headers, the first ";" ends hostport, every uri-parameter must be a
    /// generic-param.
    static func isSIPRest(_ buffer: Buffer, _ rest: Range<Int>) -> Bool {
        var remainder = rest
        if let at = firstIndex(of: 0x40, buffer, rest) {
            let userEnd = firstIndex(of: 0x3A, buffer, rest.lowerBound..<at) ?? at
            guard userEnd > rest.lowerBound else { return false }
            remainder = (at + 1)..<rest.upperBound
        }
        if let question = firstIndex(of: 0x3F, buffer, remainder) {
            remainder = remainder.lowerBound..<question
        }
        guard let semicolon = firstIndex(of: 0x3B, buffer, remainder) else {
            return isHostPort(buffer, remainder)
        }
        guard isHostPort(buffer, remainder.lowerBound..<semicolon) else { return false }
        // uri-parameters: a plain split at ";" (no quoting), empty pieces invalid.
        var start = semicolon + 1
        var index = start
        while index <= remainder.upperBound {
            if index == remainder.upperBound || buffer[index] == 0x3B {
                guard parameter(buffer, start..<index) != nil else { return false }
                start = index + 1
            }
            index += 1
        }
        return true
    }

    /// hostport = host [ ":" port ]; host = hostname / IPv4address / IPv6reference.
    static func isHostPort(_ buffer: Buffer, _ range: Range<Int>) -> Bool {
        var port: Range<Int>?
        if !range.isEmpty, buffer[range.lowerBound] == 0x5B {
            guard let close = firstIndex(of: 0x5D, buffer, range) else { return false }
            let host = (range.lowerBound + 1)..<close
            if close + 1 < range.upperBound {
                guard buffer[close + 1] == 0x3A else { return false }
                port = (close + 2)..<range.upperBound
            }
            guard !host.isEmpty else { return false }
            for index in host {
                let byte = buffer[index]
                guard isHexDigit(byte) || byte == 0x3A || byte == 0x2E else { return false }
            }
        } else {
            var host = range
            if let colon = firstIndex(of: 0x3A, buffer, range) {
                host = range.lowerBound..<colon
                port = (colon + 1)..<range.upperBound
            }
            guard !host.isEmpty else { return false }
            for index in host where !isHostByte(buffer[index]) { return false }
        }
        if let port, number(buffer, port, limit: 65535) == nil { return false }
        return true
    }

    /// telephone-subscriber = number *( ";" par ) (RFC 3966 §3), as
    /// `SIPURI.parseTel` checks it.
    static func isTelRest(_ buffer: Buffer, _ rest: Range<Int>) -> Bool {
        let firstEnd = firstIndex(of: 0x3B, buffer, rest) ?? rest.upperBound
        guard firstEnd > rest.lowerBound else { return false }
        var start = firstEnd + 1
        var index = start
        while index <= rest.upperBound, firstEnd < rest.upperBound {
            if index == rest.upperBound || buffer[index] == 0x3B {
                guard parameter(buffer, start..<index) != nil else { return false }
                start = index + 1
            }
            index += 1
        }
        return true
    }

    // MARK: - name-addr / addr-spec (RFC 3261 §20.10, §25.1)

    /// Where the parts of one From/To/Contact/Route/... value lie.
    struct NameAddrLayout {
        /// Quoted display-name content (between the quotes, escapes kept).
        var quotedName: Range<Int>?
        /// Unquoted display-name text before `<` (may be only LWS).
        var plainName: Range<Int>?
        var uri: Range<Int>
        var bracketed: Bool
        /// Header parameters after the leading ";" (nil when none).
        var parameters: Range<Int>?
    }

    /// ( name-addr / addr-spec ) *( SEMI generic-param ), with
    /// name-addr = [ display-name ] LAQUOT addr-spec RAQUOT and
    /// display-name = *(token LWS) / quoted-string. Fails with the reason
    /// `SIPNameAddr.parse` throws. `checkURI` false skips the URI grammar
    /// (for values already validated). Only for `isPlainASCII` values.
    static func nameAddr(_ buffer: Buffer, _ range: Range<Int>, checkURI: Bool = true,
                         useOSIP: Bool = true, accepted: AcceptedFieldValues? = nil) -> Result<NameAddrLayout, SIPParseError> {
        func failure(_ reason: String) -> Result<NameAddrLayout, SIPParseError> {
            .failure(SIPParseError(reason: reason))
        }
        var rest = trim(buffer, range)
        guard !rest.isEmpty else { return failure("Empty Address") }
        var quotedName: Range<Int>?
        var plainName: Range<Int>?
        let uri: Range<Int>
        var bracketed = false
        if buffer[rest.lowerBound] == 0x22 {
            // quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE
            var index = rest.lowerBound + 1
            var close: Int?
            while index < rest.upperBound {
                let byte = buffer[index]
                if byte == 0x5C {
                    guard index + 1 < rest.upperBound else { break }
                    index += 2
                    continue
                }
                if byte == 0x22 {
                    close = index
                    break
                }
                index += 1
            }
            guard let close else { return failure("Unterminated Quoted String") }
            quotedName = (rest.lowerBound + 1)..<close
            var after = close + 1
            while after < rest.upperBound, isLWS(buffer[after]) { after += 1 }
            rest = after..<rest.upperBound
            guard !rest.isEmpty, buffer[rest.lowerBound] == 0x3C else {
                return failure("Missing '<' After Display Name")
            }
        }
        if let open = firstIndex(of: 0x3C, buffer, rest) {
            if quotedName == nil {
                for index in rest.lowerBound..<open {
                    let byte = buffer[index]
                    guard isLWS(byte) || SIPSyntax.isTokenByte(byte) else { return failure("Bad Display Name") }
                }
                plainName = rest.lowerBound..<open
            }
            guard let close = firstIndex(of: 0x3E, buffer, open..<rest.upperBound) else {
                return failure("Unterminated '<'")
            }
            uri = (open + 1)..<close
            // LAQUOT/RAQUOT allow no LWS inside the brackets (RFC 4475 §3.1.2.14).
            guard !uri.isEmpty, !containsLWS(buffer, uri) else { return failure("Bad addr-spec") }
            rest = (close + 1)..<rest.upperBound
            bracketed = true
        } else {
            // addr-spec: a URI with ',', '?' or ';' must be bracketed (RFC 3261 §20.10).
            let end = firstIndex(of: 0x3B, buffer, rest) ?? rest.upperBound
            uri = trim(buffer, rest.lowerBound..<end)
            guard !uri.isEmpty, !containsLWS(buffer, uri), !contains(0x3F, buffer, uri), !contains(0x2C, buffer, uri)
            else { return failure("Bad addr-spec") }
            rest = end..<rest.upperBound
        }
        if checkURI, !isURI(buffer, uri, useOSIP: useOSIP, accepted: accepted) { return failure("Bad URI") }
        var parameters: Range<Int>?
        let paramText = trim(buffer, rest)
        if !paramText.isEmpty {
            guard buffer[paramText.lowerBound] == 0x3B else { return failure("Bad Header Parameters") }
            let list = (paramText.lowerBound + 1)..<paramText.upperBound
            guard !split(buffer, list, separator: 0x3B) else { return failure("Unterminated Quoted String") }
            var good = true
            split(buffer, list, separator: 0x3B) { piece in
                good = parameter(buffer, piece) != nil
                return good
            }
            guard good else { return failure("Bad Header Parameter") }
            parameters = list
        }
        return .success(NameAddrLayout(quotedName: quotedName, plainName: plainName, uri: uri,
                                       bracketed: bracketed, parameters: parameters))
    }

    static func string(_ buffer: Buffer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
    }

    /// Builds the value `SIPNameAddr.parse` returns from a layout.
    static func makeNameAddr(_ buffer: Buffer, _ layout: NameAddrLayout) -> SIPNameAddr {
        var displayName: String?
        if let quoted = layout.quotedName {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(quoted.count)
            var index = quoted.lowerBound
            while index < quoted.upperBound {
                if buffer[index] == 0x5C, index + 1 < quoted.upperBound { index += 1 }
                bytes.append(buffer[index])
                index += 1
            }
            displayName = String(decoding: bytes, as: UTF8.self)
        } else if let plain = layout.plainName {
            // Words joined by one SP (the reference splits at LWS).
            var text = ""
            var index = plain.lowerBound
            while index < plain.upperBound {
                while index < plain.upperBound, isLWS(buffer[index]) { index += 1 }
                let start = index
                while index < plain.upperBound, !isLWS(buffer[index]) { index += 1 }
                if index > start {
                    if !text.isEmpty { text += " " }
                    text += string(buffer, start..<index)
                }
            }
            if !text.isEmpty { displayName = text }
        }
        var parameters: [(name: String, value: String?)] = []
        if let list = layout.parameters {
            split(buffer, list, separator: 0x3B) { piece in
                if let parameter = parameter(buffer, piece) {
                    parameters.append((string(buffer, parameter.name), parameter.value.map { string(buffer, $0) }))
                }
                return true
            }
        }
        var result = SIPNameAddr(displayName: displayName, uri: string(buffer, layout.uri), parameters: parameters)
        result.bracketed = layout.bracketed
        return result
    }
}

extension SIPNameAddr {
    /// `parse(text)` through the byte scanner: the same value or nil where
    /// `parse` throws. `checkURI` false trusts an earlier validation of the
    /// same text.
    static func fastParse(_ text: String, checkURI: Bool = true) -> SIPNameAddr? {
        var text = text
        return text.withUTF8 { buffer in
            let range = 0..<buffer.count
            guard SIPBytes.isPlainASCII(buffer, range) else { return try? SIPNameAddr.parse(String(decoding: buffer, as: UTF8.self)) }
            guard case .success(let layout) = SIPBytes.nameAddr(buffer, range, checkURI: checkURI) else { return nil }
            return SIPBytes.makeNameAddr(buffer, layout)
        }
    }
}

/// Byte-level forms of the small start-line and header checks; the String
/// forms (`versionCheck`, `requestURIProblem`, `isCallID`) stay as the
/// reference and take over for non-ASCII text, where Character semantics
/// (case mapping of "ſ", combining marks) could differ from bytes.
extension SIPMessage {
    static func withASCII<T>(_ text: String, _ body: (SIPBytes.Buffer) -> T) -> T? {
        var text = text
        return text.withUTF8 { buffer in
            for byte in buffer where byte >= 0x80 { return nil }
            return body(buffer)
        }
    }

    /// SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (RFC 3261 §25.1), "SIP"
    /// case-insensitive; as `versionCheck`.
    static func fastVersionCheck(_ version: String) -> VersionCheck {
        let result = withASCII(version) { buffer -> VersionCheck in
            guard buffer.count > 4, buffer[0] | 0x20 == 0x73, buffer[1] | 0x20 == 0x69, buffer[2] | 0x20 == 0x70,
                  buffer[3] == 0x2F else { return .malformed }
            let numbers = 4..<buffer.count
            guard let dot = SIPBytes.firstIndex(of: 0x2E, buffer, numbers),
                  !SIPBytes.contains(0x2E, buffer, (dot + 1)..<buffer.count),
                  let major = SIPBytes.number(buffer, 4..<dot, limit: 1_000_000),
                  let minor = SIPBytes.number(buffer, (dot + 1)..<buffer.count, limit: 1_000_000)
            else { return .malformed }
            return major == 2 && minor == 0 ? .supported : .unsupported
        }
        return result ?? versionCheck(version)
    }

    /// As `requestURIProblem`: no LWS, not bracketed, a well-formed URI
    /// (libosip2 still judges sip/sips), no headers component (RFC 3261 §19.1.5).
    static func fastRequestURIProblem(_ uri: String, accepted: AcceptedFieldValues? = nil) -> String? {
        let result = withASCII(uri) { buffer -> String? in
            let whole = 0..<buffer.count
            if SIPBytes.containsLWS(buffer, whole) || (!whole.isEmpty && buffer[0] == 0x3C) {
                return "Malformed Request-URI"
            }
            guard SIPBytes.isURI(buffer, whole, accepted: accepted) else { return "Malformed Request-URI" }
            // Valid, so there is a scheme colon. Only sip/sips have headers:
            // a "?" after the userinfo (which ends at the first "@").
            let colon = SIPBytes.firstIndex(of: 0x3A, buffer, whole)!
            guard SIPBytes.schemeKind(buffer, 0..<colon) == .sip else { return nil }
            var remainder = (colon + 1)..<buffer.count
            if let at = SIPBytes.firstIndex(of: 0x40, buffer, remainder) { remainder = (at + 1)..<buffer.count }
            return SIPBytes.contains(0x3F, buffer, remainder) ? "Headers Not Allowed In Request-URI" : nil
        }
        return result ?? requestURIProblem(uri)
    }

    /// callid = word [ "@" word ] (RFC 3261 §25.1), word = 1*(alphanum /
    /// "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" /
    /// "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}").
    static func fastIsCallID(_ text: String) -> Bool {
        let result = withASCII(text) { buffer -> Bool in
            var ats = 0
            var wordLength = 0
            for byte in buffer {
                if byte == 0x40 {
                    guard wordLength > 0 else { return false }
                    ats += 1
                    wordLength = 0
                    continue
                }
                guard isWordByte(byte) else { return false }
                wordLength += 1
            }
            return ats <= 1 && wordLength > 0
        }
        return result ?? isCallID(text)
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        if SIPSyntax.isTokenByte(byte) { return true }
        switch byte {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ":"),
             UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "/"), UInt8(ascii: "["), UInt8(ascii: "]"),
             UInt8(ascii: "?"), UInt8(ascii: "{"), UInt8(ascii: "}"):
            return true
        default:
            return false
        }
    }

    /// CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16): two words separated by
    /// whitespace, the number at most 2^32-1, the method a token.
    static func parseCSeq(_ value: String) -> (number: UInt32, method: String)? {
        var useReference = false
        let parsed = withASCII(value) { buffer -> (number: UInt32, method: String)? in
            // Values never hold CR/LF (unfolded); leave such text to the reference.
            let whole = 0..<buffer.count
            if SIPBytes.contains(0x0D, buffer, whole) || SIPBytes.contains(0x0A, buffer, whole) {
                useReference = true
                return nil
            }
            // Exactly two words: number and method (no array: this runs for
            // every message).
            var first: Range<Int>?
            var second: Range<Int>?
            var index = 0
            while index < buffer.count {
                while index < buffer.count, SIPBytes.isLWS(buffer[index]) { index += 1 }
                let start = index
                while index < buffer.count, !SIPBytes.isLWS(buffer[index]) { index += 1 }
                if index > start {
                    if second != nil { return nil }
                    if first == nil { first = start..<index } else { second = start..<index }
                }
            }
            guard let first, let second, let number = SIPBytes.number(buffer, first, limit: UInt64(UInt32.max)),
                  SIPBytes.isToken(buffer, second) else { return nil }
            return (UInt32(number), SIPBytes.string(buffer, second))
        }
        guard let parsed else {
            // nil from withASCII itself: non-ASCII text.
            return useReference || !value.utf8.allSatisfy({ $0 < 0x80 }) ? referenceCSeq(value) : nil
        }
        return parsed
    }

    /// The String form of `parseCSeq`.
    static func referenceCSeq(_ value: String) -> (number: UInt32, method: String)? {
        let parts = value.split(whereSeparator: SIPSyntax.isWhitespace)
        guard parts.count == 2, let number = SIPSyntax.number(parts[0], limit: UInt64(UInt32.max)),
              SIPSyntax.isToken(parts[1]) else { return nil }
        return (UInt32(number), String(parts[1]))
    }
}

extension SIPURI {
    /// `SIPURI(text, osipChecked:)` through the byte scanners: the same
    /// value, without Substring index walks. Text that is not plain ASCII
    /// goes to the reference parser (`hasPrefix` and `contains` there
    /// compare Characters).
    static func fastParse(_ text: String, osipChecked: Bool) -> SIPURI? {
        var copy = text
        let scanned: SIPURI?? = copy.withUTF8 { buffer in
            guard SIPBytes.isPlainASCII(buffer, 0..<buffer.count) else { return nil }
            return .some(SIPURI(ascii: buffer, text: text, osipChecked: osipChecked))
        }
        if let scanned { return scanned }
        return SIPURI(text, osipChecked: osipChecked)
    }

    private init(scheme: String) {
        self.scheme = scheme
        self.parameters = []
    }

    /// The byte form of `init?(_:osipChecked:)` for plain ASCII `text`
    /// (whose UTF-8 is `buffer`).
    private init?(ascii buffer: SIPBytes.Buffer, text: String, osipChecked: Bool) {
        guard let colon = SIPBytes.firstIndex(of: 0x3A, buffer, 0..<buffer.count), colon > 0,
              SIPBytes.isAlpha(buffer[0]) else { return nil }
        for index in 0..<colon where !SIPBytes.isSchemeByte(buffer[index]) { return nil }
        let rest = (colon + 1)..<buffer.count
        guard !rest.isEmpty, !SIPBytes.containsLWS(buffer, rest), !SIPBytes.contains(0, buffer, rest) else { return nil }
        let lowered = UnsafeBufferPointer(rebasing: buffer[0..<colon]).map { SIPBytes.isAlpha($0) ? $0 | 0x20 : $0 }
        self.init(scheme: String(decoding: lowered, as: UTF8.self))
        switch scheme {
        case "sip", "sips":
            guard scanSIP(buffer, rest), osipChecked || OSIPURI(parsing: text) != nil else { return nil }
        case "tel":
            guard scanTel(buffer, rest) else { return nil }
        default:
            opaque = SIPBytes.string(buffer, rest)
        }
    }

    /// As `parseSIP`: [userinfo "@"] hostport uri-parameters ["?" headers].
    private mutating func scanSIP(_ buffer: SIPBytes.Buffer, _ rest: Range<Int>) -> Bool {
        var remainder = rest
        if let at = SIPBytes.firstIndex(of: 0x40, buffer, remainder) {
            let userinfo = remainder.lowerBound..<at
            remainder = (at + 1)..<remainder.upperBound
            if let colon = SIPBytes.firstIndex(of: 0x3A, buffer, userinfo) {
                user = SIPBytes.string(buffer, userinfo.lowerBound..<colon)
                password = SIPBytes.string(buffer, (colon + 1)..<userinfo.upperBound)
            } else {
                user = SIPBytes.string(buffer, userinfo)
            }
            guard let user, !user.isEmpty else { return false }
        }
        if let question = SIPBytes.firstIndex(of: 0x3F, buffer, remainder) {
            headers = SIPBytes.string(buffer, (question + 1)..<remainder.upperBound)
            remainder = remainder.lowerBound..<question
        }
        var hostport = remainder
        if let semicolon = SIPBytes.firstIndex(of: 0x3B, buffer, remainder) {
            hostport = remainder.lowerBound..<semicolon
            guard scanParameters(buffer, (semicolon + 1)..<remainder.upperBound) else { return false }
        }
        return scanHostPort(buffer, hostport)
    }

    /// `;`-separated uri-parameters, empty pieces included (they fail).
    private mutating func scanParameters(_ buffer: SIPBytes.Buffer, _ range: Range<Int>) -> Bool {
        var start = range.lowerBound
        while true {
            let end = SIPBytes.firstIndex(of: 0x3B, buffer, start..<range.upperBound) ?? range.upperBound
            guard let parameter = SIPBytes.parameter(buffer, start..<end) else { return false }
            parameters.append((SIPBytes.string(buffer, parameter.name), parameter.value.map { SIPBytes.string(buffer, $0) }))
            if end == range.upperBound { return true }
            start = end + 1
        }
    }

    /// As `parseHostPort`: host [":" port], IPv6reference in brackets.
    private mutating func scanHostPort(_ buffer: SIPBytes.Buffer, _ range: Range<Int>) -> Bool {
        var portText: Range<Int>?
        if !range.isEmpty, buffer[range.lowerBound] == 0x5B {
            guard let close = SIPBytes.firstIndex(of: 0x5D, buffer, range) else { return false }
            let hostRange = (range.lowerBound + 1)..<close
            let after = (close + 1)..<range.upperBound
            if !after.isEmpty {
                guard buffer[after.lowerBound] == 0x3A else { return false }
                portText = (after.lowerBound + 1)..<after.upperBound
            }
            guard !hostRange.isEmpty else { return false }
            for index in hostRange {
                let byte = buffer[index]
                guard SIPBytes.isHexDigit(byte) || byte == 0x3A || byte == 0x2E else { return false }
            }
            host = SIPBytes.string(buffer, hostRange)
        } else {
            var hostRange = range
            if let colon = SIPBytes.firstIndex(of: 0x3A, buffer, range) {
                hostRange = range.lowerBound..<colon
                portText = (colon + 1)..<range.upperBound
            }
            guard !hostRange.isEmpty else { return false }
            for index in hostRange where !SIPBytes.isHostByte(buffer[index]) { return false }
            host = SIPBytes.string(buffer, hostRange)
        }
        if let portText {
            guard let value = SIPBytes.number(buffer, portText, limit: 65535) else { return false }
            port = Int(value)
        }
        return true
    }

    /// As `parseTel`: number *(";" par).
    private mutating func scanTel(_ buffer: SIPBytes.Buffer, _ rest: Range<Int>) -> Bool {
        let end = SIPBytes.firstIndex(of: 0x3B, buffer, rest) ?? rest.upperBound
        guard end > rest.lowerBound else { return false }
        user = SIPBytes.string(buffer, rest.lowerBound..<end)
        if end == rest.upperBound { return true }
        return scanParameters(buffer, (end + 1)..<rest.upperBound)
    }
}
