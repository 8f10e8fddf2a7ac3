/// The parameters of a `Proxy-Authorization: Digest …` value (RFC 3261
/// §25.1 `credentials`, RFC 7616 §3.4): names lower-cased, quoted values
/// unquoted. Only the grammar is checked here; `AuthenticationProcessor` checks
/// the meaning.
public struct DigestCredentials: Equatable, Sendable {
    public var parameters: [String: String]

    /// Longest value parsed: real credentials are a few hundred bytes, and a
    /// 64 KB field is refused before any work is spent on it.
    public static let maximumLength = 4_096

    public subscript(_ name: String) -> String? { parameters[name] }

    /// Why a value is not Digest credentials.
    public enum ParseError: Error, Equatable, Sendable {
        case notDigest
        case tooLong
        case malformed(String)
    }

    /// True when `value`'s scheme is Digest (case-insensitive, RFC 7616 §3.4).
    public static func isDigest(_ value: String) -> Bool {
        let bytes = Array(value.utf8.prefix(7))
        return bytes.count == 7 && String(decoding: bytes.prefix(6), as: UTF8.self).lowercased() == "digest"
            && (bytes[6] == UInt8(ascii: " ") || bytes[6] == UInt8(ascii: "\t"))
    }

    public static func parse(_ value: String) -> Result<DigestCredentials, ParseError> {
        guard value.utf8.count <= maximumLength else { return .failure(.tooLong) }
        guard isDigest(value) else { return .failure(.notDigest) }
        let s = Array(value.utf8.dropFirst(6))
        var i = 0
        var params: [String: String] = [:]
        func skipBlanks() { while i < s.count, s[i] == UInt8(ascii: " ") || s[i] == UInt8(ascii: "\t") { i += 1 } }
        func isTokenChar(_ c: UInt8) -> Bool {
            // RFC 3261 §25.1 token.
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || Array("-.!%*_+`'~".utf8).contains(c)
        }
        func token() -> String? {
            let start = i
            while i < s.count, isTokenChar(s[i]) { i += 1 }
            return i > start ? String(decoding: s[start..<i], as: UTF8.self) : nil
        }
        while true {
            skipBlanks()
            guard let name = token() else { return .failure(.malformed("parameter name expected")) }
            skipBlanks()
            guard i < s.count, s[i] == UInt8(ascii: "=") else { return .failure(.malformed("'=' expected after \(name)")) }
            i += 1
            skipBlanks()
            let value: String
            if i < s.count, s[i] == UInt8(ascii: "\"") {
                i += 1
                var out: [UInt8] = []
                var closed = false
                while i < s.count {
                    let c = s[i]
                    if c == UInt8(ascii: "\\"), i + 1 < s.count {
                        out.append(s[i + 1])
                        i += 2
                        continue
                    }
                    i += 1
                    if c == UInt8(ascii: "\"") {
                        closed = true
                        break
                    }
                    out.append(c)
                }
                guard closed else { return .failure(.malformed("unterminated quoted string in \(name)")) }
                value = String(decoding: out, as: UTF8.self)
            } else {
                guard let t = token() else { return .failure(.malformed("value expected for \(name)")) }
                value = t
            }
            let key = name.lowercased()
            guard params[key] == nil else { return .failure(.malformed("\(key) appears twice")) }
            params[key] = value
            skipBlanks()
            if i == s.count { break }
            guard s[i] == UInt8(ascii: ",") else { return .failure(.malformed("',' expected after \(key)")) }
            i += 1
        }
        return .success(DigestCredentials(parameters: params))
    }
}
