/// One `[name]` or `[name "label"]` block and its entries in file order.
///
/// Keys that appear before any header belong to a section whose `name` is
/// `""` (the global section); its `line` is the line of its first key.
public struct INISection: Equatable {
    /// e.g. `"proxy"`; for `[peer "carrier-a"]` this is `"peer"`.
    public var name: String
    /// e.g. `"carrier-a"` for `[peer "carrier-a"]`; `nil` for `[proxy]`.
    public var label: String?
    public var line: Int
    public var entries: [INIEntry]

    public init(name: String, label: String? = nil, line: Int, entries: [INIEntry] = []) {
        self.name = name
        self.label = label
        self.line = line
        self.entries = entries
    }

    /// The first entry with this key (the parser guarantees there is at most one).
    public func entry(_ key: String) -> INIEntry? {
        entries.first { $0.key == key }
    }

    /// The header as the operator wrote it, for messages:
    /// `[proxy]`, `[peer "carrier-a"]`, or `global section` for `""`.
    public var displayName: String {
        if name.isEmpty && label == nil { return "global section" }
        guard let label else { return "[\(name)]" }
        var escaped = ""
        for ch in label {
            if ch == "\\" || ch == "\"" { escaped.append("\\") }
            escaped.append(ch)
        }
        return "[\(name) \"\(escaped)\"]"
    }
}
