import STIRCore

/// Decides the SHAKEN attestation for a call (RFC 8588 §4, ATIS-1000074
/// §5.2.3): A when the authenticated originator owns the calling TN, B when
/// it is authenticated but the TN is not its own (configurable, including
/// "do not sign"), C for gateway trunks; destination rules may veto signing.
public struct AttestationPolicy: Equatable, Sendable {
    public var notOwned: Attestation?
    public var skipDestinationPrefixes: [String]
    public var onlyDestinationPrefixes: [String]

    public init(_ c: SignConfiguration) {
        notOwned = c.notOwnedAttestation
        skipDestinationPrefixes = c.skipDestinationPrefixes
        onlyDestinationPrefixes = c.onlyDestinationPrefixes
    }

    /// Why a call is left unsigned.
    public enum Skip: String, Equatable, Sendable {
        case destinationExcluded = "destination_excluded"
        case tnNotOwned = "tn_not_owned"
    }

    /// The level for canonical `orig` calling canonical `dest`, or why not to sign.
    public func decide(originator: Originator, orig: String, dest: [String]) -> Result<Attestation, SkipReason> {
        for d in dest {
            if skipDestinationPrefixes.contains(where: { d.hasPrefix($0) }) { return .failure(SkipReason(.destinationExcluded)) }
            if !onlyDestinationPrefixes.isEmpty && !onlyDestinationPrefixes.contains(where: { d.hasPrefix($0) }) {
                return .failure(SkipReason(.destinationExcluded))
            }
        }
        if originator.gateway { return .success(.c) }
        if originator.ownedTNs.contains(orig) { return .success(.a) }
        guard let level = notOwned else { return .failure(SkipReason(.tnNotOwned)) }
        return .success(level)
    }

    /// `Result` needs an Error; this wraps `Skip`.
    public struct SkipReason: Error, Equatable {
        public let skip: Skip
        init(_ s: Skip) { skip = s }
    }
}
