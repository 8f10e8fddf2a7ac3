/// One From, To, Contact, Route, Record-Route or P-Asserted-Identity value:
/// `( name-addr / addr-spec ) *( SEMI param )` (RFC 3261 §20.10, §25.1).
public struct SIPNameAddr: Equatable, CustomStringConvertible {
    /// Display name without quotes, quoted-pair escapes removed.
    public var displayName: String?
    /// URI text as received (without the angle brackets).
    public var uri: String
    /// Header parameters (after the URI) in order, including `tag`.
    public var parameters: [(name: String, value: String?)]
    /// True when the URI was written inside `<...>`.
    public var bracketed: Bool

    public init(displayName: String? = nil, uri: String, parameters: [(name: String, value: String?)] = []) {
        self.displayName = displayName
        self.uri = uri
        self.parameters = parameters
        self.bracketed = true
    }

    /// The `tag` parameter (RFC 3261 §19.3); setting nil removes it.
    public var tag: String? {
        get { parameter("tag") ?? nil }
        set {
            parameters.removeAll { SIPSyntax.equalsIgnoringCase($0.name, "tag") }
            if let newValue { parameters.append((name: "tag", value: newValue)) }
        }
    }

    /// The URI parsed, nil when it is not a well-formed URI.
    public var parsedURI: SIPURI? { SIPURI.fastParse(uri, osipChecked: false) }

    /// The value of header parameter `name` (case-insensitive): nil when
    /// absent, `.some(nil)` for a parameter without a value.
    public func parameter(_ name: String) -> String?? {
        for parameter in parameters where SIPSyntax.equalsIgnoringCase(parameter.name, name) {
            return .some(parameter.value)
        }
        return nil
    }

    /// Serialized as name-addr (always with angle brackets, RFC 3261 §20.10).
    public var description: String {
        var text = ""
        if let displayName {
            var quoted = "\""
            for character in displayName {
                if character == "\"" || character == "\\" { quoted.append("\\") }
                quoted.append(character)
            }
            text += quoted + "\" "
        }
        text += "<" + uri + ">"
        for parameter in parameters {
            text += ";" + parameter.name
            if let value = parameter.value { text += "=" + value }
        }
        return text
    }

    public static func == (lhs: SIPNameAddr, rhs: SIPNameAddr) -> Bool {
        lhs.displayName == rhs.displayName && lhs.uri == rhs.uri
            && lhs.parameters.count == rhs.parameters.count
            && zip(lhs.parameters, rhs.parameters).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// Parses one list element; throws with a reason fit for a 400.
    public static func parse(_ text: String) throws -> SIPNameAddr {
        var rest = Substring(SIPSyntax.trimmed(text))
        guard !rest.isEmpty else { throw SIPParseError(reason: "Empty Address") }
        var displayName: String?
        var bracketed = false
        let uri: String
        if rest.hasPrefix("\"") {
            let (name, after) = try quotedString(rest)
            displayName = name
            rest = after.drop(while: SIPSyntax.isWhitespace)
            guard rest.hasPrefix("<") else { throw SIPParseError(reason: "Missing '<' After Display Name") }
        }
        if let open = rest.utf8.firstIndex(of: UInt8(ascii: "<")) {
            if displayName == nil {
                // display-name = *(token LWS): several unquoted tokens are fine
                // (RFC 4475 §3.1.1.2), a comma or other separator is not.
                let words = rest[..<open].split(whereSeparator: SIPSyntax.isWhitespace)
                guard words.allSatisfy(SIPSyntax.isToken) else {
                    throw SIPParseError(reason: "Bad Display Name")
                }
                if !words.isEmpty { displayName = words.joined(separator: " ") }
            }
            guard let close = rest[open...].utf8.firstIndex(of: UInt8(ascii: ">")) else {
                throw SIPParseError(reason: "Unterminated '<'")
            }
            uri = String(rest[rest.index(after: open)..<close])
            // LAQUOT/RAQUOT allow no LWS inside the brackets (RFC 4475 §3.1.2.14).
            guard !uri.isEmpty, !SIPSyntax.containsWhitespace(uri) else {
                throw SIPParseError(reason: "Bad addr-spec")
            }
            rest = rest[rest.index(after: close)...]
            bracketed = true
        } else {
            // addr-spec form: parameters after ';' belong to the header, and a
            // URI with ',', '?' or ';' must be bracketed (RFC 3261 §20.10).
            let end = rest.utf8.firstIndex(of: UInt8(ascii: ";")) ?? rest.endIndex
            uri = SIPSyntax.trimmed(rest[..<end])
            guard !uri.isEmpty, !SIPSyntax.containsWhitespace(uri), !uri.contains("?"), !uri.contains(",")
            else { throw SIPParseError(reason: "Bad addr-spec") }
            rest = rest[end...]
        }
        guard SIPURI(uri) != nil else { throw SIPParseError(reason: "Bad URI") }
        var parameters: [(name: String, value: String?)] = []
        let paramText = SIPSyntax.trimmed(rest)
        if !paramText.isEmpty {
            guard paramText.hasPrefix(";") else { throw SIPParseError(reason: "Bad Header Parameters") }
            let split = SIPSyntax.split(String(paramText.dropFirst()), at: ";")
            guard !split.unbalanced else { throw SIPParseError(reason: "Unterminated Quoted String") }
            for piece in split.elements {
                guard let parameter = SIPSyntax.parameter(piece) else {
                    throw SIPParseError(reason: "Bad Header Parameter")
                }
                parameters.append(parameter)
            }
        }
        var result = SIPNameAddr(displayName: displayName, uri: uri, parameters: parameters)
        result.bracketed = bracketed
        return result
    }

    /// quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE (RFC 3261 §25.1).
    /// Returns the unescaped content and the text after the closing quote.
    private static func quotedString(_ text: Substring) throws -> (String, Substring) {
        var content = String.UnicodeScalarView()
        let scalars = text.unicodeScalars
        var index = scalars.index(after: scalars.startIndex)
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if scalar == "\\" {
                let next = scalars.index(after: index)
                guard next < scalars.endIndex else { break }
                content.append(scalars[next])
                index = scalars.index(after: next)
                continue
            }
            if scalar == "\"" {
                return (String(content), Substring(scalars[scalars.index(after: index)...]))
            }
            content.append(scalar)
            index = scalars.index(after: index)
        }
        throw SIPParseError(reason: "Unterminated Quoted String")
    }
}
