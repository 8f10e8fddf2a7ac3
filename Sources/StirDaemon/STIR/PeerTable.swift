/// Finds the peer a request came from by its source address. The first peer
/// (in file order) with a matching network wins; `[peer "default"]` (or a
/// built-in untrusted peer that neither signs nor verifies) catches the rest.
public struct PeerTable: Sendable {
    public let peers: [PeerConfiguration]
    public let fallback: PeerConfiguration

    public init(_ peers: [PeerConfiguration]) {
        self.peers = peers.filter { !$0.networks.isEmpty }
        self.fallback = peers.first { $0.name == "default" && $0.networks.isEmpty } ?? PeerConfiguration(name: "unknown")
    }

    /// The peer for a numeric source address.
    public func peer(for host: String) -> PeerConfiguration {
        peers.first { $0.networks.contains { $0.contains(host: host) } } ?? fallback
    }
}
