/// Converts dialled or presented numbers to the canonical form of RFC 8224
/// §8.3: digits, `#` and `*` only, E.164 with country code, no `+`.
///
/// Step 1 (drop `+`, visual separators and anything else that is not a digit,
/// `#` or `*`) is fixed by the RFC. Steps 2–3 (national → E.164, strip
/// international or trunk prefixes, local rewrites) are local policy, so they
/// are configured here.
public struct TNCanonicalizer: Sendable, Equatable {
    /// A local rewrite (RFC 8224 §8.3 step 3): a number starting with `match`
    /// has that prefix replaced by `replacement`.
    public struct PrefixRule: Sendable, Equatable {
        public var match: String
        public var replacement: String
        public init(match: String, replacement: String) {
            self.match = match
            self.replacement = replacement
        }
    }

    /// Country code added to national numbers, e.g. `"1"`; nil: never add one.
    public var defaultCountryCode: String?
    /// Trunk (national) prefix, e.g. `"0"` in most of Europe; stripped before
    /// the country code is added.
    public var nationalPrefix: String?
    /// International call prefixes, e.g. `["011"]` (NANP) or `["00"]`; a number
    /// starting with one is already international.
    public var internationalPrefixes: [String]
    /// Lengths of a national significant number (without trunk prefix), e.g.
    /// `[10]` for NANP. A number of such a length gets the country code; other
    /// lengths (service codes such as 911) are left alone. Empty: any length.
    public var nationalNumberLengths: Set<Int>
    /// Local rewrites applied first, in order; the first matching rule wins.
    public var rewrites: [PrefixRule]
    /// Longest canonical number still treated as a TN (E.164 allows 15 digits;
    /// some national portability prefixes need more). Longer → not a TN.
    public var maxLength: Int

    public init(defaultCountryCode: String? = nil, nationalPrefix: String? = nil, internationalPrefixes: [String] = [],
                nationalNumberLengths: Set<Int> = [], rewrites: [PrefixRule] = [], maxLength: Int = 15) {
        self.defaultCountryCode = defaultCountryCode
        self.nationalPrefix = nationalPrefix
        self.internationalPrefixes = internationalPrefixes.sorted { $0.count > $1.count }
        self.nationalNumberLengths = nationalNumberLengths
        self.rewrites = rewrites
        self.maxLength = maxLength
    }

    /// North American Numbering Plan: CC 1, trunk prefix 1, international 011, 10-digit numbers.
    public static let nanp = TNCanonicalizer(defaultCountryCode: "1", nationalPrefix: "1", internationalPrefixes: ["011"],
                                             nationalNumberLengths: [10])

    /// Only RFC 8224 §8.3 step 1 (no national conversion).
    public static let stepOneOnly = TNCanonicalizer()

    @inline(__always)
    static func isTNByte(_ c: UInt8) -> Bool { ASCIIBytes.isDigit(c) || c == UInt8(ascii: "#") || c == UInt8(ascii: "*") }

    /// Canonicalizes a number (the user part of a URI or a bare number; any
    /// `;` parameters must already be removed). Returns nil when nothing is
    /// left or the result is longer than `maxLength`.
    public func canonicalize<S: StringProtocol>(_ number: S) -> String? {
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        // A "+" before the first digit marks a global number (RFC 3966 §5.1.4).
        var isGlobal = false
        for c in number.utf8 {
            if Self.isTNByte(c) {
                digits.append(c)
            } else if c == UInt8(ascii: "+") && digits.isEmpty {
                isGlobal = true
            }
        }
        guard !digits.isEmpty else { return nil }
        if !isGlobal {
            for rule in rewrites where digits.starts(with: rule.match.utf8) {
                digits = Array(rule.replacement.utf8) + digits.dropFirst(rule.match.utf8.count)
                break
            }
            nationalToInternational(&digits)
        }
        guard !digits.isEmpty, digits.count <= maxLength else { return nil }
        return String(decoding: digits, as: UTF8.self)
    }

    /// RFC 8224 §8.3 step 2 for a number dialled without `+`.
    private func nationalToInternational(_ digits: inout [UInt8]) {
        for prefix in internationalPrefixes where digits.starts(with: prefix.utf8) && digits.count > prefix.utf8.count {
            digits.removeFirst(prefix.utf8.count)
            return
        }
        guard let cc = defaultCountryCode, digits.allSatisfy(ASCIIBytes.isDigit) else { return }
        if let np = nationalPrefix, digits.starts(with: np.utf8) {
            let restCount = digits.count - np.utf8.count
            if nationalNumberLengths.isEmpty || nationalNumberLengths.contains(restCount) {
                digits = Array(cc.utf8) + digits.dropFirst(np.utf8.count)
                return
            }
        }
        if nationalNumberLengths.contains(digits.count) {
            digits = Array(cc.utf8) + digits
        }
    }
}
