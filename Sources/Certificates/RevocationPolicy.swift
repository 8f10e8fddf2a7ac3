// Revocation as composable policy values, modelled on swift-certificates'
// VerifierPolicy / OCSPVerifierPolicy: each policy looks at a
// validated chain and answers; a RevocationChecker runs them in order under
// one deadline. RFC 8226 §10 leaves the choice between short-lived
// certificates and status checks to deployments.
public import Foundation

/// What a revocation policy concluded about a chain.
public enum RevocationDecision: Equatable, Sendable {
    /// Status is good; `until` bounds how long that may be cached
    /// (OCSP/CRL nextUpdate), nil when only notAfter bounds it.
    case good(until: Date?)
    /// The leaf is revoked.
    case revoked
    /// No status could be obtained (responder down, bad response, deadline).
    case unknown(String)
    /// The policy does not decide for this chain; the next one is asked.
    case notApplicable
}

/// Hard or soft failure when a status cannot be obtained
/// (swift-certificates' OCSPFailureMode).
public enum RevocationFailureMode: String, Sendable {
    /// Unknown status rejects the chain (`revocation_unknown`).
    case hard
    /// Unknown status lets the next policy try, then admits the chain.
    case soft
}

/// One revocation policy. Implementations must call `completion` exactly
/// once and no later than `deadline` (plus scheduling slack).
public protocol RevocationPolicy: Sendable {
    /// Failure mode applied when this policy answers `.unknown`.
    var failureMode: RevocationFailureMode { get }
    /// Checks `chain` at `now`; must not block the calling thread.
    func check(_ chain: ValidatedChain, now: Date, deadline: Date,
               completion: @escaping @Sendable (RevocationDecision) -> Void)
}

/// `short_lived`: a leaf whose lifetime is at most `maximumLifetime` needs no
/// status check (RFC 8226 §10 option (a)); longer ones fall through.
public struct ShortLivedPolicy: RevocationPolicy {
    /// Longest leaf lifetime (notAfter - notBefore) exempt from status checks.
    public var maximumLifetime: TimeInterval
    /// Never answers unknown.
    public var failureMode: RevocationFailureMode { .soft }
    /// `short_lived` with the configured maximum lifetime.
    public init(maximumLifetime: TimeInterval) { self.maximumLifetime = maximumLifetime }
    /// Good for short-lived leaves, notApplicable otherwise.
    public func check(_ chain: ValidatedChain, now: Date, deadline: Date,
                      completion: @escaping @Sendable (RevocationDecision) -> Void) {
        completion(chain.leafLifetime <= maximumLifetime ? .good(until: nil) : .notApplicable)
    }
}
