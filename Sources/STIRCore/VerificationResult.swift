import SIPCore
/// The verdict for a whole request.
public enum VerificationOutcome: Equatable, Sendable {
    /// At least one Identity header is valid (RFC 8224 §6.2.1); the header
    /// chosen is the one with the best attestation (A > B > C > none).
    case valid(headerIndex: Int, attestation: Attestation?)
    /// No header is valid; the failure chosen per RFC 8224 §6.2.2, and the
    /// header it came from (nil for `.noIdentity`).
    case failed(VerificationFailure, headerIndex: Int?)
}

/// Per-header results and the overall outcome, with everything the proxy
/// needs to act on it: response code, Reason header, verstat, metric label.
public struct VerificationResult: Sendable {
    public let headers: [HeaderVerification]
    public let outcome: VerificationOutcome
    /// The `div` chain judged for this request (RFC 8946 §4.2), if any.
    public let divChain: DivChain.Summary?

    init(headers: [HeaderVerification], divChain: DivChain.Summary? = nil) {
        self.headers = headers
        self.divChain = divChain
        let decided = Self.decide(headers)
        // A broken chain explains a failed request better than its links'
        // own failures (an inner link's dest is, by design, not the target).
        if case .failed = decided, let divChain, let why = divChain.failure {
            self.outcome = .failed(.divChainInvalid(why), headerIndex: divChain.links.first)
        } else {
            self.outcome = decided
        }
    }

    /// True when the request is valid through a `div` chain rather than
    /// a PASSporT naming the current target itself.
    public var isValidByDivChain: Bool {
        guard case .valid(let index, _) = outcome, let divChain, divChain.failure == nil else { return false }
        return divChain.links.contains(index)
    }

    /// RFC 8224 §6.2.1: valid if any header is valid. §6.2.2: otherwise 428
    /// if nothing usable was received; 436 only if credentials for *all*
    /// examined headers were unavailable; 437 if any credential was
    /// unsupported; then 403 (stale), then 438.
    static func decide(_ headers: [HeaderVerification]) -> VerificationOutcome {
        var best: HeaderVerification?
        for h in headers where h.outcome == .valid {
            guard let b = best else { best = h; continue }
            let rank: (Attestation?) -> Int = { a in a.map { 3 - (Attestation.allCases.firstIndex(of: $0) ?? 2) } ?? 0 }
            if rank(h.attestation) > rank(b.attestation) { best = h }
        }
        if let best { return .valid(headerIndex: best.index, attestation: best.attestation) }
        guard !headers.isEmpty else { return .failed(.noIdentity, headerIndex: nil) }
        let examined = headers.filter { if case .failed = $0.outcome { return true } else { return false } }
        guard !examined.isEmpty else {
            let h = headers.first { if case .ignored(.unsupportedPPT) = $0.outcome { return true } else { return false } }
            if let h, let f = h.outcome.failure { return .failed(f, headerIndex: h.index) }
            return .failed(.noIdentity, headerIndex: nil)
        }
        var chosen = examined[0]
        for h in examined.dropFirst() where h.outcome.failure!.precedence < chosen.outcome.failure!.precedence {
            chosen = h
        }
        return .failed(chosen.outcome.failure!, headerIndex: chosen.index)
    }

    /// True if the request has a valid Identity header.
    public var isValid: Bool {
        if case .valid = outcome { return true }
        return false
    }

    /// Attestation of the chosen valid header.
    public var attestation: Attestation? {
        if case .valid(_, let a) = outcome { return a }
        return nil
    }

    /// The failure, when not valid.
    public var failure: VerificationFailure? {
        if case .failed(let f, _) = outcome { return f }
        return nil
    }

    /// RFC 8224 status and reason phrase for a reject policy; nil when valid.
    public var status: SIPStatus? { failure?.status }

    /// The `verstat` value to add to P-Asserted-Identity / From.
    public var verstat: Verstat { failure?.verstat ?? .passed }

    /// Stable metric label: `valid` or the failure code.
    public var metricLabel: String { failure?.code ?? (isValidByDivChain ? "valid_div" : "valid") }

    /// `Reason` header value for a continue-on-failure policy; nil when
    /// valid. The STIR form (RFC 9410 §5) cites the failing PASSporT in
    /// `ppi` when the request had more than one Identity header.
    public func reasonHeaderValue(_ form: ReasonHeaderForm) -> String? {
        guard case .failed(let f, let index) = outcome else { return nil }
        var ppi: String?
        if form == .stir, headers.count > 1, let index { ppi = headers[index].compactPASSporT }
        return f.reasonHeaderValue(form, ppi: ppi)
    }
}
