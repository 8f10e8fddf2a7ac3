/// Compact-form verification (RFC 8224 §5.2, §6.2; RFC 8225 §7): the
/// PASSporT is rebuilt from the SIP request and the received signature is
/// checked over that reconstruction.
enum CompactForm {
    enum Outcome {
        case failed(VerificationFailure, PASSporTHeader, PASSporTClaims?)
        case pending(PASSporTHeader, PASSporTClaims, VerificationPlan.PendingCheck)
    }

    /// Builds the candidate signing inputs. Baseline only: an extension's
    /// claims (e.g. SHAKEN `attest`) are not in the SIP request.
    static func examine(_ h: IdentityHeader, sip: SIPIdentityContext, date: IdentityVerifier.DateCheck) -> Outcome {
        let header = PASSporTHeader(alg: h.effectiveAlg, ppt: h.ppt, x5u: h.info)
        if let ppt = h.ppt { return .failed(.compactFormUnverifiable("ppt \(ppt) needs the full form"), header, nil) }
        if let f = date.failure { return .failed(f, header, nil) }
        // In compact form the Date header is the iat (RFC 8224 §4.1).
        guard let iat = date.epoch else { return .failed(.compactFormUnverifiable("no Date header"), header, nil) }
        guard let signature = Base64URL.decode(h.token.dropFirst(2)) else {
            return .failed(.tokenMalformed(.invalidBase64("signature")), header, nil)
        }
        guard let firstOrig = sip.originating.first else { return .failed(.origMismatch, header, nil) }
        guard let firstDest = sip.destinations.first else { return .failed(.destMismatch, header, nil) }
        let headerPart = Base64URL.encodeToBytes(CanonicalJSON.encode(header.json)) + [UInt8(ascii: ".")]
        var candidates: [VerificationPlan.PendingCheck.Candidate] = []
        // Several PAI values or destination candidates: try each pairing (bounded).
        for orig in sip.originating.prefix(4) {
            for dest in sip.destinations.prefix(4) {
                let claims = PASSporTClaims(iat: iat, orig: orig, dest: [dest])
                let input = headerPart + Base64URL.encodeToBytes(CanonicalJSON.encode(claims.json))
                candidates.append(.init(signingInput: input, originatingTN: orig.tn))
            }
        }
        let claims = PASSporTClaims(iat: iat, orig: firstOrig, dest: [firstDest])
        return .pending(header, claims, .init(x5u: h.info, signature: signature, candidates: candidates))
    }
}
