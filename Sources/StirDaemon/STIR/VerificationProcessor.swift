import Dispatch
import Foundation
import Logging
import Metrics
import SIPCore
import SIPProxy
import STIRCore

/// The verification service on ingress (RFC 8224 §6.2): for a
/// dialog-initiating INVITE from a peer we verify, checks every Identity
/// header while the request is suspended (certificates come from the cache
/// on the loop, or asynchronously), then applies the peer's policy: reject
/// with the RFC 8224 code, or forward annotated with `verstat` (and a
/// `Reason` header for `continue_with_reason`, RFC 9410), carrying the
/// attestation in a configurable header.
public final class VerificationProcessor: RequestProcessor {
    public let name = "stir-verify"
    let peers: PeerTable
    let source: any CertificateLookup
    let config: VerifyConfiguration
    let policy: VerificationPolicy
    let extractor: SIPIdentityExtractor
    let now: @Sendable () -> Int64
    /// Fetches rcd content whose digest must be checked (nil: `call_info` not presented).
    let content: RcdContentFetcher?
    /// Collects asynchronous certificate answers; never the SIP loop.
    private let gather = DispatchQueue(label: "stird.verify.gather")

    public init(peers: PeerTable, source: any CertificateLookup, config: VerifyConfiguration, extraction: IdentityExtractionPolicy,
                content: RcdContentFetcher? = nil, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.content = config.rcd.callInfo ? content : nil
        self.peers = peers
        self.source = source
        self.config = config
        self.extractor = SIPIdentityExtractor(policy: extraction)
        self.now = now
        self.policy = VerificationPolicy(maxDateAgeSeconds: config.maxDateAgeSeconds, maxIatAgeSeconds: config.maxIatAgeSeconds,
                                         maxFutureSkewSeconds: config.maxFutureSkewSeconds, requireDateHeader: config.requireDate,
                                         supportedPPTs: config.rcd.isEnabled ? ["shaken", "rcd"] : ["shaken"],
                                         acceptBaseline: config.acceptBaseline, allowCompactForm: config.allowCompactForm,
                                         checkDestination: config.checkDestination,
                                         allowedX5USchemes: config.certificates.x5uAllowHTTP ? ["https", "http"] : ["https"],
                                         maxIdentityHeaders: config.maxIdentityHeaders,
                                         divMaxAgeSeconds: config.divMaxAgeSeconds > 0 ? config.divMaxAgeSeconds : nil)
    }

    public func process(_ request: SIPMessage, context: RequestContext, resumption: ProcessorResumption) -> ProcessorDecision {
        guard context.method == "INVITE", request.toTag == nil else { return .proceed }
        let peer = peers.peer(for: context)
        guard peer.verify else { return .proceed }
        let log = CallLog(logger: context.logger, callID: context.callID)
        let current = now()
        let sip = extractor.context(from: request.headers(named: "From").first,
                                    pAssertedIdentity: request.headers(named: "P-Asserted-Identity"),
                                    to: request.headers(named: "To").first, requestURI: request.requestURI,
                                    date: request.date, now: current)
        let plan = IdentityVerifier.prepare(identityHeaders: request.identityHeaders, sip: sip, policy: policy)
        let time = Date(timeIntervalSince1970: TimeInterval(current))
        var certificates: [String: CertificateResult] = [:]
        var missing: [String] = []
        for url in plan.requiredX5Us {
            if let cached = source.cached(url, at: time) { certificates[url] = cached } else { missing.append(url) }
        }
        // RFC 9795 §8.2: content behind rcd URLs with a digest, fetched
        // with the certificates (one suspension), only when it would be shown.
        let urls = content.map { _ in RcdContentFetcher.urlsToFetch(plan.pendingClaims) } ?? []
        if missing.isEmpty && urls.isEmpty {
            return apply(timedFinish(plan, certificates), to: request, peer: peer, log: log, notes: context.notes)
        }
        // Rule 1: suspend; answers arrive on `gather`, the decision runs on the loop.
        log.debug("stir-verify: fetching certificates", metadata: ["x5u": "\(missing)", "rcd": "\(urls)"])
        let state = Gathered(certificates: certificates, remaining: missing.count + urls.count)
        let logger = log
        let notes = context.notes
        let done: @Sendable () -> Void = { [self] in
            state.remaining -= 1
            guard state.remaining == 0 else { return }
            let found = state.certificates
            let fetched = state.contents
            resumption.resume { request in
                self.apply(self.timedFinish(plan, found), to: request, peer: peer, log: logger, notes: notes, contents: fetched)
            }
        }
        for url in missing {
            source.fetch(url, at: time, queue: gather) { result in
                state.certificates[url] = result
                done()
            }
        }
        for url in urls {
            content?.fetch(url, queue: gather) { body in
                if let body { state.contents[url] = body }
                done()
            }
        }
        return .suspend
    }

    /// The signature checks (ES256 verify per header) with their latency recorded.
    private func timedFinish(_ plan: VerificationPlan, _ certificates: [String: CertificateResult]) -> VerificationResult {
        let started = ContinuousClock.now
        let result = ClaimConstraintCheck.finish(plan, certificates: certificates)
        StirdMetrics.shared.verifyLatency(ContinuousClock.now - started)
        return result
    }

    /// Mutable gathering state, touched only on `gather`.
    private final class Gathered: @unchecked Sendable {
        var certificates: [String: CertificateResult]
        var contents: [String: [UInt8]] = [:]
        var remaining: Int
        init(certificates: [String: CertificateResult], remaining: Int) {
            self.certificates = certificates
            self.remaining = remaining
        }
    }

    /// Maps the result to the peer's policy (RFC 8224 §6.2.2; ATIS-1000074
    /// §5.3.2; RFC 9410 §4) and annotates the request to forward.
    func apply(_ result: VerificationResult, to request: SIPMessage, peer: PeerConfiguration, log: CallLog,
               notes: TransactionNotes? = nil, contents: [String: [UInt8]] = [:]) -> ProcessorDecision {
        StirdMetrics.shared.verificationOutcome(label: result.metricLabel)
        let perHeader = result.headers.map { $0.outcome.failure?.code ?? "valid" }
        if let failure = result.failure {
            let status = failure.status
            let unsigned = failure == .noIdentity || { if case .unsupportedPPT = failure { return true } else { return false } }()
            var metadata: Logger.Metadata = ["outcome": "\(failure.code)", "detail": "\(failure)", "response": "\(status)",
                                             "peer": "\(peer.name)", "headers": "\(perHeader)"]
            if let chain = result.divChain { metadata["div_chain"] = "\(chain.links)" }
            log.info("stir-verify: failed", metadata: metadata)
            if unsigned {
                if peer.requireIdentity { return .respond(status, headers: []) }
            } else {
                switch peer.onFailure {
                case .reject:
                    return .respond(status, headers: [])
                case .continueWithReason:
                    // Downstream sees why (on the INVITE); upstream too, in the
                    // next provisional or final response (RFC 8224 §6.2.2, RFC 9410).
                    if let value = result.reasonHeaderValue(peer.reasonForm) {
                        request.addHeader(name: "Reason", value: value)
                        notes?.upstreamResponseHeaders.append((name: "Reason", value: value))
                    }
                case .continue:
                    break
                }
            }
        } else {
            var metadata: Logger.Metadata = ["attest": "\(result.attestation?.rawValue ?? "-")", "peer": "\(peer.name)",
                                             "headers": "\(perHeader)"]
            // RFC 8946 §4.2: say when the call verified as a forwarded call.
            if result.isValidByDivChain, let chain = result.divChain { metadata["div_chain"] = "\(chain.links)" }
            log.info("stir-verify: valid", metadata: metadata)
        }
        annotate(request, verstat: result.verstat, attestation: result.attestation)
        if config.rcd.isEnabled {
            let rcd = RcdPresenter.apply(result, to: request, peer: peer, presentation: config.rcd, contents: contents)
            if rcd != .none { log.info("stir-verify: rich call data", metadata: ["rcd": "\(rcd)"]) }
        }
        return .proceed
    }

    /// verstat on P-Asserted-Identity and/or From (3GPP TS 24.229
    /// §7.2A.20); the attestation header is set for a valid call, removed otherwise.
    func annotate(_ request: SIPMessage, verstat: Verstat, attestation: Attestation?) {
        if config.verstatOnPAI {
            let pai = request.headers(named: "P-Asserted-Identity")
            if !pai.isEmpty {
                request.removeHeaders(named: "P-Asserted-Identity")
                for value in pai { request.addHeader(name: "P-Asserted-Identity", value: VerstatEditor.edit(value, verstat: verstat)) }
            }
        }
        if config.verstatOnFrom, let from = request.headers(named: "From").first {
            request.setHeader(name: "From", value: VerstatEditor.edit(from, verstat: verstat))
        }
        if let name = config.attestationHeader {
            if let attestation, verstat == .passed {
                request.setHeader(name: name, value: attestation.rawValue)
            } else {
                request.removeHeaders(named: name)
            }
        }
    }
}
