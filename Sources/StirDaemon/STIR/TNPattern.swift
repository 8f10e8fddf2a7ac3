/// A set of telephone numbers written in the INI as a comma-separated list
/// of canonical TNs (RFC 8224 §8.3: digits, `#`, `*`, no `+`):
/// `12155551212` (one number), `1215555*` (every number with this prefix)
/// or `12155551000-12155551999` (an inclusive range of equal-length numbers,
/// the shape of a TNAuthList `range`, RFC 8226 §9).
public struct TNPattern: Equatable, Sendable, CustomStringConvertible {
    enum Kind: Equatable, Sendable {
        case exact(String)
        case prefix(String)
        case range(String, String)
    }

    let kind: Kind

    /// Parses one item; a failure says why, for the `file:line: key:` error.
    public static func parse(_ text: String) -> Result<TNPattern, PatternError> {
        let t = text.hasPrefix("+") ? String(text.dropFirst()) : text
        func isTN(_ s: Substring) -> Bool { !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "#" || $0 == "*") } }
        if t.hasSuffix("*") && t.dropLast().allSatisfy({ $0.isASCII && $0.isNumber }) {
            return .success(TNPattern(kind: .prefix(String(t.dropLast()))))
        }
        if let dash = t.firstIndex(of: "-") {
            let lo = t[..<dash], hi = t[t.index(after: dash)...]
            guard isTN(lo), isTN(hi), lo.allSatisfy(\.isNumber), hi.allSatisfy(\.isNumber) else {
                return .failure(PatternError("'\(text)' is not a range FIRST-LAST of digits"))
            }
            guard lo.count == hi.count, lo <= hi else {
                return .failure(PatternError("range '\(text)' needs two numbers of equal length, first <= last"))
            }
            return .success(TNPattern(kind: .range(String(lo), String(hi))))
        }
        guard isTN(t[...]) else {
            return .failure(PatternError("'\(text)' is not a TN (digits), a prefix (digits*) or a range (FIRST-LAST)"))
        }
        return .success(TNPattern(kind: .exact(t)))
    }

    /// True if the canonical TN `tn` is in this pattern.
    public func contains(_ tn: String) -> Bool {
        switch kind {
        case .exact(let n): return tn == n
        case .prefix(let p): return tn.hasPrefix(p)
        // Equal length digit strings compare like the numbers they spell.
        case .range(let lo, let hi): return tn.count == lo.count && tn.allSatisfy(\.isNumber) && lo <= tn && tn <= hi
        }
    }

    public var description: String {
        switch kind {
        case .exact(let n): return n
        case .prefix(let p): return p + "*"
        case .range(let lo, let hi): return lo + "-" + hi
        }
    }

    /// Why an item did not parse.
    public struct PatternError: Error, Equatable {
        public let why: String
        init(_ why: String) { self.why = why }
    }
}
