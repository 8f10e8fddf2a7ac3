import Certificates
import Crypto
import Dispatch
import Foundation
import STIRCore

/// A validated x5u chain seen through STIRCore's `VerifiedCertificate`.
struct ChainCertificate: VerifiedCertificate {
    let chain: ValidatedChain
    let publicKey: ES256PublicKey

    func covers(originatingTN: String) -> Bool { chain.covers(tn: originatingTN) }
}

/// Where the verifier gets certificates: the CertificateProvider's cached
/// fast path on the SIP loop, its asynchronous path otherwise (rule 1:
/// never block a loop). Adds the x5u host allow-list and maps certificate
/// failures to RFC 8224 §6.2.2 outcomes (436 could not get it, 437 got it
/// but cannot use it).
public final class CertificateSource: CertificateLookup, @unchecked Sendable {
    public let provider: CertificateProvider
    let allowedHosts: Set<String>
    /// Parsed leaf keys by x5u, so a cache hit does not re-parse the SPKI.
    private var keys: [String: (serial: String, spki: [UInt8], certificate: ChainCertificate)] = [:]
    private let lock = NSLock()

    public init(provider: CertificateProvider, allowedHosts: [String]) {
        self.provider = provider
        self.allowedHosts = Set(allowedHosts)
    }

    /// The answer without waiting, or nil when a fetch is needed.
    public func cached(_ url: String, at time: Date) -> CertificateResult? {
        if let denied = hostViolation(url) { return denied }
        return provider.cachedCertificate(for: url, at: time).map { result(url, $0) }
    }

    /// Fetches (or joins the fetch of) `url`; `completion` runs on `queue`.
    public func fetch(_ url: String, at time: Date, queue: DispatchQueue, completion: @escaping @Sendable (CertificateResult) -> Void) {
        if let denied = hostViolation(url) {
            queue.async { completion(denied) }
            return
        }
        provider.certificate(for: url, at: time, queue: queue) { [self] r in completion(result(url, r)) }
    }

    private func hostViolation(_ url: String) -> CertificateResult? {
        guard !allowedHosts.isEmpty else { return nil }
        let host = URLComponents(string: url)?.host?.lowercased() ?? ""
        return allowedHosts.contains(host) ? nil : .failed(.x5uNotAllowed(url))
    }

    private func result(_ url: String, _ r: Result<ValidatedChain, CertificateFailure>) -> CertificateResult {
        switch r {
        case .failure(let f): return .failed(Self.map(f))
        case .success(let chain):
            lock.lock()
            if let k = keys[url], k.serial == chain.leafSerial, k.spki == chain.leafPublicKeySPKI {
                lock.unlock()
                return .available(k.certificate)
            }
            lock.unlock()
            guard let key = try? ES256PublicKey(derSPKI: chain.leafPublicKeySPKI) else {
                return .failed(.certificateInvalid("leaf key is not P-256"))
            }
            let cert = ChainCertificate(chain: chain, publicKey: key)
            lock.lock()
            if keys.count > 10_000 { keys.removeAll() }
            keys[url] = (chain.leafSerial, chain.leafPublicKeySPKI, cert)
            lock.unlock()
            return .available(cert)
        }
    }

    /// RFC 8224 §6.2.2: 436 when the credential cannot be obtained, 437 when
    /// it was obtained but is not acceptable (one table, in Certificates).
    static func map(_ f: CertificateFailure) -> VerificationFailure {
        if case .forbiddenURL(let why) = f { return f.verificationFailure(detail: why) }
        return f.verificationFailure(detail: f.code)
    }
}
