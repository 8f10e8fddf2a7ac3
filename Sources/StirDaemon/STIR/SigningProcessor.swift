import Crypto
import Foundation
import Logging
import Metrics
import SIPCore
import SIPProxy
import STIRCore

/// The authentication service on egress (RFC 8224 §6.1; ATIS-1000074 §5.2):
/// for a dialog-initiating INVITE from a peer we sign for, checks or adds
/// `Date`, decides the attestation, and adds a SHAKEN `Identity` header
/// (full form, fresh `origid` per call). Identity headers already present are
/// forwarded unchanged; a request that already carries one of ours is not
/// signed again.
public final class SigningProcessor: RequestProcessor {
    public let name = "stir-sign"
    let peers: PeerTable
    let credentials: [SigningCredential]
    let policy: AttestationPolicy
    let config: SignConfiguration
    let extractor: SIPIdentityExtractor
    let authenticator: any OriginatorAuthenticator
    let now: @Sendable () -> Int64
    let ourX5Us: Set<String>

    public init(peers: PeerTable, credentials: [SigningCredential], config: SignConfiguration,
                extraction: IdentityExtractionPolicy, authenticator: any OriginatorAuthenticator = PeerOriginatorAuthenticator(),
                now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.peers = peers
        self.credentials = credentials
        self.policy = AttestationPolicy(config)
        self.config = config
        self.extractor = SIPIdentityExtractor(policy: extraction)
        self.authenticator = authenticator
        self.now = now
        self.ourX5Us = Set(credentials.map(\.signer.x5u))
    }

    public func process(_ request: SIPMessage, context: RequestContext, resumption: ProcessorResumption) -> ProcessorDecision {
        guard context.method == "INVITE", request.toTag == nil else { return .proceed }
        let peer = peers.peer(for: context)
        guard peer.sign else { return .proceed }
        let log = CallLog(logger: context.logger, callID: context.callID)
        guard let originator = authenticator.originator(of: request, context: context, peer: peer) else {
            log.debug("stir-sign: originator not authenticated, forwarding unsigned", metadata: ["peer": "\(peer.name)"])
            return .proceed
        }
        let existing = request.identityHeaders
        if existing.contains(where: { value in (try? IdentityHeader.parse(value)).map { ourX5Us.contains($0.info) } ?? false }) {
            log.debug("stir-sign: already signed by us, not signing again")
            return .proceed
        }
        let current = now()
        let sip = extractor.context(from: request.headers(named: "From").first,
                                    pAssertedIdentity: request.headers(named: "P-Asserted-Identity"),
                                    to: request.headers(named: "To").first, requestURI: request.requestURI,
                                    date: nil, now: current)
        // RFC 8224 §6.1 step 1: only a TN we have authority for is signed.
        guard let orig = sip.originating.first?.tn else {
            log.info("stir-sign: calling identity is not a TN, forwarding unsigned")
            return .proceed
        }
        let dest = sip.destinations.compactMap(\.tn)
        guard !dest.isEmpty else {
            log.info("stir-sign: destination is not a TN, forwarding unsigned")
            return .proceed
        }
        let attest: Attestation
        switch policy.decide(originator: originator, orig: orig, dest: dest) {
        case .success(let a): attest = a
        case .failure(let why):
            log.info("stir-sign: not signing", metadata: ["reason": "\(why.skip.rawValue)", "orig": "\(orig)",
                                                         "originator": "\(originator.name)"])
            return .proceed
        }
        guard let credential = credentials.first(where: { $0.covers(orig) }) else {
            log.info("stir-sign: no credential covers the calling TN, forwarding unsigned", metadata: ["orig": "\(orig)"])
            return .proceed
        }
        // RFC 8224 §6.1 step 3: add Date if absent; a skewed Date is refused
        // (403 Stale Date) or replaced, per configuration.
        var iat = current
        if let date = request.date {
            if let epoch = SIPDate.parse(date), abs(epoch - current) <= config.maxDateSkewSeconds {
                iat = epoch
            } else if config.redateSkewed {
                request.setHeader(name: "Date", value: SIPDate.format(current))
                log.notice("stir-sign: Date replaced", metadata: ["received": "\(date)"])
            } else {
                log.notice("stir-sign: Date skewed, rejecting", metadata: ["received": "\(date)"])
                return .respond(.staleDate, headers: [])
            }
        } else {
            request.addHeader(name: "Date", value: SIPDate.format(current))
        }
        do {
            let started = ContinuousClock.now
            let value = try credential.signer.identityHeader(orig: orig, dest: dest.sorted(), attest: attest,
                                                             origid: RandomUUID.make(), iat: Int(iat))
            StirdMetrics.shared.signLatency(ContinuousClock.now - started)
            request.addHeader(name: "Identity", value: value)
            StirdMetrics.shared.signed(attestation: attest.rawValue)
            log.info("stir-sign: signed", metadata: ["attest": "\(attest.rawValue)", "orig": "\(orig)", "originator": "\(originator.name)",
                                                     "credential": "\(credential.name)", "kept-identity": "\(existing.count)"])
        } catch {
            log.error("stir-sign: signing failed, forwarding unsigned: \(error)")
        }
        return .proceed
    }
}
