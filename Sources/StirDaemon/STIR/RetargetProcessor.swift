import Foundation
import Logging
import SIPCore
import SIPProxy
import STIRCore

/// Retargeting with `div` (RFC 8946 §4.1), after signing: a dialog-
/// initiating INVITE whose Request-URI matches a `[route]` with
/// `retarget_to` gets its Request-URI rewritten to that target (then the
/// core routes the new Request-URI by the table like any request); a call
/// from a peer with `sign_div` that arrives already retargeted (History-
/// Info, Diversion) keeps its Request-URI. Either way, when the canonical
/// target changed and the request carries PASSporTs for the target left,
/// one `div` PASSporT per distinct `orig` is added (`DivSigner`).
public final class RetargetProcessor: RequestProcessor {
    public let name = "stir-div"
    let peers: PeerTable
    let routes: RouteTable
    /// Some route has `retarget_to`: otherwise the route lookup is skipped
    /// (the processor may exist only for peers with `sign_div`).
    let retargets: Bool
    let signer: DivSigner
    let extractor: SIPIdentityExtractor
    /// `[verify] attestation_header`: set by our verifier only on a call that
    /// verified, so its absence on a verified peer's call means the
    /// PASSporTs did not (§4.1: verify the existing PASSporTs first).
    let attestationHeader: String?

    public init(peers: PeerTable, routes: RouteTable, credentials: [SigningCredential], extraction: IdentityExtractionPolicy,
                attestationHeader: String? = "X-Stir-Attestation") {
        self.peers = peers
        self.routes = routes
        self.retargets = routes.routes.contains { $0.retargetTo != nil }
        self.attestationHeader = attestationHeader
        self.signer = DivSigner(credentials: credentials)
        self.extractor = SIPIdentityExtractor(policy: extraction)
    }

    /// True when some route retargets or some peer asks for `div`.
    static func isNeeded(_ config: StirConfiguration) -> Bool {
        config.routes.routes.contains { $0.retargetTo != nil } || config.peers.contains(where: \.signDiv)
    }

    public func process(_ request: SIPMessage, context: RequestContext, resumption: ProcessorResumption) -> ProcessorDecision {
        guard context.method == "INVITE", request.toTag == nil, let current = request.requestURI else { return .proceed }
        let log = CallLog(logger: context.logger, callID: context.callID)
        let previous: String
        let peer = peers.peer(for: context)
        let ruri = retargets ? request.parsedRequestURI : nil
        if retargets, let route = routes.lookup(user: ruri?.user, host: ruri?.host), let target = route.retargetTo {
            let next = Self.retargeted(current, to: target)
            request.requestURI = next
            log.info("stir-div: retargeted", metadata: ["route": "\(route.name)", "from": "\(current)", "to": "\(next)"])
            previous = current
        } else if peer.signDiv,
                  let left = RetargetHistory.previousTarget(historyInfo: request.headers(named: "History-Info"),
                                                            diversion: request.headers(named: "Diversion")) {
            previous = left
        } else {
            return .proceed
        }
        // §4.1: a div vouches for the PASSporTs it chains to; not for ones
        // our own verification of this peer's call rejected.
        if peer.verify, let name = attestationHeader, request.headers(named: name).isEmpty {
            log.info("stir-div: no div PASSporT", metadata: ["reason": "upstream PASSporTs did not verify"])
            return .proceed
        }
        guard let original = extractor.identity(ofURI: previous)?.tn,
              let target = request.requestURI.flatMap(extractor.identity(ofURI:))?.tn else {
            log.info("stir-div: original or new target is not a TN, no div PASSporT")
            return .proceed
        }
        switch signer.divHeaders(existing: request.identityHeaders, original: original, target: target) {
        case .success(let values):
            for value in values { request.addHeader(name: "Identity", value: value) }
            log.info("stir-div: signed", metadata: ["div": "\(original)", "dest": "\(target)", "added": "\(values.count)"])
        case .failure(let skip):
            log.info("stir-div: no div PASSporT", metadata: ["reason": "\(skip)", "div": "\(original)", "dest": "\(target)"])
        }
        return .proceed
    }

    /// `retarget_to` is a URI (has a scheme) or a TN (digits, optional +).
    static func isValidTarget(_ text: String) -> Bool {
        let lower = text.lowercased()
        if lower.hasPrefix("sip:") || lower.hasPrefix("sips:") || lower.hasPrefix("tel:") { return text.count > 4 }
        let digits = text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// The new Request-URI: `target` itself when it is a URI; for a TN, the
    /// current URI with its user part replaced (host, port and parameters kept).
    static func retargeted(_ uri: String, to target: String) -> String {
        if target.contains(":") { return target }
        let lower = uri.lowercased()
        if lower.hasPrefix("tel:") { return "tel:" + target }
        guard let colon = uri.firstIndex(of: ":") else { return uri }
        let rest = uri[uri.index(after: colon)...]
        let scheme = uri[...colon]
        if let at = rest.firstIndex(of: "@") { return scheme + target + rest[at...] }
        return scheme + target + "@" + rest
    }
}
