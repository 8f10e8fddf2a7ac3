/// One entry of a revocation list as an operator writes it (`ocsp`,
/// `crl:hard`, `short_lived`, `none`), parsed once where the configuration
/// is read and carried typed from there on.
public struct RevocationStep: Equatable, Hashable, Sendable, CustomStringConvertible {
    public enum Method: String, Equatable, Hashable, Sendable, CaseIterable {
        case none
        case shortLived = "short_lived"
        case ocsp
        case crl
    }

    public var method: Method
    /// The entry's own failure mode (`ocsp:soft`); nil: the list's default.
    public var failureMode: RevocationFailureMode?

    public init(_ method: Method, failureMode: RevocationFailureMode? = nil) {
        self.method = method
        self.failureMode = failureMode
    }

    /// Parses one entry (case-insensitive, blanks trimmed); nil when it is
    /// not a method optionally followed by `:soft` or `:hard`.
    public init?(parsing text: String) {
        let parts = text.trimmingBlanks.lowercased().split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, let method = Method(rawValue: String(first)) else { return nil }
        var mode: RevocationFailureMode?
        if parts.count == 2 {
            guard let m = RevocationFailureMode(rawValue: String(parts[1])) else { return nil }
            mode = m
        }
        self.init(method, failureMode: mode)
    }

    public var description: String { method.rawValue + (failureMode.map { ":" + $0.rawValue } ?? "") }

    /// Parses a whole list; the error names the first bad entry.
    public static func parseList(_ items: [String]) -> Result<[RevocationStep], CertificateFailure> {
        var steps: [RevocationStep] = []
        for item in items {
            guard let step = RevocationStep(parsing: item) else {
                return .failure(.malformed("'\(item)' is not one of none, short_lived, ocsp, crl (optionally :soft or :hard)"))
            }
            steps.append(step)
        }
        return .success(steps)
    }
}

private extension String {
    var trimmingBlanks: Substring {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}
