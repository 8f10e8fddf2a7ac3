/// A list of `TNPattern`s; empty matches nothing.
public struct TNSet: Equatable, Sendable {
    public var patterns: [TNPattern]

    public init(_ patterns: [TNPattern] = []) { self.patterns = patterns }

    public var isEmpty: Bool { patterns.isEmpty }

    /// True if any pattern contains the canonical TN.
    public func contains(_ tn: String) -> Bool { patterns.contains { $0.contains(tn) } }
}
