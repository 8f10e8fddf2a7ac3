import Certificates
import Dispatch
import Foundation
import STIRCore

/// Fetches the content behind Rich Call Data URLs (`icn`, `jcl`) whose
/// `rcdi` digest must be checked (RFC 9795 §6, §8.2), through the same
/// non-blocking, SSRF-guarded HTTP client as x5u (libcurl, special-purpose
/// addresses refused unless allowed, no redirects; ARCHITECTURE rule 7),
/// with the x5u URL rules (https, `x5u_ports`), `fetch_timeout_ms` and
/// `fetch_max_bytes`. A failed fetch leaves the content unverified (§8.2:
/// it does not fail the call).
public final class RcdContentFetcher: Sendable {
    let requester: any HTTPRequester
    let policy: X5UURLPolicy
    let timeout: Double
    let maximumBytes: Int

    public init(requester: any HTTPRequester, policy: X5UURLPolicy, timeout: Double, maximumBytes: Int) {
        self.requester = requester
        self.policy = policy
        self.timeout = timeout
        self.maximumBytes = maximumBytes
    }

    /// From `[verify]`: the x5u fetch settings.
    convenience init(_ v: VerifyConfiguration) {
        var curl = CurlRequester.Configuration()
        curl.allowSpecialPurposeAddresses = v.certificates.allowSpecialPurposeAddresses
        curl.caFile = v.certificates.httpsCAFile
        curl.connectTimeout = Double(v.certificates.fetchTimeoutMs) / 1000
        var policy = X5UURLPolicy()
        policy.schemes = ["https"]
        policy.ports = Set(v.certificates.x5uPorts)
        self.init(requester: CurlRequester(configuration: curl), policy: policy, timeout: Double(v.certificates.fetchTimeoutMs) / 1000,
                  maximumBytes: v.certificates.fetchMaxBytes)
    }

    /// The body of `url` (status 200), or nil; `completion` runs on `queue`.
    func fetch(_ url: String, queue: DispatchQueue, completion: @escaping @Sendable ([UInt8]?) -> Void) {
        guard policy.violation(url) == nil else {
            queue.async { completion(nil) }
            return
        }
        requester.send(HTTPRequest(url: url, timeout: timeout, maximumBodyBytes: maximumBytes)) { result in
            let body: [UInt8]? = if case .success(let r) = result, r.status == 200 { r.body } else { nil }
            queue.async { completion(body) }
        }
    }

    /// The `icn` / `jcl` URLs of candidate PASSporTs whose `rcdi` names a
    /// digest of their content: what `RcdPresenter` cannot check without a fetch.
    static func urlsToFetch(_ claims: [PASSporTClaims]) -> [String] {
        var urls: [String] = []
        for c in claims {
            guard case .needsContent(let external) = RcdIntegrity.check(rcd: c.rcd, rcdi: c.rcdi), let rcd = c.rcd else { continue }
            for key in ["icn", "jcl"] {
                if let url = rcd[key]?.stringValue, external[url] != nil, !urls.contains(url) { urls.append(url) }
            }
        }
        return urls
    }
}
