// Runs revocation policies in configured order under one deadline
// (INI `revocation = short_lived, ocsp, crl`; swift-certificates'
// single deadline for all revocation work).
public import Foundation

/// An ordered composition of revocation policies.
///
/// Each policy is asked in turn: `good` or `revoked` ends the walk;
/// `notApplicable` asks the next; `unknown` ends with `revocation_unknown`
/// under a hard-fail policy, or asks the next under a soft-fail one. When no
/// policy decides, the chain is admitted with the last soft `unknown` (or
/// `notApplicable` when nobody knew anything).
public struct RevocationChecker: Sendable {
    /// Policies in evaluation order.
    public var policies: [any RevocationPolicy]

    /// Composition of `policies`, asked in order.
    public init(_ policies: [any RevocationPolicy]) { self.policies = policies }

    /// No checking at all (`revocation = none`).
    public static let none = RevocationChecker([])

    /// Evaluates `chain`; completion runs once, on an arbitrary thread.
    public func check(_ chain: ValidatedChain, now: Date, deadline: Date,
                      completion: @escaping @Sendable (Result<RevocationDecision, CertificateFailure>) -> Void) {
        step(0, chain: chain, now: now, deadline: deadline, softUnknown: nil, completion: completion)
    }

    private func step(_ index: Int, chain: ValidatedChain, now: Date, deadline: Date, softUnknown: String?,
                      completion: @escaping @Sendable (Result<RevocationDecision, CertificateFailure>) -> Void) {
        guard index < policies.count else {
            completion(.success(softUnknown.map(RevocationDecision.unknown) ?? .notApplicable))
            return
        }
        let policy = policies[index]
        policy.check(chain, now: now, deadline: deadline) { decision in
            switch decision {
            case .good:
                completion(.success(decision))
            case .revoked:
                completion(.failure(.revoked))
            case .notApplicable:
                step(index + 1, chain: chain, now: now, deadline: deadline, softUnknown: softUnknown, completion: completion)
            case .unknown(let reason):
                if policy.failureMode == .hard {
                    completion(.failure(.revocationUnknown(reason)))
                } else {
                    step(index + 1, chain: chain, now: now, deadline: deadline, softUnknown: reason, completion: completion)
                }
            }
        }
    }
}

extension RevocationChecker {
    /// Builds the composition of `steps` in order (`none` entries add
    /// nothing); a step without its own mode gets `failureMode`.
    public init(steps: [RevocationStep], failureMode: RevocationFailureMode, shortLivedMaximum: TimeInterval,
                requester: any HTTPRequester, anchors: TrustAnchors) {
        var policies: [any RevocationPolicy] = []
        for step in steps {
            let mode = step.failureMode ?? failureMode
            switch step.method {
            case .none: continue
            case .shortLived: policies.append(ShortLivedPolicy(maximumLifetime: shortLivedMaximum))
            case .ocsp: policies.append(OCSPPolicy(requester: requester, anchors: anchors, failureMode: mode))
            case .crl: policies.append(CRLPolicy(requester: requester, failureMode: mode))
            }
        }
        self.init(policies)
    }

    /// Parses `names` (`short_lived, ocsp:soft, crl:hard`, see
    /// `RevocationStep`) and builds the composition; an unknown name or mode
    /// throws `CertificateFailure.malformed` naming the offender.
    public static func named(_ names: [String], failureMode: RevocationFailureMode,
                             shortLivedMaximum: TimeInterval, requester: any HTTPRequester,
                             anchors: TrustAnchors) throws -> RevocationChecker {
        let steps = try RevocationStep.parseList(names).get()
        return RevocationChecker(steps: steps, failureMode: failureMode, shortLivedMaximum: shortLivedMaximum,
                                 requester: requester, anchors: anchors)
    }
}
