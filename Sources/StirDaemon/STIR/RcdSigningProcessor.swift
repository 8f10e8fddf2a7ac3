import Foundation
import Logging
import SIPCore
import SIPProxy
import STIRCore

/// Rich Call Data on egress (RFC 9795 §12.1): after `SigningProcessor`
/// signed a call, adds a full-form `ppt=rcd` PASSporT with the caller's
/// name (and `icn`, `jcl`, `rcdi`) from `[sign] rcd_names_file`, with the
/// same `orig`, `dest` and `iat` as our SHAKEN PASSporT and signed by the
/// same credential. A separate PASSporT rather than claims in the SHAKEN
/// one: verifiers that do not know `rcd` still verify the SHAKEN one.
public final class RcdSigningProcessor: RequestProcessor {
    public let name = "stir-rcd"
    let table: RcdNameTable
    let credentials: [SigningCredential]

    public init(table: RcdNameTable, credentials: [SigningCredential]) {
        self.table = table
        self.credentials = credentials
    }

    public func process(_ request: SIPMessage, context: RequestContext, resumption: ProcessorResumption) -> ProcessorDecision {
        guard context.method == "INVITE", request.toTag == nil, !table.entries.isEmpty else { return .proceed }
        let existing = request.identityHeaders
        // Ours: the SHAKEN PASSporT SigningProcessor just added (last, our x5u).
        for value in existing.reversed() {
            guard let header = try? IdentityHeader.parse(value), header.ppt == "shaken",
                  let credential = credentials.first(where: { $0.signer.x5u == header.info }),
                  let passport = try? PASSporT.decode(header.token), let tn = passport.claims.orig.tn,
                  let entry = table.entry(for: tn) else { continue }
            if existing.contains(where: { (try? IdentityHeader.parse($0))?.ppt == "rcd" && $0.contains(header.info) }) { break }
            let (rcd, rcdi) = table.claims(for: entry)
            let claims = PASSporTClaims(iat: passport.claims.iat, orig: passport.claims.orig, dest: passport.claims.dest, rcd: rcd, rcdi: rcdi)
            let log = CallLog(logger: context.logger, callID: context.callID)
            do {
                request.addHeader(name: "Identity", value: try credential.signer.identityHeader(claims: claims, ppt: "rcd"))
                log.info("stir-rcd: signed", metadata: ["orig": "\(tn)", "nam": "\(entry.name)"])
            } catch {
                log.error("stir-rcd: signing failed: \(error)")
            }
            break
        }
        return .proceed
    }
}
