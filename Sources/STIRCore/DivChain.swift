/// `div` chains (RFC 8946 §4.2): after every signature was checked, links
/// each `div` PASSporT to the PASSporT whose `dest` it names in `div`, from
/// the outermost (whose `dest` is the call's current target) inwards to a
/// non-`div` PASSporT (SHAKEN or baseline). A chain is valid only when
///
/// 1. the outermost `dest` is the current target (step 1),
/// 2. every link's signature verifies with a certificate covering its
///    signer (for a `div` link: the `div` identity; steps 2 and 5),
/// 3. every link has the same `orig` (step 3; the per-header check has
///    already compared each `orig` with the signalling),
/// 4. the outermost is fresh and the inner links are within the longer
///    `div` window (step 4).
///
/// The links of a valid chain become valid headers, so the usual RFC 8224
/// §6.2.1 decision picks the innermost SHAKEN attestation.
public enum DivChain {
    /// What the judgement needs besides the headers.
    struct Context: Sendable, Equatable {
        let targets: [STIRIdentity]
        let now: Int64
        let maxIatAgeSeconds: Int64
        let divMaxAgeSeconds: Int64
    }

    /// The chain judged for a request: header indexes from the outermost
    /// inwards, and why it is invalid (nil when valid).
    public struct Summary: Sendable, Equatable {
        public let links: [Int]
        public let failure: String?
    }

    /// Judges the chains starting at each `div` header naming the current
    /// target; the first valid one wins, otherwise the first broken one is
    /// reported. Headers outside a valid chain keep their own outcome.
    static func judge(_ headers: [HeaderVerification], _ context: Context) -> (headers: [HeaderVerification], chain: Summary?) {
        var reported: Summary?
        for outer in headers.indices where headers[outer].ppt == "div" {
            guard let claims = headers[outer].claims,
                  claims.dest.contains(where: { d in context.targets.contains { IdentityVerifier.same($0, d) } }) else { continue }
            let summary = follow(from: outer, headers, context)
            if summary.failure == nil {
                var out = headers
                for i in summary.links { out[i] = out[i].with(outcome: .valid) }
                // §4.1: one div covers every PASSporT of its (orig, dest)
                // pair, e.g. an rcd PASSporT next to the SHAKEN one.
                if let inner = summary.links.last, let pair = headers[inner].claims {
                    for i in headers.indices where !summary.links.contains(i) && headers[i].signatureValid && headers[i].ppt != "div" {
                        guard let c = headers[i].claims, c.orig == pair.orig, c.dest == pair.dest,
                              context.now - c.iat <= context.divMaxAgeSeconds else { continue }
                        out[i] = out[i].with(outcome: .valid)
                    }
                }
                return (out, summary)
            }
            if reported == nil { reported = summary }
        }
        if reported == nil, let stray = headers.firstIndex(where: { $0.ppt == "div" && $0.claims != nil }) {
            reported = Summary(links: [stray], failure: "no div PASSporT names the current target in dest")
        }
        guard let reported, let outer = reported.links.first, let why = reported.failure else { return (headers, reported) }
        var out = headers
        if headers[outer].signatureValid || headers[outer].outcome.failure == .divChainInvalid("not part of a chain") {
            out[outer] = out[outer].with(outcome: .failed(.divChainInvalid(why)))
        }
        return (out, reported)
    }

    /// Follows one chain inwards from `outer`.
    private static func follow(from outer: Int, _ headers: [HeaderVerification], _ context: Context) -> Summary {
        var links = [outer]
        func broken(_ why: String) -> Summary { Summary(links: links, failure: why) }
        let first = headers[outer]
        guard let outerClaims = first.claims else { return broken("outermost undecodable") }
        guard first.signatureValid else { return broken("outermost: \(first.outcome.failure?.code ?? "invalid")") }
        if context.now - outerClaims.iat > context.maxIatAgeSeconds { return broken("outermost iat is stale") }
        var current = outerClaims
        while links.count <= headers.count {
            guard let div = current.div else { return broken("div claim missing") }
            let candidates = headers.indices.filter { i in
                !links.contains(i) && headers[i].claims?.dest.contains { IdentityVerifier.same(div, $0) } == true
            }
            guard !candidates.isEmpty else { return broken("no PASSporT has dest \(div.value)") }
            // A usable link, preferring SHAKEN or div over other types (rcd).
            let usable = candidates.filter { i in
                headers[i].signatureValid && IdentityVerifier.same(current.orig, headers[i].claims!.orig)
            }
            let pick = usable.first { headers[$0].ppt == "shaken" || headers[$0].ppt == "div" } ?? usable.first ?? candidates[0]
            let link = headers[pick]
            let claims = link.claims!
            links.append(pick)
            guard IdentityVerifier.same(outerClaims.orig, claims.orig) else { return broken("orig changed along the chain") }
            guard link.signatureValid else { return broken("link \(pick): \(link.outcome.failure?.code ?? "invalid")") }
            if context.now - claims.iat > context.divMaxAgeSeconds { return broken("link \(pick): iat older than the div window") }
            guard link.ppt == "div" else { return Summary(links: links, failure: nil) }
            current = claims
        }
        return broken("chain loops")
    }
}
