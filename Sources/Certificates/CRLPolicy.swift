// `crl` revocation policy (RFC 5280 §5, §6.3): fetch the CRL named by the
// leaf's CRL distribution point (HTTP, ATIS-1000080), verify it was signed by
// a CA on the validated path (the issuer, or another path CA as indirect
// cRLIssuer), check lastUpdate/nextUpdate, and look the leaf up. CRLs are
// cached per URL until nextUpdate and fetched once for concurrent checks.
import COpenSSL
import Foundation

/// CRL status check of the leaf certificate, with a shared CRL cache.
public final class CRLPolicy: RevocationPolicy, @unchecked Sendable {
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

    public init(requester: any HTTPRequester, failureMode: RevocationFailureMode) {
        self.requester = requester
        self.failureMode = failureMode
    }

    public func check(_ chain: ValidatedChain, now: Date, deadline: Date,
                      completion: @escaping @Sendable (RevocationDecision) -> Void) {
        guard let url = chain.leaf.crlURLs.first(where: { $0.lowercased().hasPrefix("http") }) else {
            return completion(.notApplicable)
        }
        crl(url, now: now, deadline: deadline) { result in
            switch result {
            case .failure(let failure): completion(.unknown(failure.reason))
            case .success(let crl): completion(crl.decision(for: chain, now: now, skew: self.clockSkew))
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
        let pem: OpaquePointer? = bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_X509_CRL(bio, nil, nil, nil)
        }
        _ = OpenSSLSupport.drainErrors()
        return pem.map(CRL.init)
    }

    var lastUpdate: Date? { OpenSSLSupport.date(X509_CRL_get0_lastUpdate(pointer)) }
    var nextUpdate: Date? { OpenSSLSupport.date(X509_CRL_get0_nextUpdate(pointer)) }

    func decision(for chain: ValidatedChain, now: Date, skew: TimeInterval) -> RevocationDecision {
        // The signer must be a CA of the validated path whose name is the CRL issuer.
        let issuerName = X509_CRL_get_issuer(pointer)
        guard let signer = chain.path.dropFirst().first(where: { X509_NAME_cmp(X509_get_subject_name($0.pointer), issuerName) == 0 }),
              let key = X509_get0_pubkey(signer.pointer) else {
            return .unknown("CRL issuer is not on the certificate path")
        }
        guard X509_CRL_verify(pointer, key) == 1 else {
            _ = OpenSSLSupport.drainErrors()
            return .unknown("CRL signature invalid")
        }
        guard let last = lastUpdate, last <= now + skew else { return .unknown("CRL lastUpdate in the future") }
        guard let next = nextUpdate, next >= now - skew else { return .unknown("CRL stale (nextUpdate passed)") }
        var entry: OpaquePointer?
        if X509_CRL_get0_by_cert(pointer, &entry, chain.leaf.pointer) == 1 { return .revoked }
        return .good(until: next)
    }
}
