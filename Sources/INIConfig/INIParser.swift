/// Turns INI text into an `INIDocument`, one line at a time.
///
/// Syntax (strict on purpose: a config file that half-parses is worse than one
/// that is rejected with a line number):
///
/// - **Lines** end in LF or CRLF. A UTF-8 byte-order mark at the very start is
///   skipped. Each line must be valid UTF-8.
/// - **Bounds**: the input may be at most 4 MiB (`INIDocument.maxFileBytes`)
///   and each line at most 64 KiB (`INIDocument.maxLineBytes`), so a wrong path
///   (a log file, `/dev/zero`) fails fast instead of eating memory.
/// - **Blank lines** and **comment lines** (first non-blank character `;` or
///   `#`) are ignored. Blanks are spaces and tabs.
/// - **Section headers**: `[name]` or `[name "label"]`, e.g. `[proxy]`,
///   `[peer "carrier-a"]`. Blanks are allowed inside the brackets and a comment
///   may follow the `]`. Names follow the key rule below. The label must be
///   double-quoted (same escapes as values) and non-empty; `[peer carrier-a]`
///   is rejected rather than guessed at, as git-config does.
/// - **Duplicates**: a plain section name may appear once; a labeled section
///   may appear once per (name, label). `[peer]` and `[peer "a"]` may coexist;
///   consumers decide what that means.
/// - **Entries**: `key = value`. Keys are case-sensitive `[a-z0-9_.]+`
///   (snake_case with unit suffixes such as `fetch_timeout_ms`). A key may be
///   set once per section ("duplicate key, first set at line N"). Entries before
///   the first header go to the global section named `""`.
/// - **Values** are trimmed of surrounding blanks and may be empty.
///   - Unquoted: a `;` or `#` preceded by a blank starts an inline comment, so
///     `url = https://x/#frag` keeps its `#`. A `"` inside an unquoted value is
///     an error: quote the whole value instead.
///   - Quoted: `"..."` keeps everything inside, including `;`, `#` and
///     surrounding blanks; `\"` and `\\` are the only escapes. After the
///     closing quote only blanks and a comment may follow.
/// - Any other line (no `=`, no header) is an error naming its line.
struct INIParser {
    private struct SectionID: Hashable {
        var name: String
        var label: String?
    }

    let file: String
    private var sections: [INISection] = []
    /// First line of each (name, label), to report duplicates with both lines.
    private var sectionLines: [SectionID: Int] = [:]
    /// Lines of the keys in the last section, for duplicate-key errors.
    private var keyLines: [String: Int] = [:]
    private var lineNumber = 0

    init(file: String) {
        self.file = file
    }

    /// Parses raw bytes; the String entry point goes through here too so both
    /// get the same size limits.
    mutating func parse(_ bytes: [UInt8]) throws -> [INISection] {
        guard bytes.count <= INIDocument.maxFileBytes else {
            throw INIError(file: file, line: 0,
                           message: "file is larger than \(INIDocument.maxFileBytes) bytes")
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }

        for raw in body.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            var lineBytes = raw
            if lineBytes.last == 0x0D { lineBytes = lineBytes.dropLast() }
            guard lineBytes.count <= INIDocument.maxLineBytes else {
                throw fail("line is longer than \(INIDocument.maxLineBytes) bytes")
            }
            let text = String(decoding: lineBytes, as: UTF8.self)
            // Decoding replaces bad sequences with U+FFFD; a mismatch means the
            // input was not UTF-8.
            guard text.utf8.elementsEqual(lineBytes) else {
                throw fail("line is not valid UTF-8")
            }
            try parseLine(Array(text.unicodeScalars))
        }
        return sections
    }

    private mutating func parseLine(_ line: [Unicode.Scalar]) throws {
        var i = skipBlanks(line, from: 0)
        guard i < line.count, !isCommentStart(line[i]) else { return }
        if line[i] == "[" {
            try parseHeader(line, from: i + 1)
            return
        }
        guard let eq = line.firstIndex(of: "=") else {
            throw fail("expected 'key = value' or a [section] header")
        }
        var end = eq
        while end > i, isBlank(line[end - 1]) { end -= 1 }
        let key = String(String.UnicodeScalarView(line[i..<end]))
        guard !key.isEmpty else { throw fail("missing key before '='") }
        guard Self.isValidName(key) else {
            throw fail("invalid key '\(key)': keys are lowercase [a-z0-9_.]+")
        }
        i = eq + 1
        let value = try parseValue(line, from: i, key: key)
        try addEntry(INIEntry(key: key, value: value, line: lineNumber))
    }

    /// Parses what follows `[`: a name, an optional quoted label, `]`.
    private mutating func parseHeader(_ line: [Unicode.Scalar], from start: Int) throws {
        var i = skipBlanks(line, from: start)
        let nameStart = i
        while i < line.count, !isBlank(line[i]), line[i] != "]", line[i] != "\"" { i += 1 }
        let name = String(String.UnicodeScalarView(line[nameStart..<i]))
        guard !name.isEmpty else { throw fail("missing section name") }
        guard Self.isValidName(name) else {
            throw fail("invalid section name '\(name)': names are lowercase [a-z0-9_.]+")
        }
        i = skipBlanks(line, from: i)

        var label: String?
        if i < line.count, line[i] == "\"" {
            let (text, next) = try parseQuoted(line, from: i + 1, key: nil)
            guard !text.isEmpty else { throw fail("empty section label") }
            label = text
            i = skipBlanks(line, from: next)
        }
        guard i < line.count, line[i] == "]" else {
            if i >= line.count { throw fail("missing ']' in section header") }
            if label == nil, line[i] != "\"" {
                throw fail("section label must be double-quoted, as in [\(name) \"label\"]")
            }
            throw fail("expected ']' after section label")
        }
        i = skipBlanks(line, from: i + 1)
        guard i == line.count || isCommentStart(line[i]) else {
            throw fail("unexpected text after ']'")
        }
        try addSection(name: name, label: label)
    }

    /// Parses the text after `=`: either one quoted string or a bare value.
    private func parseValue(_ line: [Unicode.Scalar], from start: Int, key: String) throws -> String {
        var i = skipBlanks(line, from: start)
        if i < line.count, line[i] == "\"" {
            let (text, next) = try parseQuoted(line, from: i + 1, key: key)
            i = skipBlanks(line, from: next)
            guard i == line.count || isCommentStart(line[i]) else {
                throw fail("unexpected text after closing quote", key: key)
            }
            return text
        }
        let valueStart = i
        var end = line.count
        while i < line.count {
            let c = line[i]
            // A blank before the comment char is required so values such as
            // URLs with `#fragment` survive.
            if isCommentStart(c), i > 0, isBlank(line[i - 1]) {
                end = i
                break
            }
            if c == "\"" {
                throw fail("stray '\"' in unquoted value; quote the whole value", key: key)
            }
            i += 1
        }
        while end > valueStart, isBlank(line[end - 1]) { end -= 1 }
        return String(String.UnicodeScalarView(line[valueStart..<end]))
    }

    /// Reads up to the closing quote (the opening one is already consumed);
    /// returns the unescaped text and the index after the closing quote.
    private func parseQuoted(_ line: [Unicode.Scalar], from start: Int, key: String?) throws -> (String, Int) {
        var out = String.UnicodeScalarView()
        var i = start
        while i < line.count {
            let c = line[i]
            if c == "\"" { return (String(out), i + 1) }
            if c == "\\" {
                guard i + 1 < line.count else { break }
                let next = line[i + 1]
                guard next == "\"" || next == "\\" else {
                    throw fail("unknown escape '\\\(next)' in quoted string; only \\\" and \\\\ are allowed", key: key)
                }
                out.append(next)
                i += 2
                continue
            }
            out.append(c)
            i += 1
        }
        throw fail("missing closing '\"'", key: key)
    }

    private mutating func addSection(name: String, label: String?) throws {
        let id = SectionID(name: name, label: label)
        if let first = sectionLines[id] {
            let shown = INISection(name: name, label: label, line: lineNumber).displayName
            throw fail("duplicate section \(shown), first at line \(first)")
        }
        sectionLines[id] = lineNumber
        sections.append(INISection(name: name, label: label, line: lineNumber))
        keyLines = [:]
    }

    private mutating func addEntry(_ entry: INIEntry) throws {
        if sections.isEmpty {
            // Keys before any header: the global section starts at the first key.
            sections.append(INISection(name: "", line: entry.line))
        }
        if let first = keyLines[entry.key] {
            throw fail("duplicate key, first set at line \(first)", key: entry.key)
        }
        keyLines[entry.key] = entry.line
        sections[sections.count - 1].entries.append(entry)
    }

    private func fail(_ message: String, key: String? = nil) -> INIError {
        INIError(file: file, line: lineNumber, key: key, message: message)
    }

    /// Keys and section names: non-empty, ASCII `a-z`, `0-9`, `_`, `.`.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { c in
            ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "."
        }
    }

    private func isBlank(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" }
    private func isCommentStart(_ c: Unicode.Scalar) -> Bool { c == ";" || c == "#" }

    private func skipBlanks(_ line: [Unicode.Scalar], from start: Int) -> Int {
        var i = start
        while i < line.count, isBlank(line[i]) { i += 1 }
        return i
    }
}
