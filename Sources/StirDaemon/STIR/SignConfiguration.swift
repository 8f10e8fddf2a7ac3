import STIRCore

/// `[sign]`: authentication service policy (RFC 8224 §6.1, ATIS-1000074 §5.2).
public struct SignConfiguration: Equatable, Sendable {
    /// Largest |Date - now| accepted on an outgoing request (RFC 8224 §6.1 step 3: 60 s).
    public var maxDateSkewSeconds: Int64 = 60
    /// Replace a skewed Date with the current time instead of answering 403.
    public var redateSkewed = false
    /// Attestation for a TN the originator does not own; nil: do not sign.
    public var notOwnedAttestation: Attestation? = .b
    /// Do not sign calls to destinations starting with one of these canonical prefixes.
    public var skipDestinationPrefixes: [String] = []
    /// When not empty, sign only calls to destinations starting with one of these.
    public var onlyDestinationPrefixes: [String] = []
    /// `rcd_names_file`: caller names signed as Rich Call Data (RFC 9795),
    /// read with the configuration (so SIGHUP re-reads it).
    public var rcdNamesFile: String?
    public var rcdNames = RcdNameTable()
    public init() {}
}
