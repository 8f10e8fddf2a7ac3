import STIRCore

/// Builds the `div` PASSporTs a retargeting entity adds (RFC 8946 §4.1):
/// one per distinct `orig` among the PASSporTs whose `dest` names the
/// original target, each with `dest` = the new target, `div` = the
/// original target, the original `iat` (§3: kept unless Date changed) and
/// nothing else copied, signed by the credential covering the original
/// target (the retargeting number, not the caller's). Existing Identity
/// headers are never removed.
struct DivSigner: Sendable {
    let credentials: [SigningCredential]

    /// Why no `div` PASSporT was added.
    enum Skip: Error, Equatable {
        /// §3: the canonical target did not change: a div MUST NOT be made.
        case sameTarget
        /// §4.1: div is added only to requests with an Identity header.
        case noIdentity
        /// No PASSporT names the original target in `dest`.
        case noPASSporTForOriginalTarget
        /// Every needed div PASSporT is already present.
        case alreadyPresent
        /// No `[credential]` covers the original target.
        case noCredential
    }

    /// The Identity header values to add for a retarget from `original` to
    /// `target` (canonical TNs), given the request's Identity headers.
    func divHeaders(existing: [String], original: String, target: String) -> Result<[String], Skip> {
        guard original != target else { return .failure(.sameTarget) }
        guard !existing.isEmpty else { return .failure(.noIdentity) }
        var origins: [(orig: STIRIdentity, iat: Int64)] = []
        var present: [STIRIdentity] = []
        for value in existing {
            guard let header = try? IdentityHeader.parse(value), !header.isCompact,
                  let passport = try? PASSporT.decode(header.token) else { continue }
            let claims = passport.claims
            if header.ppt == "div", claims.div == .tn(original), claims.dest.contains(.tn(target)) { present.append(claims.orig) }
            // §4.1: SHAKEN and baseline PASSporTs, and on a second retarget
            // the div PASSporTs whose dest is the target being left.
            guard header.ppt == nil || header.ppt == "shaken" || header.ppt == "div",
                  claims.dest.contains(.tn(original)), !origins.contains(where: { $0.orig == claims.orig }) else { continue }
            origins.append((claims.orig, claims.iat))
        }
        guard !origins.isEmpty else { return .failure(.noPASSporTForOriginalTarget) }
        let needed = origins.filter { o in !present.contains(o.orig) }
        guard !needed.isEmpty else { return .failure(.alreadyPresent) }
        guard let credential = credentials.first(where: { $0.covers(original) }) else { return .failure(.noCredential) }
        var out: [String] = []
        for o in needed {
            let claims = PASSporTClaims(iat: o.iat, orig: o.orig, dest: [.tn(target)], div: .tn(original))
            // Full form (§3): the div PASSporT cannot be reconstructed from SIP.
            if let value = try? credential.signer.identityHeader(claims: claims, ppt: "div") { out.append(value) }
        }
        return .success(out)
    }
}
