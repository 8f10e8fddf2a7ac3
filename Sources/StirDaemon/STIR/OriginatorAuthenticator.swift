import SIPCore
import SIPProxy

/// Who originated a request, as far as the authentication service could
/// establish (RFC 8224 §6.1 step 2). Attestation is decided from it.
public struct Originator: Equatable, Sendable {
    /// Peer or account name, for logs.
    public var name: String
    /// TNs this originator owns (ATIS-1000074 §5.2.3 full attestation).
    public var ownedTNs: TNSet
    /// A gateway trunk: the calling TN is not vouched for (attestation C).
    public var gateway: Bool

    public init(name: String, ownedTNs: TNSet, gateway: Bool) {
        self.name = name
        self.ownedTNs = ownedTNs
        self.gateway = gateway
    }
}

/// The seam for originator authentication. Today the trusted-peer ACL
/// (`PeerOriginatorAuthenticator`); SIP Digest (RFC 8760), Bearer (RFC 8898),
/// mutual TLS and API keys implement the same protocol later.
public protocol OriginatorAuthenticator: Sendable {
    /// The authenticated originator, or nil if the request is not
    /// authenticated (it is then forwarded unsigned).
    func originator(of request: SIPMessage, context: RequestContext, peer: PeerConfiguration) -> Originator?
}

/// Authenticates by source address: a trusted peer that we sign for is the originator.
public struct PeerOriginatorAuthenticator: OriginatorAuthenticator {
    public init() {}

    public func originator(of request: SIPMessage, context: RequestContext, peer: PeerConfiguration) -> Originator? {
        guard peer.trusted && peer.sign else { return nil }
        return Originator(name: peer.name, ownedTNs: peer.tns, gateway: peer.gateway)
    }
}
