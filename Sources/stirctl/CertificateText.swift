import Certificates
import Foundation

/// Text forms of certificate facts for stirctl output: one `key=value`
/// per fact so scripts can grep them.
enum CertificateText {
    /// `code` or `code: detail` for a certificate failure.
    static func failure(_ failure: CertificateFailure) -> String {
        switch failure {
        case .forbiddenURL(let detail), .fetchFailed(let detail), .malformed(let detail), .chainInvalid(let detail),
             .subjectMismatch(let detail), .revocationUnknown(let detail):
            return "\(failure.code): \(detail)"
        case .fetchTimeout, .untrustedRoot, .expired, .notYetValid, .noTNAuthList, .revoked:
            return failure.code
        }
    }

    /// RFC 3339 UTC, seconds precision.
    static func date(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// `spc:1234,range:12155551000+1000,one:12155551212`.
    static func entries(_ list: TNAuthList) -> String {
        list.entries.map { entry in
            switch entry {
            case .spc(let code): return "spc:\(code)"
            case .range(let start, let count): return "range:\(start)+\(count)"
            case .one(let tn): return "one:\(tn)"
            }
        }.joined(separator: ",")
    }

    /// `good`, `good_until=...`, `revoked`, `unknown (reason)`, `not_checked`.
    static func revocation(_ decision: RevocationDecision) -> String {
        switch decision {
        case .good(let until?): return "good_until=\(date(until))"
        case .good(nil): return "good"
        case .revoked: return "revoked"
        case .unknown(let reason): return "unknown(\(reason))"
        case .notApplicable: return "not_checked"
        }
    }

    /// The facts `check-cert` and `cache list` print about a chain.
    static func lines(_ chain: ValidatedChain) -> [String] {
        var lines = [
            "spc=\(chain.spc ?? "-")",
            "cn=\(chain.leafCommonName ?? "-")",
            "serial=\(chain.leafSerial)",
            "not_before=\(date(chain.notBefore))",
            "not_after=\(date(chain.notAfter))",
            "tnauthlist=\(chain.tnAuthList.map(entries) ?? "-")",
        ]
        for list in chain.caTNAuthLists { lines.append("ca_tnauthlist=\(entries(list))") }
        if let constraints = chain.jwtClaimConstraints {
            let permitted = constraints.permittedValues.sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value.joined(separator: "|"))" }
            lines.append("jwt_claim_constraints=must_include:\(constraints.mustInclude.joined(separator: "|"))"
                         + (permitted.isEmpty ? "" : ";permitted:" + permitted.joined(separator: ";")))
        }
        return lines
    }
}
