import SIPProxy
import STIRCore

/// Everything STIR-related in the INI.
public struct StirConfiguration: Equatable, Sendable {
    public var peers: [PeerConfiguration] = []
    public var credentials: [CredentialConfiguration] = []
    public var sign = SignConfiguration()
    public var verify = VerifyConfiguration()
    /// `[auth]` and `[account "name"]`: originators that authenticate.
    public var auth = AuthConfiguration()
    /// `[bearer]`: Bearer tokens for peers with `authenticate = bearer`.
    public var bearer = BearerConfiguration()
    /// Identity extraction shared by signing and verification (RFC 8224 §8).
    public var originatingSource: OriginatingIdentitySource = .pAssertedIdentityThenFrom
    public var destinationSource: DestinationIdentitySource = .to
    public var tnDetection: TNDetection = .lenient
    /// `nanp` (country code 1, 10-digit national numbers) or `e164` (digits as given).
    public var numberingPlan: TNCanonicalizer = .nanp
    /// The `[route]` table, for routes that retarget (`retarget_to`): the
    /// retarget and its `div` PASSporT happen in the STIR chain (RFC 8946 §4.1).
    public var routes = RouteTable()

    public init() {}

    /// True when any peer is configured: the STIR processors are installed.
    public var isEnabled: Bool { !peers.isEmpty }

    public var extractionPolicy: IdentityExtractionPolicy {
        IdentityExtractionPolicy(originatingSource: originatingSource, destinationSource: destinationSource,
                                 tnDetection: tnDetection, canonicalizer: numberingPlan)
    }
}
