import Certificates
import Dispatch
import Foundation
import STIRCore

/// Blocking certificate lookups for the CLI, through the same
/// CertificateProvider the daemon uses (validation, TTL rules, revocation).
/// Every wait is bounded by the provider's deadline plus a margin.
struct X5ULookup {
    /// What one Identity header says about its certificate.
    struct Reference {
        /// x5u (full form) or `info` (compact form).
        var url: String
        /// PASSporT iat, the time the chain must be valid at (RFC 8224 §6.2 step 4).
        var iat: Int64
        /// Raw payload JSON, for the JWT Claim Constraints (RFC 8226 §8); nil for compact form.
        var payload: [UInt8]?
    }

    let provider: CertificateProvider
    let deadline: TimeInterval

    /// The references of every header that parses; headers that do not are
    /// decided by the verifier without a certificate.
    static func references(identityHeaders: [String], now: Int64) -> [Reference] {
        identityHeaders.compactMap { value in
            guard let header = try? IdentityHeader.parse(value) else { return nil }
            guard !header.isCompact, let passport = try? PASSporT.decode(header.token) else {
                return Reference(url: header.info, iat: now, payload: nil)
            }
            let segments = header.token.split(separator: ".", omittingEmptySubsequences: false)
            let payload = segments.count == 3 ? Base64URL.decode(segments[1]) : nil
            return Reference(url: passport.header.x5u ?? header.info, iat: passport.claims.iat, payload: payload)
        }
    }

    /// Looks up every URL concurrently (one fetch per URL) and waits.
    func fetch(_ urls: [String], at times: [String: Int64]) -> [String: Result<ValidatedChain, CertificateFailure>] {
        let box = ResultBox()
        let group = DispatchGroup()
        let queue = DispatchQueue(label: "stirctl.x5u")
        for url in urls {
            group.enter()
            let time = Date(timeIntervalSince1970: TimeInterval(times[url] ?? Int64(Date().timeIntervalSince1970)))
            provider.certificate(for: url, at: time, queue: queue) { result in
                box.set(url, result)
                group.leave()
            }
        }
        _ = group.wait(timeout: .now() + deadline + 1.5)
        var results = box.all
        for url in urls where results[url] == nil { results[url] = .failure(.fetchTimeout) }
        return results
    }

    /// Validates a local chain as if served at `url` (`verify --cert` with
    /// trust anchors, `cache import`): path, STIR checks and revocation.
    func importChain(pem: [UInt8], for url: String) -> Result<ValidatedChain, CertificateFailure> {
        let box = ResultBox()
        let semaphore = DispatchSemaphore(value: 0)
        provider.importChain(pem: pem, for: url) { result in
            box.set("", result)
            semaphore.signal()
        }
        _ = semaphore.wait(timeout: .now() + deadline + 1.5)
        return box.all[""] ?? .failure(.fetchTimeout)
    }

    /// Verifier input for one URL: the chain checked at iat, then the JWT
    /// Claim Constraints of the leaf against every PASSporT naming the URL.
    static func certificateResult(_ lookup: Result<ValidatedChain, CertificateFailure>, url: String,
                                  references: [Reference]) -> CertificateResult {
        let mine = references.filter { $0.url == url }
        guard case .success(let chain) = lookup else { return ChainCertificate.result(lookup) }
        for reference in mine {
            if let failure = chain.validityFailure(at: Date(timeIntervalSince1970: TimeInterval(reference.iat))) {
                return ChainCertificate.result(.failure(failure))
            }
            if let constraints = chain.jwtClaimConstraints, let payload = reference.payload,
               let violation = constraints.violation(payloadJSON: payload) {
                return .failed(.claimInvalid("JWTClaimConstraints: \(violation)"))
            }
        }
        return ChainCertificate.result(.success(chain))
    }
}

/// Results gathered from completion handlers on other threads.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [String: Result<ValidatedChain, CertificateFailure>] = [:]
    func set(_ key: String, _ value: Result<ValidatedChain, CertificateFailure>) {
        lock.lock()
        results[key] = value
        lock.unlock()
    }
    var all: [String: Result<ValidatedChain, CertificateFailure>] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
