// Syntactic rules for x5u URLs before any network access
// (ATIS-1000074 §5.3.1: https, port 443 or 8443, no query, fragment or
// userinfo; RFC 8224 §7.2).
import Foundation

/// Which x5u URLs may be fetched. Address rules (RFC 6890) are applied after
/// resolution by the requester; this checks the URL text.
public struct X5UURLPolicy: Sendable, Equatable {
    /// Allowed schemes; SHAKEN is https only (ATIS-1000074 §5.3.1), although
    /// RFC 8226 §7 also names CID and SIP.
    public var schemes: Set<String> = ["https"]
    /// Allowed ports; an absent port means the scheme default.
    public var ports: Set<Int> = [443, 8443]
    /// Longest URL accepted.
    public var maximumLength = 2048

    /// SHAKEN defaults: https on 443/8443.
    public init() {}

    /// `nil` if `url` may be fetched, else `.forbiddenURL(reason)`.
    public func violation(_ url: String) -> CertificateFailure? {
        guard url.utf8.count <= maximumLength else { return .forbiddenURL("URL longer than \(maximumLength)") }
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased() else {
            return .forbiddenURL("unparsable URL")
        }
        guard schemes.contains(scheme) else { return .forbiddenURL("scheme \(scheme) not allowed") }
        guard let host = parts.host, !host.isEmpty else { return .forbiddenURL("no host") }
        guard parts.user == nil, parts.password == nil else { return .forbiddenURL("userinfo not allowed") }
        guard parts.query == nil else { return .forbiddenURL("query not allowed") }
        guard parts.fragment == nil else { return .forbiddenURL("fragment not allowed") }
        guard !parts.percentEncodedPath.contains(";") else { return .forbiddenURL("path parameters not allowed") }
        let port = parts.port ?? (scheme == "https" ? 443 : 80)
        guard ports.contains(port) else { return .forbiddenURL("port \(port) not allowed") }
        return nil
    }
}
