import SIPCore
import SIPProxy

/// First STIR step for every request: removes what an untrusted peer may
/// not assert (see `HeaderScrubber`) before verification or signing look at it.
public final class ScrubProcessor: RequestProcessor {
    public let name = "stir-scrub"
    let peers: PeerTable
    let scrubber: HeaderScrubber

    public init(peers: PeerTable, scrubber: HeaderScrubber) {
        self.peers = peers
        self.scrubber = scrubber
    }

    public func process(_ request: SIPMessage, context: RequestContext, resumption: ProcessorResumption) -> ProcessorDecision {
        let peer = peers.peer(for: context)
        let removed = scrubber.scrub(request, peer: peer)
        if !removed.isEmpty {
            context.logger.debug("stir-scrub: removed untrusted headers",
                                 metadata: ["call-id": "\(context.callID)", "peer": "\(peer.name)", "removed": "\(removed)"])
        }
        return .proceed
    }
}
