import Dispatch
import Foundation
import STIRCore

/// How the verification processor obtains certificates without blocking
/// the SIP loop; `CertificateSource` in production, a fake in tests.
public protocol CertificateLookup: AnyObject, Sendable {
    /// The answer without waiting, or nil when a fetch is needed.
    func cached(_ url: String, at time: Date) -> CertificateResult?
    /// Fetches `url`; `completion` runs once on `queue`.
    func fetch(_ url: String, at time: Date, queue: DispatchQueue, completion: @escaping @Sendable (CertificateResult) -> Void)
}
