import SIPCore
import STIRCore

/// `[verify] rcd_present`: how a verified caller name (RFC 9795) reaches
/// the callee.
public struct RcdPresentation: Equatable, Sendable {
    /// `name`: the From display-name becomes `nam` (§5.1.1).
    public var name = false
    /// `call_info`: `icn` and `jcl` as Call-Info `purpose=icon` / `purpose=jcard`
    /// (§5.1.3, §5.1.5; RFC 3261 §20.9).
    public var callInfo = false
    /// `rcd_only_attest_a`: present only when the call verified with attestation A.
    public var onlyAttestationA = false
    public init() {}

    /// Anything to present: `ppt=rcd` is then supported by the verifier.
    public var isEnabled: Bool { name || callInfo }
}

/// Applies `RcdPresentation` to a verified request (RFC 9795 §8): the rcd
/// claims of a valid PASSporT are used only when their `rcdi` digests
/// match (§8.1: any failure, none of them); a URL whose digest needs its
/// content fetched is not presented (§8.2: not verified). Names that a
/// peer we do not trust put in From or Call-Info are removed, so the
/// callee sees only signed names.
enum RcdPresenter {
    /// What happened, for the log.
    enum Outcome: Equatable {
        case none
        case presented(String)
        case integrityFailed(String)
        case notAttestationA
    }

    static func apply(_ result: VerificationResult, to request: SIPMessage, peer: PeerConfiguration,
                      presentation: RcdPresentation, contents: [String: [UInt8]] = [:]) -> Outcome {
        var outcome = Outcome.none
        var nam: String?
        var urls: [(url: String, purpose: String)] = []
        if result.isValid, let header = result.headers.first(where: { $0.outcome == .valid && $0.claims?.rcd?.objectValue != nil }),
           let claims = header.claims, let rcd = claims.rcd {
            if presentation.onlyAttestationA && result.attestation != .a {
                outcome = .notAttestationA
            } else {
                var unverified: [String: String] = [:]
                switch RcdIntegrity.check(rcd: rcd, rcdi: claims.rcdi) {
                case .failed(let why): outcome = .integrityFailed(why)
                case .needsContent(let external):
                    // §8.2: fetched content whose digest matches is verified;
                    // a mismatch or a failed fetch leaves that URL unshown.
                    unverified = external.filter { url, digest in !(contents[url].map { RcdIntegrity.matches($0, digest) } ?? false) }
                case .verified: break
                }
                if case .none = outcome {
                    nam = rcd["nam"]?.stringValue
                    for (key, purpose) in [("icn", "icon"), ("jcl", "jcard")] {
                        if let url = rcd[key]?.stringValue, unverified[url] == nil { urls.append((url, purpose)) }
                    }
                    outcome = .presented(nam ?? "")
                }
            }
        }
        if !peer.trusted {
            if nam == nil || !presentation.name, let from = request.headers(named: "From").first {
                request.setHeader(name: "From", value: DisplayNameEditor.set(from, name: nil))
            }
            let kept = request.headers(named: "Call-Info").filter { !Self.isCallerIdentity($0) }
            if kept.count != request.headers(named: "Call-Info").count {
                request.removeHeaders(named: "Call-Info")
                for value in kept { request.addHeader(name: "Call-Info", value: value) }
            }
        }
        if presentation.name, let nam, let from = request.headers(named: "From").first {
            request.setHeader(name: "From", value: DisplayNameEditor.set(from, name: nam))
        }
        if presentation.callInfo {
            for (url, purpose) in urls { request.addHeader(name: "Call-Info", value: "<\(url)>;purpose=\(purpose)") }
        }
        return outcome
    }

    /// A Call-Info value that shows the caller (icon, jcard or info).
    static func isCallerIdentity(_ value: String) -> Bool {
        let lower = value.lowercased().replacingOccurrences(of: " ", with: "")
        return lower.contains("purpose=icon") || lower.contains("purpose=jcard") || lower.contains("purpose=info")
    }
}
