import SIPProxy

/// Finds the peer a request came from: by the verified TLS client
/// certificate first (the first peer whose `tls_identities` it carries,
/// whatever the source address), else by source address (the first peer,
/// in file order, with a matching network); `[peer "default"]` (or a
/// built-in untrusted peer that neither signs nor verifies) catches the rest.
public struct PeerTable: Sendable {
    public let peers: [PeerConfiguration]
    public let fallback: PeerConfiguration

    public init(_ peers: [PeerConfiguration]) {
        self.peers = peers.filter { !$0.networks.isEmpty || !$0.tlsIdentities.isEmpty }
        self.fallback = peers.first { $0.name == "default" && $0.networks.isEmpty } ?? PeerConfiguration(name: "unknown")
    }

    /// The peer a request came from (`context.tlsPeerIdentities`, then
    /// `context.source`).
    public func peer(for context: RequestContext) -> PeerConfiguration {
        if !context.tlsPeerIdentities.isEmpty,
           let p = peers.first(where: { $0.tlsIdentities.contains(where: context.tlsPeerIdentities.contains) }) {
            return p
        }
        return peer(for: context.source.host)
    }

    /// The peer for a numeric source address.
    public func peer(for host: String) -> PeerConfiguration {
        peers.first { $0.networks.contains { $0.contains(host: host) } } ?? fallback
    }
}
