/// Typed, consuming access to one section.
///
/// Each getter marks its key as read and returns the default when the key is
/// absent; a present but bad value throws `file:line: key: why`. Call
/// `finish()` after reading every key the module knows, so a misspelled key is
/// an error instead of a silently ignored setting.
///
///     var r = INISectionReader(section, file: doc.file)
///     let port = try r.int("port", default: 5060, range: 1...65535)
///     try r.finish()
public struct INISectionReader {
    public let section: INISection
    public let file: String
    private var read: Set<String> = []

    public init(_ section: INISection, file: String) {
        self.section = section
        self.file = file
    }

    /// Whether the key is set at all (does not mark it read).
    public func contains(_ key: String) -> Bool {
        section.entry(key) != nil
    }

    /// The raw value, or `default` when absent. An empty value is returned as "".
    public mutating func string(_ key: String, default defaultValue: String) throws -> String {
        try optionalString(key) ?? defaultValue
    }

    /// The raw value, or nil when absent.
    public mutating func optionalString(_ key: String) throws -> String? {
        read.insert(key)
        INIKeyLog.current?.note(section: section.name, key: key)
        return section.entry(key)?.value
    }

    /// A decimal integer with optional sign, within `range`. Hex, underscores
    /// and blanks are rejected; the error always states the range.
    public mutating func int(_ key: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = try optionalString(key) else { return defaultValue }
        let rangeText = "\(range.lowerBound)...\(range.upperBound)"
        guard Self.isDecimal(text) else {
            throw error(key, "must be an integer in \(rangeText), got '\(text)'")
        }
        // Syntactically an integer, so a failed conversion can only be overflow.
        guard let value = Int(text), range.contains(value) else {
            throw error(key, "must be in \(rangeText), got \(text)")
        }
        return value
    }

    /// Accepted spellings, case-insensitive, as operators of Asterisk and
    /// Kamailio write them.
    static let booleans: [String: Bool] = [
        "true": true, "yes": true, "on": true, "1": true,
        "false": false, "no": false, "off": false, "0": false,
    ]

    /// true/false, yes/no, on/off, 1/0 (any case).
    public mutating func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let text = try optionalString(key) else { return defaultValue }
        guard let value = Self.booleans[text.lowercased()] else {
            throw error(key, "must be true/false, yes/no, on/off or 1/0, got '\(text)'")
        }
        return value
    }

    /// Comma-separated items, each trimmed. An empty value is the empty list;
    /// an empty item (`a,,b`, `a,`) is an error because it is almost always a typo.
    public mutating func list(_ key: String, default defaultValue: [String]) throws -> [String] {
        guard let text = try optionalString(key) else { return defaultValue }
        if text.isEmpty { return [] }
        var items: [String] = []
        for (index, part) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let item = Self.trimBlanks(part)
            guard !item.isEmpty else {
                throw error(key, "empty item \(index + 1) in comma-separated list")
            }
            items.append(item)
        }
        return items
    }

    /// One of the table's keys (case-sensitive); the error lists them all.
    public mutating func choice<T>(_ key: String, default defaultValue: T, _ table: [String: T]) throws -> T {
        guard let text = try optionalString(key) else { return defaultValue }
        guard let value = table[text] else {
            let allowed = table.keys.sorted().joined(separator: ", ")
            throw error(key, "must be one of \(allowed), got '\(text)'")
        }
        return value
    }

    /// Parses with the caller's function; its failure is the "why", e.g.
    /// `.failure("must be an https URL")`.
    public mutating func custom<T>(_ key: String, default defaultValue: T,
                                   _ parse: (String) -> Result<T, INIValueError>) throws -> T {
        guard let text = try optionalString(key) else { return defaultValue }
        switch parse(text) {
        case .success(let value): return value
        case .failure(let failure): throw error(key, failure.why)
        }
    }

    /// An error about `key` at its line, or at the section header when the key
    /// is absent (e.g. "required key missing", or a cross-field check).
    public func error(_ key: String, _ why: String) -> INIError {
        INIError(file: file, line: section.entry(key)?.line ?? section.line, key: key, message: why)
    }

    /// Throws "unknown key in [section]" for the first key (in file order)
    /// that no getter asked for.
    public func finish() throws {
        if let unknown = section.entries.first(where: { !read.contains($0.key) }) {
            throw INIError(file: file, line: unknown.line, key: unknown.key,
                           message: "unknown key in \(section.displayName)")
        }
    }

    /// Optional sign then ASCII digits only. `Int.init` returns nil both for
    /// bad syntax and for overflow; checking syntax first lets the error say
    /// which one it was.
    static func isDecimal(_ text: String) -> Bool {
        var scalars = Substring(text).unicodeScalars[...]
        if let first = scalars.first, first == "+" || first == "-" { scalars = scalars.dropFirst() }
        return !scalars.isEmpty && scalars.allSatisfy { ("0"..."9").contains($0) }
    }

    static func trimBlanks(_ text: Substring) -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = text.firstIndex(where: { !isBlank($0) }),
              let end = text.lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(text[start...end])
    }
}
