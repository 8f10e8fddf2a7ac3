/// Why a TLS handshake was refused, as a stable metric label and log
/// reason, with OpenSSL's words for the log.
public struct TLSHandshakeFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: String, Equatable, Sendable, CaseIterable {
        /// The first bytes were not a TLS handshake record (RFC 8446 §5.1).
        case notTLS = "not_tls"
        /// `verify_client = yes` and the client sent no certificate.
        case noClientCertificate = "no_client_certificate"
        /// The certificate does not chain to `ca_file`.
        case unknownCA = "unknown_ca"
        /// The certificate is expired or not yet valid.
        case expired
        /// Another certificate problem (signature, purpose, ...).
        case badCertificate = "bad_certificate"
        /// A next hop's certificate names neither the host nor the
        /// address it was reached at (RFC 5922 §7.1, §7.2).
        case nameMismatch = "name_mismatch"
        /// No common version (TLS 1.2 and 1.3 only) or cipher.
        case protocolVersion = "protocol_version"
        /// The peer refused our certificate or the handshake (an alert).
        case peerAlert = "peer_alert"
        /// Not completed within `handshake_timeout_ms`.
        case timeout
        /// The peer closed the connection during the handshake.
        case closed
        /// Anything else OpenSSL refused.
        case error
    }

    public var reason: Reason
    /// OpenSSL's error text or the verification error, for the log.
    public var detail: String

    public init(_ reason: Reason, _ detail: String = "") {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { detail.isEmpty ? reason.rawValue : "\(reason.rawValue): \(detail)" }
}
