/// Why an Identity header value could not be parsed (RFC 8224 §4 grammar).
public enum IdentityHeaderError: Error, Equatable, Sendable {
    case empty
    case tooLong
    /// A byte that the grammar does not allow, at an offset into the value.
    case invalidCharacter(offset: Int)
    /// A parameter is not `name[=value]`, or a quoted string / `<URI>` is unterminated.
    case malformedParameter(offset: Int)
    /// `info`, `alg` or `ppt` appears twice.
    case duplicateParameter(String)
    /// No `info` parameter (RFC 8224 §4: it is mandatory).
    case missingInfo
    /// `info` is not `<absoluteURI>`.
    case invalidInfo
}

/// One Identity header field value (RFC 8224 §4):
/// `signed-identity-digest ;info=<URI> [;alg=token] [;ppt=token] *(;generic-param)`.
///
/// Parsing is tolerant where real traffic differs from the ABNF (`ppt` as a
/// quoted string as in RFC 8946/9795 examples; `+ / =` in the digest, which
/// then fail base64url decoding) and strict elsewhere.
public struct IdentityHeader: Equatable, Sendable {
    /// An extension parameter, name lowercased, value unquoted.
    public struct Parameter: Equatable, Sendable {
        public var name: String
        public var value: String?
        public init(name: String, value: String?) {
            self.name = name
            self.value = value
        }
    }

    /// The signed-identity-digest: a full-form JWS or the compact `..signature`.
    public var token: String
    /// The `info` URI without angle brackets.
    public var info: String
    /// The `alg` parameter as received; nil means absent (defaults to ES256, §4.1).
    public var alg: String?
    /// The `ppt` parameter, unquoted; nil for baseline.
    public var ppt: String?
    /// Other parameters in order.
    public var parameters: [Parameter]

    /// Default cap on a header value.
    public static let defaultMaxLength = 16_384

    public init(token: String, info: String, alg: String? = "ES256", ppt: String? = nil, parameters: [Parameter] = []) {
        self.token = token
        self.info = info
        self.alg = alg
        self.ppt = ppt
        self.parameters = parameters
    }

    /// The algorithm in effect: `alg` or its default `ES256` (RFC 8224 §4.1).
    public var effectiveAlg: String { alg ?? "ES256" }

    /// True for the compact form `..signature` (RFC 8225 §7).
    public var isCompact: Bool { token.utf8.starts(with: "..".utf8) }

    /// True for `Identity` and its compact header name `y` (RFC 8224 §13.1), any case.
    public static func isHeaderName(_ name: String) -> Bool {
        let n = name.lowercased()
        return n == "identity" || n == "y"
    }

    /// The header value as we send it: `token;info=<URI>;alg=..;ppt=..`, with
    /// `ppt` unquoted as carriers expect.
    public var formatted: String {
        var s = token + ";info=<" + info + ">"
        if let alg { s += ";alg=" + alg }
        if let ppt { s += ";ppt=" + ppt }
        for p in parameters {
            s += ";" + p.name
            if let v = p.value { s += "=" + v }
        }
        return s
    }

    /// Parses one header field value (not the `Identity:` name).
    public static func parse(_ value: String, maxLength: Int = defaultMaxLength) throws(IdentityHeaderError) -> IdentityHeader {
        let b = Array(value.utf8)
        guard b.count <= maxLength else { throw .tooLong }
        var i = 0
        skipLWS(b, &i)
        let tokenStart = i
        while i < b.count, b[i] != UInt8(ascii: ";"), !isLWS(b[i]) {
            guard isDigestChar(b[i]) else { throw .invalidCharacter(offset: i) }
            i += 1
        }
        guard i > tokenStart else { throw b.allSatisfy(isLWS) ? .empty : .invalidCharacter(offset: i) }
        let token = String(decoding: b[tokenStart..<i], as: UTF8.self)
        var info: String?
        var alg: String?
        var ppt: String?
        var params: [Parameter] = []
        while true {
            skipLWS(b, &i)
            if i == b.count { break }
            guard b[i] == UInt8(ascii: ";") else { throw .invalidCharacter(offset: i) }
            i += 1
            skipLWS(b, &i)
            let nameStart = i
            while i < b.count, isTokenChar(b[i]) { i += 1 }
            guard i > nameStart else { throw .malformedParameter(offset: i) }
            let name = ASCIIBytes.lowercased(b[nameStart..<i])
            skipLWS(b, &i)
            var rawValue: String?
            var wasBracketed = false
            if i < b.count, b[i] == UInt8(ascii: "=") {
                i += 1
                skipLWS(b, &i)
                (rawValue, wasBracketed) = try parseValue(b, &i)
            }
            switch name {
            case "info":
                guard info == nil else { throw .duplicateParameter(name) }
                guard wasBracketed, let v = rawValue, isAbsoluteURI(v) else { throw .invalidInfo }
                info = v
            case "alg":
                guard alg == nil else { throw .duplicateParameter(name) }
                guard let v = rawValue, !v.isEmpty else { throw .malformedParameter(offset: nameStart) }
                alg = v
            case "ppt":
                guard ppt == nil else { throw .duplicateParameter(name) }
                guard let v = rawValue, !v.isEmpty else { throw .malformedParameter(offset: nameStart) }
                ppt = v
            default:
                params.append(Parameter(name: name, value: rawValue))
            }
        }
        guard let info else { throw .missingInfo }
        return IdentityHeader(token: token, info: info, alg: alg, ppt: ppt, parameters: params)
    }

    /// Parses `<URI>`, a quoted-string (unquoted, escapes removed) or a
    /// token/host value. Returns the value and whether it was in `<>`.
    private static func parseValue(_ b: [UInt8], _ i: inout Int) throws(IdentityHeaderError) -> (String, Bool) {
        guard i < b.count else { throw .malformedParameter(offset: i) }
        let start = i
        if b[i] == UInt8(ascii: "<") {
            i += 1
            let s = i
            while i < b.count, b[i] != UInt8(ascii: ">") {
                guard b[i] > 0x20, b[i] < 0x7F, b[i] != UInt8(ascii: "<") else { throw .invalidCharacter(offset: i) }
                i += 1
            }
            guard i < b.count else { throw .malformedParameter(offset: start) }
            let v = String(decoding: b[s..<i], as: UTF8.self)
            i += 1
            return (v, true)
        }
        if b[i] == UInt8(ascii: "\"") {
            i += 1
            var out: [UInt8] = []
            while i < b.count, b[i] != UInt8(ascii: "\"") {
                if b[i] == UInt8(ascii: "\\") {
                    i += 1
                    guard i < b.count else { break }
                }
                guard b[i] >= 0x20 || b[i] == 0x09, b[i] != 0x7F else { throw .invalidCharacter(offset: i) }
                out.append(b[i])
                i += 1
            }
            guard i < b.count else { throw .malformedParameter(offset: start) }
            i += 1
            guard let s = String(validating: out, as: UTF8.self) else { throw .invalidCharacter(offset: start) }
            return (s, false)
        }
        while i < b.count, isTokenChar(b[i]) || b[i] == UInt8(ascii: ":") || b[i] == UInt8(ascii: "[") || b[i] == UInt8(ascii: "]") {
            i += 1
        }
        guard i > start else { throw .malformedParameter(offset: start) }
        return (String(decoding: b[start..<i], as: UTF8.self), false)
    }

    private static func isLWS(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }

    private static func skipLWS(_ b: [UInt8], _ i: inout Int) {
        while i < b.count, isLWS(b[i]) { i += 1 }
    }

    /// base64url, `.`, and (tolerated, see type doc) the ABNF's `+ /` and `=`.
    private static func isDigestChar(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    /// RFC 3261 §25.1 `token`.
    private static func isTokenChar(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "%"), UInt8(ascii: "*"),
             UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "`"), UInt8(ascii: "'"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// RFC 3986 §4.3: `scheme ":" hier-part`, scheme = ALPHA *(ALPHA / DIGIT / "+" / "-" / ".").
    static func isAbsoluteURI(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard let colon = u.firstIndex(of: UInt8(ascii: ":")), colon > 0, colon + 1 < u.count else { return false }
        guard (u[0] | 0x20) >= UInt8(ascii: "a"), (u[0] | 0x20) <= UInt8(ascii: "z") else { return false }
        return u[1..<colon].allSatisfy { c in
            let l = c | 0x20
            return (l >= UInt8(ascii: "a") && l <= UInt8(ascii: "z")) || (c >= 0x30 && c <= 0x39)
                || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
        }
    }
}
