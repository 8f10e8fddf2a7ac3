/// A URI as used in SIP (RFC 3261 §19.1): sip and sips are parsed into their
/// parts, tel (RFC 3966) into number and parameters, any other scheme is kept
/// as scheme + opaque text (RFC 3261 §19.1: other URI schemes MAY appear).
public struct SIPURI: Equatable, CustomStringConvertible {
    /// Lowercased scheme, e.g. "sip", "sips", "tel".
    public var scheme: String
    /// sip/sips user part exactly as written (%-escapes kept; it may contain
    /// ';' parameters, RFC 4475 §3.1.1.9), or the tel number.
    public var user: String?
    /// sip/sips password (discouraged by RFC 3261 §19.1.1, still parsed).
    public var password: String?
    /// Host; IPv6 references without brackets.
    public var host: String?
    public var port: Int?
    /// uri-parameters in order (sip/sips/tel).
    public var parameters: [(name: String, value: String?)]
    /// The text after "?" (sip/sips headers component), nil when absent.
    public var headers: String?
    /// For schemes other than sip/sips/tel: everything after "scheme:".
    public var opaque: String?

    /// Parses `text`; nil when it is not a well-formed URI.
    public init?(_ text: String) { self.init(text, osipChecked: false) }

    /// `osipChecked`: libosip2 already accepted this exact text (request
    /// validation does), so its parse is not repeated for sip/sips.
    init?(_ text: String, osipChecked: Bool) {
        guard let colon = text.utf8.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let schemeText = text[..<colon]
        guard let first = schemeText.utf8.first, SIPURI.isAlpha(first),
              schemeText.utf8.allSatisfy(SIPURI.isSchemeByte) else { return nil }
        let rest = String(text[text.index(after: colon)...])
        guard !rest.isEmpty, !SIPSyntax.containsWhitespace(rest), !rest.utf8.contains(0) else { return nil }
        scheme = schemeText.lowercased()
        parameters = []
        switch scheme {
        case "sip", "sips":
            guard parseSIP(rest), osipChecked || OSIPURI(parsing: text) != nil else { return nil }
        case "tel":
            guard parseTel(rest) else { return nil }
        default:
            opaque = rest
        }
    }

    /// The value of uri-parameter `name` (case-insensitive): nil when absent,
    /// `.some(nil)` for a flag parameter such as `lr`.
    public func parameter(_ name: String) -> String?? {
        for parameter in parameters where SIPSyntax.equalsIgnoringCase(parameter.name, name) {
            return .some(parameter.value)
        }
        return nil
    }

    /// True when a headers component ("?...") is present (RFC 3261 §19.1.5).
    public var hasHeaders: Bool { headers != nil }

    /// The serialized URI.
    public var description: String {
        var text = scheme + ":"
        switch scheme {
        case "sip", "sips":
            if let user {
                text += user
                if let password { text += ":" + password }
                text += "@"
            }
            if let host { text += host.contains(":") ? "[" + host + "]" : host }
            if let port { text += ":" + String(port) }
        case "tel":
            text += user ?? ""
        default:
            return text + (opaque ?? "")
        }
        for parameter in parameters {
            text += ";" + parameter.name
            if let value = parameter.value { text += "=" + value }
        }
        if let headers { text += "?" + headers }
        return text
    }

    public static func == (lhs: SIPURI, rhs: SIPURI) -> Bool {
        lhs.scheme == rhs.scheme && lhs.user == rhs.user && lhs.password == rhs.password
            && lhs.host == rhs.host && lhs.port == rhs.port && lhs.headers == rhs.headers
            && lhs.opaque == rhs.opaque && lhs.parameters.count == rhs.parameters.count
            && zip(lhs.parameters, rhs.parameters).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    // MARK: - Parsing

    /// sip/sips: [userinfo "@"] hostport uri-parameters ["?" headers]
    /// (RFC 3261 §19.1.1, §25.1). userinfo cannot hold a raw "@", so the first
    /// "@" ends it; user may contain ";", "?" and "," (user-unreserved).
    private mutating func parseSIP(_ rest: String) -> Bool {
        var remainder = Substring(rest)
        if let at = remainder.utf8.firstIndex(of: UInt8(ascii: "@")) {
            let userinfo = remainder[..<at]
            remainder = remainder[remainder.index(after: at)...]
            if let colon = userinfo.utf8.firstIndex(of: UInt8(ascii: ":")) {
                user = String(userinfo[..<colon])
                password = String(userinfo[userinfo.index(after: colon)...])
            } else {
                user = String(userinfo)
            }
            guard let user, !user.isEmpty else { return false }
        }
        if let question = remainder.utf8.firstIndex(of: UInt8(ascii: "?")) {
            headers = String(remainder[remainder.index(after: question)...])
            remainder = remainder[..<question]
        }
        var hostport = remainder
        var parameterText: Substring = ""
        if let semicolon = remainder.utf8.firstIndex(of: UInt8(ascii: ";")) {
            hostport = remainder[..<semicolon]
            parameterText = remainder[remainder.index(after: semicolon)...]
        }
        guard parseHostPort(hostport) else { return false }
        if !parameterText.isEmpty || remainder.contains(";") {
            let pieces = parameterText.utf8.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
            for piece in pieces.map(Substring.init) {
                guard let parameter = SIPSyntax.parameter(String(piece)) else { return false }
                parameters.append(parameter)
            }
        }
        return true
    }

    /// hostport = host [":" port]; IPv6reference in brackets.
    private mutating func parseHostPort(_ text: Substring) -> Bool {
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.utf8.firstIndex(of: UInt8(ascii: "]")) else { return false }
            host = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return false }
                portText = after.dropFirst()
            }
            guard let host, !host.isEmpty,
                  host.utf8.allSatisfy({ SIPURI.isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            else { return false }
        } else {
            if let colon = text.utf8.firstIndex(of: UInt8(ascii: ":")) {
                host = String(text[..<colon])
                portText = text[text.index(after: colon)...]
            } else {
                host = String(text)
            }
            guard let host, !host.isEmpty, host.utf8.allSatisfy(SIPURI.isHostByte) else { return false }
        }
        if let portText {
            guard let value = SIPSyntax.number(portText, limit: 65535) else { return false }
            port = Int(value)
        }
        return true
    }

    /// telephone-subscriber = number *(";" par) (RFC 3966 §3).
    private mutating func parseTel(_ rest: String) -> Bool {
        let pieces = rest.utf8.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false).map { Substring($0) }
        guard let number = pieces.first, !number.isEmpty else { return false }
        user = String(number)
        for piece in pieces.dropFirst() {
            guard let parameter = SIPSyntax.parameter(String(piece)) else { return false }
            parameters.append(parameter)
        }
        return true
    }

    private static func isAlpha(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    /// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1)
    private static func isSchemeByte(_ byte: UInt8) -> Bool {
        isAlpha(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    /// hostname / IPv4address characters (RFC 3261 §25.1).
    private static func isHostByte(_ byte: UInt8) -> Bool {
        isAlpha(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }
}
