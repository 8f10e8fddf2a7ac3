/// Required claims per `ppt` (RFC 8225 §8.3: extensions keep every baseline
/// claim and may only add). Baseline `iat`/`orig`/`dest` are already enforced
/// by `PASSporTClaims(json:)`.
public enum PASSporTClaimRules {
    /// Checks extension rules for `ppt` (nil = baseline PASSporT).
    public static func check(_ claims: PASSporTClaims, ppt: String?) throws(PASSporTError) {
        switch ppt {
        case nil:
            return
        case "shaken":
            // RFC 8588 §4–5; ATIS-1000074 §5.3.1: orig and dest must be TNs.
            guard claims.attest != nil else { throw .missingClaim("attest") }
            guard let origid = claims.origid else { throw .missingClaim("origid") }
            guard isUUID(origid) else { throw .invalidClaim("origid", "not a UUID (RFC 8588 §5)") }
            guard claims.orig.tn != nil else { throw .invalidClaim("orig", "SHAKEN requires a tn") }
            guard claims.dest.allSatisfy({ $0.tn != nil }) else { throw .invalidClaim("dest", "SHAKEN requires tn") }
        case "div", "div-o":
            // RFC 8946 §3: `div` names the retargeting identity; div-o adds `opt` (§5).
            guard claims.div != nil else { throw .missingClaim("div") }
            if ppt == "div-o" {
                guard claims.extra["opt"]?.stringValue != nil else { throw .missingClaim("opt") }
            }
        case "rcd":
            // RFC 9795 §6: rcd is mandatory in an rcd PASSporT.
            guard claims.rcd?.objectValue != nil else { throw .missingClaim("rcd") }
        default:
            throw .invalidHeader("ppt \(ppt!) has no known claim rules")
        }
    }

    /// RFC 4122 string form: 8-4-4-4-12 hex digits, either case.
    public static func isUUID(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 36 else { return false }
        for (i, c) in u.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if c != UInt8(ascii: "-") { return false }
            } else if !((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)) {
                return false
            }
        }
        return true
    }
}
