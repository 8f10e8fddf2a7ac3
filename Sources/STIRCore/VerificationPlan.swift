/// The state between the two verification phases: per-header results so
/// far, and the certificates still needed. A value: keep it while the
/// fetches run, then call `finish`.
public struct VerificationPlan: Sendable {
    /// A signature check waiting for its certificate.
    struct PendingCheck: Sendable {
        struct Candidate: Sendable {
            /// The JWS signing input: received bytes (full form) or a reconstruction (compact).
            let signingInput: [UInt8]
            /// The originating TN the certificate must cover (nil for a URI identity).
            let originatingTN: String?
        }
        let x5u: String
        let signature: [UInt8]
        let candidates: [Candidate]
        /// The header's outcome if the signature verifies, when it fails
        /// alone but may still be a `div` chain link (RFC 8946 §4.2).
        var deferred: VerificationFailure? = nil
    }

    enum State: Sendable {
        case decided(HeaderVerification)
        case pending(HeaderVerification, PendingCheck)
    }

    let states: [State]

    /// Distinct x5u URLs whose certificates `finish` needs, in header order.
    /// Empty when every header was decided without a certificate.
    public let requiredX5Us: [String]

    /// Set when `div` chains are judged after the signature checks.
    let divChains: DivChain.Context?

    init(states: [State], divChains: DivChain.Context? = nil) {
        self.states = states
        self.divChains = divChains
        var seen = Set<String>()
        var urls: [String] = []
        for case .pending(_, let check) in states where seen.insert(check.x5u).inserted {
            urls.append(check.x5u)
        }
        self.requiredX5Us = urls
    }

    /// The claims of the headers still waiting for their signature check:
    /// what may become valid (e.g. Rich Call Data content to fetch meanwhile).
    public var pendingClaims: [PASSporTClaims] {
        states.compactMap { if case .pending(let hv, _) = $0 { return hv.claims } else { return nil } }
    }

    /// Phase 2: checks TN authority and signatures with the certificates
    /// found (a URL missing from `certificates` counts as unavailable), then
    /// applies RFC 8224 §6.2.1–6.2.2 to the whole set.
    public func finish(certificates: [String: CertificateResult]) -> VerificationResult {
        var headers: [HeaderVerification] = []
        headers.reserveCapacity(states.count)
        for state in states {
            switch state {
            case .decided(let hv):
                headers.append(hv)
            case .pending(let hv, let check):
                let outcome = Self.check(check, certificates[check.x5u])
                if outcome == .valid, let deferred = check.deferred {
                    headers.append(hv.with(outcome: .failed(deferred), signatureValid: true))
                } else {
                    headers.append(hv.with(outcome: outcome, signatureValid: outcome == .valid))
                }
            }
        }
        guard let divChains else { return VerificationResult(headers: headers) }
        let judged = DivChain.judge(headers, divChains)
        return VerificationResult(headers: judged.headers, divChain: judged.chain)
    }

    private static func check(_ check: PendingCheck, _ result: CertificateResult?) -> HeaderOutcome {
        guard let result else { return .failed(.certificateUnavailable("no certificate for \(check.x5u)")) }
        switch result {
        case .failed(let f):
            return .failed(f)
        case .available(let cert):
            var covered = false
            for c in check.candidates {
                if let tn = c.originatingTN, !cert.covers(originatingTN: tn) { continue }
                covered = true
                if cert.publicKey.isValidSignature(check.signature, for: c.signingInput) { return .valid }
            }
            return .failed(covered ? .signatureInvalid : .tnNotCovered)
        }
    }
}
