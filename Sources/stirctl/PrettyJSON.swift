import STIRCore

/// Human-readable JSON for `stirctl decode`: two-space indent, keys sorted
/// by code point like the canonical form, strings escaped the same way.
enum PrettyJSON {
    static func string(_ value: JSONValue, indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent)
        let inner = String(repeating: "  ", count: indent + 1)
        switch value {
        case .array(let items) where !items.isEmpty:
            return "[\n" + items.map { inner + string($0, indent: indent + 1) }.joined(separator: ",\n") + "\n" + pad + "]"
        case .object(let members) where !members.isEmpty:
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            return "{\n" + keys.map { key in
                inner + CanonicalJSON.string(.string(key)) + ": " + string(members[key]!, indent: indent + 1)
            }.joined(separator: ",\n") + "\n" + pad + "}"
        default:
            return CanonicalJSON.string(value)
        }
    }
}
