import Foundation

/// Sets or removes the display-name of a From (or To) header value
/// (RFC 3261 §20.10, §25.1 `name-addr`), keeping the URI and parameters
/// byte for byte. An addr-spec without `<>` is bracketed first when a name
/// is set (its parameters are header parameters, RFC 3261 §20).
enum DisplayNameEditor {
    static func set(_ value: String, name: String?) -> String {
        let bytes = Array(value.utf8)
        var inQuotes = false
        var i = 0
        var open: Int?
        while i < bytes.count {
            let c = bytes[i]
            if inQuotes && c == UInt8(ascii: "\\") { i += 2; continue }
            if c == UInt8(ascii: "\"") { inQuotes.toggle() } else if c == UInt8(ascii: "<") && !inQuotes { open = i; break }
            i += 1
        }
        let rest: String
        if let open {
            rest = String(decoding: bytes[open...], as: UTF8.self)
        } else {
            let text = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard name != nil else { return value }
            // addr-spec: the first ';' starts header parameters (tag).
            if let semi = text.firstIndex(of: ";") {
                rest = "<" + text[..<semi] + ">" + text[semi...]
            } else {
                rest = "<" + text + ">"
            }
        }
        guard let name else { return rest }
        return quoted(name) + " " + rest
    }

    /// A quoted-string (RFC 3261 §25.1): `"` and `\` escaped, control characters dropped.
    static func quoted(_ name: String) -> String {
        var out = "\""
        for scalar in name.unicodeScalars where scalar.value >= 0x20 && scalar.value != 0x7F {
            if scalar == "\"" || scalar == "\\" { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
        return out + "\""
    }
}
