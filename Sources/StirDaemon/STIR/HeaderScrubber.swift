import SIPCore
import STIRCore

/// Removes from an untrusted peer's request what only a trusted peer may
/// assert (RFC 3325 §5: P-Asserted-Identity from outside the trust domain;
/// verstat, which only our verification function sets, 3GPP TS 24.229
/// §7.2A.20; our attestation header) and, per peer policy, its Identity
/// headers. Trusted peers' requests pass unchanged.
public struct HeaderScrubber: Sendable {
    /// The header that carries the verified attestation (removed too).
    public var attestationHeader: String?

    public init(attestationHeader: String?) { self.attestationHeader = attestationHeader }

    /// Edits `request` in place; returns the names of what was removed (for logs and tests).
    @discardableResult
    public func scrub(_ request: SIPMessage, peer: PeerConfiguration) -> [String] {
        var removed: [String] = []
        if peer.stripIdentity && !request.identityHeaders.isEmpty {
            request.removeHeaders(named: "Identity")
            removed.append("Identity")
        }
        guard !peer.trusted else { return removed }
        if !request.headers(named: "P-Asserted-Identity").isEmpty {
            request.removeHeaders(named: "P-Asserted-Identity")
            removed.append("P-Asserted-Identity")
        }
        if let name = attestationHeader, !request.headers(named: name).isEmpty {
            request.removeHeaders(named: name)
            removed.append(name)
        }
        if let from = request.headers(named: "From").first, VerstatEditor.hasVerstat(from) {
            request.setHeader(name: "From", value: VerstatEditor.edit(from, verstat: nil))
            removed.append("From;verstat")
        }
        return removed
    }
}
