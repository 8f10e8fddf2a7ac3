/// The parts of a `sip:`, `sips:` or `tel:` URI that identity handling needs
/// (RFC 3261 §19.1.1, RFC 3966). Not a general URI parser: it never fails,
/// it just reports what it found.
public struct IdentityURI: Equatable, Sendable {
    /// Lowercased scheme (`sip`, `sips`, `tel`, or anything else).
    public var scheme: String
    /// The user part without password and without RFC 4904 user parameters
    /// (`;tgrp=`, `;trunk-context=`); for `tel:` the number. Nil if absent.
    public var user: String?
    /// The host without port, for SIP URIs.
    public var host: String?
    /// URI parameters (names lowercased); for `tel:` the number's parameters.
    public var parameters: [String: String]
    /// The text after the scheme, for schemes this type does not understand.
    public var rest: String

    /// Splits `text` (an addr-spec: no angle brackets, no header parameters).
    public init(_ text: String) {
        let b = Array(text.utf8)
        let all = ASCIIBytes.trimmed(b)
        parameters = [:]
        user = nil
        host = nil
        guard let colon = ASCIIBytes.firstIndex(of: UInt8(ascii: ":"), in: b, all) else {
            scheme = ""
            rest = String(decoding: b[all], as: UTF8.self)
            return
        }
        scheme = ASCIIBytes.lowercased(b[all.lowerBound..<colon])
        let body = (colon + 1)..<all.upperBound
        rest = String(decoding: b[body], as: UTF8.self)
        switch scheme {
        case "tel":
            let semi = ASCIIBytes.firstIndex(of: UInt8(ascii: ";"), in: b, body) ?? body.upperBound
            user = String(decoding: b[body.lowerBound..<semi], as: UTF8.self)
            parameters = Self.parameters(b, semi..<body.upperBound)
        case "sip", "sips":
            let end = ASCIIBytes.firstIndex(of: UInt8(ascii: "?"), in: b, body) ?? body.upperBound
            var hostStart = body.lowerBound
            // RFC 4904 user parameters put ";" inside userinfo, so take the last "@".
            if let at = b[body.lowerBound..<end].lastIndex(of: UInt8(ascii: "@")) {
                var userEnd = ASCIIBytes.firstIndex(of: UInt8(ascii: ";"), in: b, body.lowerBound..<at) ?? at
                userEnd = ASCIIBytes.firstIndex(of: UInt8(ascii: ":"), in: b, body.lowerBound..<userEnd) ?? userEnd
                user = String(decoding: b[body.lowerBound..<userEnd], as: UTF8.self)
                hostStart = at + 1
            }
            let semi = ASCIIBytes.firstIndex(of: UInt8(ascii: ";"), in: b, hostStart..<end) ?? end
            host = Self.stripPort(b, hostStart..<semi)
            parameters = Self.parameters(b, semi..<end)
        default:
            break
        }
    }

    /// `;name[=value]` segments in `range` (which starts at a ";" or is empty).
    private static func parameters(_ b: [UInt8], _ range: Range<Int>) -> [String: String] {
        var out: [String: String] = [:]
        var i = range.lowerBound
        while i < range.upperBound {
            i += 1 // skip ";"
            let end = ASCIIBytes.firstIndex(of: UInt8(ascii: ";"), in: b, i..<range.upperBound) ?? range.upperBound
            if end > i {
                if let eq = ASCIIBytes.firstIndex(of: UInt8(ascii: "="), in: b, i..<end) {
                    out[ASCIIBytes.lowercased(b[i..<eq])] = String(decoding: b[(eq + 1)..<end], as: UTF8.self)
                } else {
                    out[ASCIIBytes.lowercased(b[i..<end])] = ""
                }
            }
            i = end
        }
        return out
    }

    private static func stripPort(_ b: [UInt8], _ range: Range<Int>) -> String {
        var end = range.upperBound
        if range.lowerBound < end, b[range.lowerBound] == UInt8(ascii: "[") {
            if let close = ASCIIBytes.firstIndex(of: UInt8(ascii: "]"), in: b, range) { end = close + 1 }
        } else if let colon = ASCIIBytes.firstIndex(of: UInt8(ascii: ":"), in: b, range) {
            end = colon
        }
        return String(decoding: b[range.lowerBound..<end], as: UTF8.self)
    }

    /// RFC 8224 §8.5 canonical URI: `scheme ":" user "@" host` for SIP URIs,
    /// with parameters, headers, password and port dropped, scheme/user/host
    /// lowercased and percent-encoded unreserved characters decoded
    /// (RFC 3986 §6.2.2). Other schemes: lowercased scheme, rest as is.
    public var normalized: String {
        guard scheme == "sip" || scheme == "sips", let host else { return scheme + ":" + rest }
        let h = Self.normalizePercent(ASCIIBytes.lowercased(Array(host.utf8)[...]))
        guard let user, !user.isEmpty else { return scheme + ":" + h }
        return scheme + ":" + Self.normalizePercent(ASCIIBytes.lowercased(Array(user.utf8)[...])) + "@" + h
    }

    /// Decodes `%XX` for unreserved characters and uppercases the hex of the rest.
    static func normalizePercent(_ s: String) -> String {
        let b = Array(s.utf8)
        guard b.contains(UInt8(ascii: "%")) else { return s }
        var out: [UInt8] = []
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "%"), i + 2 < b.count, let hi = hexValue(b[i + 1]), let lo = hexValue(b[i + 2]) {
                let c = hi << 4 | lo
                let unreserved = (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
                    || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "~")
                if unreserved {
                    // Letters decoded from user/host are lowercased like the rest.
                    out.append((c >= 0x41 && c <= 0x5A) ? c | 0x20 : c)
                } else {
                    out.append(contentsOf: [UInt8(ascii: "%"), upperHex(hi), upperHex(lo)])
                }
                i += 3
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    private static func upperHex(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x41 + v - 10 }
}
