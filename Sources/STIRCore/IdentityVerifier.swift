/// The verification service (RFC 8224 §6.2) as pure functions, in two
/// phases so the caller can fetch certificates asynchronously in between:
///
/// 1. `prepare` does every check that needs no certificate and lists the
///    x5u URLs still needed (cheap checks first, so a hostile request never
///    triggers a fetch);
/// 2. `VerificationPlan.finish` takes the certificates and checks TN
///    authority and signatures, then applies the multi-header rules.
public enum IdentityVerifier {
    /// Phase 1. `identityHeaders` are the values of every Identity (or `y`)
    /// header in order; `sip` carries identities from SIP headers, the Date
    /// header and the current time.
    public static func prepare(identityHeaders: [String], sip: SIPIdentityContext,
                               policy: VerificationPolicy = .init()) -> VerificationPlan {
        let date = DateCheck(sip: sip, policy: policy)
        var states: [VerificationPlan.State] = []
        for (i, value) in identityHeaders.enumerated() {
            if i >= policy.maxIdentityHeaders {
                states.append(.decided(HeaderVerification(index: i, value: value, identityHeader: nil, passportHeader: nil,
                                                          claims: nil, outcome: .ignored(.tooManyIdentityHeaders))))
                continue
            }
            states.append(examine(value, index: i, sip: sip, date: date, policy: policy))
        }
        // Without a div PASSporT there is no chain: a header that failed
        // alone fails now, and its certificate is never fetched.
        let hasDiv = states.contains { state in
            if case .pending(let hv, _) = state { return hv.ppt == "div" } else { return false }
        }
        guard hasDiv else {
            return VerificationPlan(states: states.map { state in
                guard case .pending(let hv, let check) = state, let deferred = check.deferred else { return state }
                return .decided(hv.with(outcome: .failed(deferred)))
            })
        }
        let chains = policy.divMaxAgeSeconds.map {
            DivChain.Context(targets: sip.targets.isEmpty ? sip.destinations : sip.targets, now: sip.now,
                             maxIatAgeSeconds: policy.maxIatAgeSeconds, divMaxAgeSeconds: $0)
        }
        return VerificationPlan(states: states, divChains: chains)
    }

    /// Both phases at once, for callers that already hold certificates
    /// (tests, `stirctl verify --cert`).
    public static func verify(identityHeaders: [String], sip: SIPIdentityContext, policy: VerificationPolicy = .init(),
                              certificate: (String) -> CertificateResult) -> VerificationResult {
        let plan = prepare(identityHeaders: identityHeaders, sip: sip, policy: policy)
        var certs: [String: CertificateResult] = [:]
        for x5u in plan.requiredX5Us { certs[x5u] = certificate(x5u) }
        return plan.finish(certificates: certs)
    }

    /// The request's Date, parsed once and judged against the policy.
    struct DateCheck {
        let epoch: Int64?
        let failure: VerificationFailure?

        init(sip: SIPIdentityContext, policy: VerificationPolicy) {
            guard let text = sip.date else {
                epoch = nil
                failure = policy.requireDateHeader ? .dateMissing : nil
                return
            }
            guard let e = SIPDate.parse(text) else {
                epoch = nil
                failure = .dateInvalid
                return
            }
            epoch = e
            if sip.now - e > policy.maxDateAgeSeconds {
                failure = .staleDate
            } else if e - sip.now > policy.maxFutureSkewSeconds {
                failure = .futureDate
            } else {
                failure = nil
            }
        }
    }

    private static func examine(_ value: String, index: Int, sip: SIPIdentityContext, date: DateCheck,
                                policy: VerificationPolicy) -> VerificationPlan.State {
        var header: IdentityHeader?
        var pHeader: PASSporTHeader?
        var claims: PASSporTClaims?
        func decided(_ outcome: HeaderOutcome) -> VerificationPlan.State {
            .decided(HeaderVerification(index: index, value: value, identityHeader: header, passportHeader: pHeader,
                                        claims: claims, outcome: outcome))
        }
        func fail(_ f: VerificationFailure) -> VerificationPlan.State { decided(.failed(f)) }

        let h: IdentityHeader
        do { h = try IdentityHeader.parse(value, maxLength: policy.maxIdentityHeaderLength) } catch {
            return fail(.identityHeaderMalformed(error))
        }
        header = h
        // RFC 8224 §6.2 step 1: an unsupported ppt means this header is ignored.
        if let ppt = h.ppt {
            guard policy.supportedPPTs.contains(ppt) || (ppt == "div" && policy.divChains) else {
                return decided(.ignored(.unsupportedPPT(ppt)))
            }
        } else if !policy.acceptBaseline {
            return decided(.ignored(.unsupportedPPT("none")))
        }
        guard h.effectiveAlg == "ES256" else { return fail(.algorithmUnsupported(h.effectiveAlg)) }
        guard policy.allowsScheme(of: h.info) else { return fail(.x5uNotAllowed(h.info)) }

        if h.isCompact {
            guard policy.allowCompactForm else { return fail(.compactFormNotAllowed) }
            switch CompactForm.examine(h, sip: sip, date: date) {
            case .failed(let f, let ph, let c):
                pHeader = ph
                claims = c
                return fail(f)
            case .pending(let ph, let c, let check):
                return .pending(HeaderVerification(index: index, value: value, identityHeader: h, passportHeader: ph,
                                                   claims: c, outcome: .failed(.certificateUnavailable("pending"))), check)
            }
        }

        let stage: PASSporT.HeaderStage
        do { stage = try PASSporT.decodeHeader(h.token, limits: policy.jsonLimits) } catch {
            return fail(VerificationFailure(error))
        }
        pHeader = stage.header
        // RFC 7515 §4.1.11: a critical extension we do not understand (or a
        // malformed crit) makes the whole JWS invalid, not ignorable.
        if let why = stage.header.criticalProblem() { return fail(.criticalHeaderInvalid(why)) }
        // RFC 8225 §4.1 typ; RFC 8224 §4.1 alg, ppt and x5u must mirror the header parameters.
        guard let typ = stage.header.typ, typ.utf8.elementsEqual("passport".utf8, by: { ASCIIBytes.lower($0) == $1 }) else {
            return fail(.typInvalid)
        }
        guard stage.header.alg == h.effectiveAlg else { return fail(.algorithmMismatch) }
        guard stage.header.ppt == h.ppt else { return fail(.pptMismatch) }
        guard let x5u = stage.header.x5u else { return fail(.passportHeaderInvalid("x5u")) }
        guard x5u == h.info else { return fail(.x5uInfoMismatch) }
        let passport: PASSporT
        do { passport = try stage.decodeClaims(limits: policy.jsonLimits) } catch {
            return fail(VerificationFailure(error))
        }
        claims = passport.claims
        do { try PASSporTClaimRules.check(passport.claims, ppt: h.ppt) } catch {
            return fail(VerificationFailure(error))
        }
        // A failure that only makes this header invalid alone: with div
        // chains on, its signature is still checked, since it may be a link
        // of a chain (RFC 8946 §4.2), which `DivChain` judges after phase 2.
        var deferred: VerificationFailure?
        let isDiv = h.ppt == "div" && policy.divChains
        // RFC 8224 §6.2 step 4: Date, then iat (full form), within the window.
        if let f = date.failure { return fail(f) }
        let age = sip.now - passport.claims.iat
        if age > policy.maxIatAgeSeconds {
            guard let divMax = policy.divMaxAgeSeconds, age <= divMax else { return fail(.staleIat) }
            deferred = .staleIat
        }
        if -age > policy.maxFutureSkewSeconds { return fail(.futureIat) }
        // RFC 8224 §6.2.4: the originating identity comes from SIP; the
        // token must name it (equivalent to reconstructing with it).
        guard sip.originating.contains(where: { Self.same($0, passport.claims.orig) }) else { return fail(.origMismatch) }
        if policy.checkDestination || isDiv {
            if !sip.destinations.contains(where: { d in passport.claims.dest.contains { Self.same(d, $0) } }) {
                guard policy.divChains else { return fail(.destMismatch) }
                deferred = deferred ?? .destMismatch
            }
        }
        // RFC 8946 §4.2: a div PASSporT is never valid on its own.
        if isDiv { deferred = deferred ?? .divChainInvalid("not part of a chain") }
        // RFC 8946 §4.2 step 2: a div PASSporT's signer must have authority
        // over the `div` identity (the retargeting number), not over `orig`.
        let signerTN = isDiv ? passport.claims.div?.tn : passport.claims.orig.tn
        let check = VerificationPlan.PendingCheck(
            x5u: x5u, signature: passport.signature,
            candidates: [.init(signingInput: passport.signingInput, originatingTN: signerTN)], deferred: deferred)
        return .pending(HeaderVerification(index: index, value: value, identityHeader: h, passportHeader: pHeader,
                                           claims: claims, outcome: .failed(.certificateUnavailable("pending"))), check)
    }

    /// Identity equality after canonical form: TNs exactly (both are
    /// canonical per §8.3); URIs after §8.5 normalization.
    static func same(_ sip: STIRIdentity, _ claim: STIRIdentity) -> Bool {
        switch (sip, claim) {
        case (.tn(let a), .tn(let b)): return a == b
        case (.uri(let a), .uri(let b)): return a == b || a == IdentityURI(b).normalized
        default: return false
        }
    }
}
