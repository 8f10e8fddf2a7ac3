/// An identity as PASSporT carries it (RFC 8225 §5.2.1): a canonical
/// telephone number (RFC 8224 §8.3, digits / `#` / `*`, no `+`) or a
/// normalized URI (RFC 8224 §8.5).
public enum STIRIdentity: Hashable, Sendable, CustomStringConvertible {
    case tn(String)
    case uri(String)

    /// The JSON member name used in `orig` / `dest` (`"tn"` or `"uri"`).
    public var claimKey: String {
        switch self {
        case .tn: return "tn"
        case .uri: return "uri"
        }
    }

    /// The canonical text.
    public var value: String {
        switch self {
        case .tn(let v), .uri(let v): return v
        }
    }

    /// The TN, if this is one.
    public var tn: String? {
        if case .tn(let v) = self { return v }
        return nil
    }

    public var description: String { "\(claimKey):\(value)" }

    /// True if `text` matches RFC 8224 §8.3 `tn-spec = 1*tn-char; tn-char = "#" / "*" / DIGIT`.
    public static func isTNSpec<S: StringProtocol>(_ text: S) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x23 || $0 == 0x2A }
    }
}

/// SHAKEN attestation level (RFC 8588 §4; definitions in ATIS-1000074).
public enum Attestation: String, CaseIterable, Sendable, Comparable {
    /// Full: the signer authenticated the customer and verified their right to the TN.
    case a = "A"
    /// Partial: customer authenticated, TN association not verified.
    case b = "B"
    /// Gateway: the signer is only the entry point onto its network.
    case c = "C"

    /// A ranks above B above C.
    public static func < (lhs: Attestation, rhs: Attestation) -> Bool { lhs.rawValue > rhs.rawValue }
}
