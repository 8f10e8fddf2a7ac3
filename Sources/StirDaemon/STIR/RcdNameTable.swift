import Foundation
import STIRCore

/// `[sign] rcd_names_file`: the Rich Call Data (RFC 9795) stird signs for
/// calling TNs. One entry per line; blank lines and lines starting with `#`
/// are skipped; the first entry whose pattern contains the calling TN wins:
///
///     <tn-pattern> "<display name>" [icn=<https URL> [icn_rcdi=<alg>-<base64>]] [jcl=<https URL> [jcl_rcdi=<alg>-<base64>]]
///
/// The pattern is a `TNPattern` (12155551010, 1215555*, or a range
/// 12155551000-12155551099); the name is a quoted string (`\"` and `\\`
/// escape) that becomes `nam` (§5.1.1); `icn` (§5.1.3) and `jcl` (§5.1.5)
/// are optional URLs, and their `*_rcdi` values the integrity digests of
/// the content at those URLs (§6: `sha256-`, `sha384-` or `sha512-` and
/// the base64 digest), which go into `rcdi` as `/icn` and `/jcl`. The
/// file is read with the configuration, so SIGHUP re-reads it.
public struct RcdNameTable: Equatable, Sendable {
    /// One line of the file.
    public struct Entry: Equatable, Sendable {
        public var pattern: TNPattern
        public var name: String
        public var icn: String?
        public var icnDigest: String?
        public var jcl: String?
        public var jclDigest: String?
    }

    public var entries: [Entry] = []
    public init(entries: [Entry] = []) { self.entries = entries }

    /// The entry for a canonical calling TN.
    public func entry(for tn: String) -> Entry? { entries.first { $0.pattern.contains(tn) } }

    /// Why a line is refused: its 1-based number and the reason.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let line: Int
        public let why: String
        public var description: String { "line \(line): \(why)" }
    }

    /// Parses the file's text.
    public static func parse(_ text: String) -> Result<RcdNameTable, ParseError> {
        var table = RcdNameTable()
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if line.isEmpty || line.hasPrefix("#") { continue }
            switch parseLine(Substring(line)) {
            case .success(let e): table.entries.append(e)
            case .failure(let why): return .failure(ParseError(line: i + 1, why: why.text))
            }
        }
        return .success(table)
    }

    struct Why: Error { let text: String }

    private static func parseLine(_ line: Substring) -> Result<Entry, Why> {
        guard let space = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return .failure(Why(text: "expected a TN pattern and a quoted name")) }
        let pattern: TNPattern
        switch TNPattern.parse(String(line[..<space])) {
        case .success(let p): pattern = p
        case .failure(let e): return .failure(Why(text: e.why))
        }
        var rest = line[space...].drop { $0 == " " || $0 == "\t" }
        guard rest.first == "\"" else { return .failure(Why(text: "the name must be a quoted string")) }
        rest = rest.dropFirst()
        var name = ""
        var closed = false
        while let c = rest.first {
            rest = rest.dropFirst()
            if c == "\\" {
                guard let next = rest.first else { break }
                name.append(next)
                rest = rest.dropFirst()
            } else if c == "\"" {
                closed = true
                break
            } else {
                name.append(c)
            }
        }
        guard closed else { return .failure(Why(text: "unterminated quoted name")) }
        // RFC 3261 §25.1 quoted-string: no control characters.
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            return .failure(Why(text: "control character in the name"))
        }
        var entry = Entry(pattern: pattern, name: name)
        for item in rest.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            guard let eq = item.firstIndex(of: "=") else { return .failure(Why(text: "'\(item)' is not key=value")) }
            let key = item[..<eq], value = String(item[item.index(after: eq)...])
            switch key {
            case "icn", "jcl":
                guard value.lowercased().hasPrefix("https://"), value.count > 8 else {
                    return .failure(Why(text: "\(key) must be an https URL (RFC 9795 §5.1.3, §5.1.5)"))
                }
                if key == "icn" { entry.icn = value } else { entry.jcl = value }
            case "icn_rcdi", "jcl_rcdi":
                guard RcdIntegrity.parseDigest(value) != nil else {
                    return .failure(Why(text: "\(key) must be sha256-, sha384- or sha512- and a base64 digest (RFC 9795 §6)"))
                }
                if key == "icn_rcdi" { entry.icnDigest = value } else { entry.jclDigest = value }
            default:
                return .failure(Why(text: "unknown key '\(key)' (icn, icn_rcdi, jcl, jcl_rcdi)"))
            }
        }
        if entry.icnDigest != nil && entry.icn == nil { return .failure(Why(text: "icn_rcdi without icn")) }
        if entry.jclDigest != nil && entry.jcl == nil { return .failure(Why(text: "jcl_rcdi without jcl")) }
        return .success(entry)
    }

    /// The `rcd` and `rcdi` claims for an entry (RFC 9795 §5, §6).
    public func claims(for e: Entry) -> (rcd: JSONValue, rcdi: JSONValue?) {
        var rcd: [String: JSONValue] = ["nam": .string(e.name)]
        var rcdi: [String: JSONValue] = [:]
        if let icn = e.icn {
            rcd["icn"] = .string(icn)
            if let d = e.icnDigest { rcdi["/icn"] = .string(d) }
        }
        if let jcl = e.jcl {
            rcd["jcl"] = .string(jcl)
            if let d = e.jclDigest { rcdi["/jcl"] = .string(d) }
        }
        return (.object(rcd), rcdi.isEmpty ? nil : .object(rcdi))
    }
}
