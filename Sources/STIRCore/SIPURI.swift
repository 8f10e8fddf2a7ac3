/// The parts of a `sip:`, `sips:` or `tel:` URI that identity handling needs
/// (RFC 3261 §19.1.1, RFC 3966). Not a general URI parser: it never fails,
/// it just reports what it found.
public struct SIPURI: Equatable, Sendable {
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
        let t = text.trimmingLWS()
        guard let colon = t.firstIndex(of: ":") else {
            scheme = ""
            user = nil
            host = nil
            parameters = [:]
            rest = t
            return
        }
        scheme = t[..<colon].lowercased()
        rest = String(t[t.index(after: colon)...])
        parameters = [:]
        user = nil
        host = nil
        switch scheme {
        case "tel":
            let parts = rest.split(separator: ";", omittingEmptySubsequences: false)
            user = String(parts[0])
            parameters = Self.parameters(parts.dropFirst())
        case "sip", "sips":
            var body = Substring(rest)
            if let q = body.firstIndex(of: "?") { body = body[..<q] }
            var hostPart = body
            if let at = body.lastIndex(of: "@") {
                var userinfo = body[..<at]
                hostPart = body[body.index(after: at)...]
                if let semi = userinfo.firstIndex(of: ";") { userinfo = userinfo[..<semi] }
                if let pw = userinfo.firstIndex(of: ":") { userinfo = userinfo[..<pw] }
                user = String(userinfo)
            }
            let parts = hostPart.split(separator: ";", omittingEmptySubsequences: false)
            host = Self.stripPort(parts[0])
            parameters = Self.parameters(parts.dropFirst())
        default:
            break
        }
    }

    private static func parameters(_ parts: ArraySlice<Substring>) -> [String: String] {
        var out: [String: String] = [:]
        for p in parts where !p.isEmpty {
            if let eq = p.firstIndex(of: "=") {
                out[p[..<eq].lowercased()] = String(p[p.index(after: eq)...])
            } else {
                out[p.lowercased()] = ""
            }
        }
        return out
    }

    private static func stripPort(_ hostport: Substring) -> String {
        if hostport.hasPrefix("["), let close = hostport.firstIndex(of: "]") {
            return String(hostport[...close])
        }
        if let colon = hostport.firstIndex(of: ":") { return String(hostport[..<colon]) }
        return String(hostport)
    }

    /// RFC 8224 §8.5 canonical URI: `scheme ":" user "@" host` for SIP URIs,
    /// with parameters, headers, password and port dropped, scheme/user/host
    /// lowercased and percent-encoded unreserved characters decoded
    /// (RFC 3986 §6.2.2). Other schemes: lowercased scheme, rest as is.
    public var normalized: String {
        guard scheme == "sip" || scheme == "sips", let host else { return scheme + ":" + rest }
        let h = Self.normalizePercent(host.lowercased())
        guard let user, !user.isEmpty else { return scheme + ":" + h }
        return scheme + ":" + Self.normalizePercent(user.lowercased()) + "@" + h
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

extension StringProtocol {
    /// Trims SP, HTAB, CR and LF at both ends.
    func trimmingLWS() -> String {
        let isLWS: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isLWS($0) }), let last = lastIndex(where: { !isLWS($0) }) else { return "" }
        return String(self[first...last])
    }
}
