import STIRCore

/// Adds, replaces or removes the `verstat` parameter of a telephone-number
/// URI inside From / P-Asserted-Identity values (3GPP TS 24.229 §7.2A.20):
/// a `tel:` URI parameter, or a parameter of the user part of a SIP URI
/// (`<sip:+12155551212;verstat=TN-Validation-Passed@host;user=phone>`).
public enum VerstatEditor {
    /// `value` (one name-addr / addr-spec, or a comma-separated list of
    /// them) with every `verstat` removed and, when `verstat` is given, set.
    public static func edit(_ value: String, verstat: Verstat?) -> String {
        splitList(value).map { editOne($0, verstat: verstat) }.joined(separator: ", ")
    }

    /// Whether any element carries a `verstat` parameter.
    public static func hasVerstat(_ value: String) -> Bool {
        // A byte scan: `lowercased().contains` went through Foundation's
        // string search and cost ~6 µs on every INVITE from an untrusted peer.
        let needle = verstatNeedle
        return value.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard bytes.count >= needle.count else { return false }
            return (0...(bytes.count - needle.count)).contains { start in
                needle.indices.allSatisfy { lowerASCII(bytes[start + $0]) == needle[$0] }
            }
        } ?? value.lowercased().contains("verstat=")
    }

    private static let verstatNeedle: [UInt8] = Array("verstat=".utf8)

    /// A–Z lower-cased; every other byte as it is.
    private static func lowerASCII(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

    static func editOne(_ element: String, verstat: Verstat?) -> String {
        let chars = Array(element)
        var inQuotes = false
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if inQuotes && c == "\\" { i += 2; continue }
            if c == "\"" { inQuotes.toggle() }
            if c == "<" && !inQuotes {
                guard let close = chars[(i + 1)...].firstIndex(of: ">") else { return element }
                let uri = String(chars[(i + 1)..<close])
                return String(chars[...i]) + editURI(uri, verstat: verstat) + String(chars[close...])
            }
            i += 1
        }
        // addr-spec form (RFC 3261 §20.10): the URI ends at the first ";",
        // and a URI with parameters must be bracketed, so add brackets.
        let trimmed = element.drop { $0 == " " }
        let semi = trimmed.firstIndex(of: ";") ?? trimmed.endIndex
        let uri = String(trimmed[..<semi])
        let edited = editURI(uri, verstat: verstat)
        return edited == uri ? element : "<" + edited + ">" + trimmed[semi...]
    }

    /// Edits one URI; a URI without a place for verstat is returned unchanged.
    static func editURI(_ uri: String, verstat: Verstat?) -> String {
        let lower = uri.lowercased()
        let add = verstat.map { ";verstat=" + $0.rawValue } ?? ""
        if lower.hasPrefix("tel:") {
            return removeParameter(uri) + add
        }
        guard lower.hasPrefix("sip:") || lower.hasPrefix("sips:"), let at = uri.firstIndex(of: "@") else { return uri }
        let userinfo = uri[..<at]
        // A password (`user:pass@`) is not allowed in From/PAI; keep it apart anyway.
        let schemeEnd = userinfo.firstIndex(of: ":").map { userinfo.index(after: $0) } ?? userinfo.startIndex
        let user = userinfo[schemeEnd...]
        let colon = user.firstIndex(of: ":") ?? user.endIndex
        return String(uri[..<schemeEnd]) + removeParameter(String(user[..<colon])) + add + String(user[colon...]) + String(uri[at...])
    }

    /// Removes every `;verstat=...` from a `;`-separated parameter string.
    static func removeParameter(_ text: String) -> String {
        let parts = text.split(separator: ";", omittingEmptySubsequences: false)
        guard parts.count > 1 else { return text }
        let kept = [parts[0]] + parts.dropFirst().filter { !$0.lowercased().hasPrefix("verstat=") && $0.lowercased() != "verstat" }
        return kept.joined(separator: ";")
    }

    /// Splits at commas outside quotes and angle brackets (RFC 3261 §7.3.1).
    static func splitList(_ value: String) -> [String] {
        var out: [String] = []
        var current = ""
        var inQuotes = false, inBrackets = false, escaped = false
        for c in value {
            if escaped { current.append(c); escaped = false; continue }
            switch c {
            case "\\" where inQuotes: escaped = true
            case "\"" where !inBrackets: inQuotes.toggle()
            case "<" where !inQuotes: inBrackets = true
            case ">" where !inQuotes: inBrackets = false
            case "," where !inQuotes && !inBrackets:
                out.append(current.trimmingBlanks)
                current = ""
                continue
            default: break
            }
            current.append(c)
        }
        out.append(current.trimmingBlanks)
        return out.filter { !$0.isEmpty }
    }
}

extension String {
    var trimmingBlanks: String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let s = firstIndex(where: { !isBlank($0) }), let e = lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(self[s...e])
    }
}
