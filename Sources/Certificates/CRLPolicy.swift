// `crl` revocation policy (RFC 5280 §5, §6.3): for the leaf and each
// intermediate, fetch the CRL named by its CRL distribution point (HTTP,
// ATIS-1000080), verify it was signed by a CA above it on the validated path
// (the issuer, or another path CA as indirect cRLIssuer), check
// lastUpdate/nextUpdate, and look the certificate up. CRLs are
// cached per URL until nextUpdate and fetched once for concurrent checks.
import COpenSSL
import Crypto
public import Foundation

/// CRL status check of the leaf and intermediates, with a shared CRL cache.
public final class CRLPolicy: RevocationPolicy, @unchecked Sendable {
    /// Hard or soft failure when a CRL cannot be obtained or trusted.
    public let failureMode: RevocationFailureMode
    /// Tolerated clock difference with the CRL issuer (seconds).
    public var clockSkew: TimeInterval = 300
    /// Largest CRL accepted (STI-PA CRLs are small; bound memory anyway).
    public var maximumCRLBytes = 4 * 1024 * 1024
    let requester: any HTTPRequester

    private let lock = NSLock()
    private var crls: [String: CRL] = [:]
    private var waiting: [String: [@Sendable (Result<CRL, CRLUnavailable>) -> Void]] = [:]
    /// CRL downloads started (for tests and metrics).
    public private(set) var fetches = 0

    /// - Parameter requester: fetches CRLs (plain HTTP allowed; the address
    ///   rules of the requester still apply).
    public init(requester: any HTTPRequester, failureMode: RevocationFailureMode) {
        self.requester = requester
        self.failureMode = failureMode
    }

    /// `notApplicable` when no certificate names a CRL; else the combined status.
    public func check(_ chain: ValidatedChain, now: Date, deadline: Date,
                      completion: @escaping @Sendable (RevocationDecision) -> Void) {
        // Every certificate below the anchor that names an HTTP CRL DP is
        // checked (ATIS-1000080 puts one on intermediates and leaves).
        let targets: [(index: Int, url: String)] = chain.path.indices.dropLast().compactMap { index in
            chain.path[index].crlURLs.first { $0.lowercased().hasPrefix("http") }.map { (index, $0) }
        }
        guard !targets.isEmpty else { return completion(.notApplicable) }
        walk(targets[...], chain: chain, now: now, deadline: deadline, until: nil, completion: completion)
    }

    /// Checks targets in order; the first revoked or unknown ends the walk,
    /// otherwise good until the earliest nextUpdate.
    private func walk(_ targets: ArraySlice<(index: Int, url: String)>, chain: ValidatedChain, now: Date, deadline: Date,
                      until: Date?, completion: @escaping @Sendable (RevocationDecision) -> Void) {
        guard let target = targets.first else { return completion(.good(until: until)) }
        crl(target.url, now: now, deadline: deadline) { result in
            switch result {
            case .failure(let failure):
                completion(.unknown(failure.reason))
            case .success(let crl):
                switch crl.decision(for: chain, index: target.index, now: now, skew: self.clockSkew) {
                case .good(let next):
                    let earliest = [until, next].compactMap { $0 }.min()
                    self.walk(targets.dropFirst(), chain: chain, now: now, deadline: deadline, until: earliest,
                              completion: completion)
                case let other:
                    completion(other)
                }
            }
        }
    }

    /// Drops cached CRLs (reload).
    public func purge() {
        lock.lock()
        crls.removeAll()
        lock.unlock()
    }

    private func crl(_ url: String, now: Date, deadline: Date,
                     completion: @escaping @Sendable (Result<CRL, CRLUnavailable>) -> Void) {
        lock.lock()
        if let cached = crls[url], let next = cached.nextUpdate, next > now {
            lock.unlock()
            return completion(.success(cached))
        }
        if waiting[url] != nil {
            waiting[url]!.append(completion)
            lock.unlock()
            return
        }
        waiting[url] = [completion]
        fetches += 1
        lock.unlock()
        let remaining = deadline.timeIntervalSince(now)
        let request = HTTPRequest(url: url, timeout: max(0.001, remaining), maximumBodyBytes: maximumCRLBytes)
        requester.send(request) { result in
            let outcome: Result<CRL, CRLUnavailable>
            switch result {
            case .failure(let failure): outcome = .failure(CRLUnavailable("CRL \(failure.code)"))
            case .success(let response) where response.status != 200: outcome = .failure(CRLUnavailable("CRL HTTP \(response.status)"))
            case .success(let response):
                outcome = CRL.parse(response.body).map { .success($0) } ?? .failure(CRLUnavailable("CRL unparsable"))
            }
            self.lock.lock()
            if case .success(let crl) = outcome { self.crls[url] = crl }
            let waiters = self.waiting.removeValue(forKey: url) ?? []
            self.lock.unlock()
            for waiter in waiters { waiter(outcome) }
        }
    }
}

/// Why a CRL could not be obtained.
struct CRLUnavailable: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// One parsed X509_CRL (owner of the C pointer).
final class CRL: @unchecked Sendable {
    let pointer: OpaquePointer
    private init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_CRL_free(pointer) }

    /// DER (RFC 5280) or PEM.
    static func parse(_ bytes: [UInt8]) -> CRL? {
        let der: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509_CRL(nil, &cursor, buffer.count)
        }
        if let der { return CRL(der) }
        let pem = OpenSSLSupport.withMemoryBIO(bytes) { PEM_read_bio_X509_CRL($0, nil, nil, nil) } ?? nil
        OpenSSLErrorQueue.clear()
        return pem.map(CRL.init)
    }

    var lastUpdate: Date? { OpenSSLSupport.date(X509_CRL_get0_lastUpdate(pointer)) }
    var nextUpdate: Date? { OpenSSLSupport.date(X509_CRL_get0_nextUpdate(pointer)) }

    /// Status of `chain.path[index]` according to this CRL.
    func decision(for chain: ValidatedChain, index: Int, now: Date, skew: TimeInterval) -> RevocationDecision {
        // The signer must be a CA above the certificate on the validated path
        // whose name is the CRL issuer (its issuer, or an indirect cRLIssuer).
        let issuerName = X509_CRL_get_issuer(pointer)
        guard let signer = chain.path[(index + 1)...].first(where: { X509_NAME_cmp(X509_get_subject_name($0.pointer), issuerName) == 0 }),
              let key = X509_get0_pubkey(signer.pointer) else {
            return .unknown("CRL issuer is not on the certificate path")
        }
        guard X509_CRL_verify(pointer, key) == 1 else {
            OpenSSLErrorQueue.clear()
            return .unknown("CRL signature invalid")
        }
        guard let last = lastUpdate, last <= now + skew else { return .unknown("CRL lastUpdate in the future") }
        guard let next = nextUpdate, next >= now - skew else { return .unknown("CRL stale (nextUpdate passed)") }
        var entry: OpaquePointer?
        if X509_CRL_get0_by_cert(pointer, &entry, chain.path[index].pointer) == 1 { return .revoked }
        return .good(until: next)
    }
}
