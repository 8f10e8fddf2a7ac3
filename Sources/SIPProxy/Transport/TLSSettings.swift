/// The `[tls]` INI section: this proxy's certificate and what it requires
/// of the other end of a TLS connection (RFC 3261 §26.3.1, RFC 5922 §7).
public struct TLSSettings: Equatable, Sendable {
    /// Whether an accepted connection must present a client certificate
    /// (mutual TLS; RFC 5922 §7.3: a server may ask for one).
    public enum ClientVerification: String, Equatable, Sendable, CaseIterable {
        /// No certificate is asked for.
        case no
        /// One is asked for; a connection without one is still accepted,
        /// but a certificate that does not verify against `caFile` is refused.
        case optional
        /// A connection without a certificate that verifies is refused.
        case yes
    }

    /// The lowest protocol version accepted; TLS 1.3 is always the highest.
    public enum MinimumVersion: String, Equatable, Sendable, CaseIterable {
        case tls12 = "1.2"
        case tls13 = "1.3"
    }

    /// PEM certificate chain presented to peers (leaf first), server and client side.
    public var certificate = ""
    /// PEM private key of `certificate`.
    public var privateKey = ""
    /// PEM trust anchors for client certificates and next hops' server certificates.
    public var caFile = ""
    public var verifyClient: ClientVerification = .no
    /// A connection whose handshake has not completed by then is closed.
    public var handshakeTimeout: Duration = .seconds(5)
    public var minVersion: MinimumVersion = .tls12
    /// TLS 1.2 cipher list (OpenSSL syntax): ECDHE with AEAD ciphers only,
    /// forward secrecy and no CBC (RFC 9325 §4.2).
    public var ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
        + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
    /// TLS 1.3 cipher suites (RFC 8446 §9.1 mandatory ones first).
    public var ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
    /// Key exchange groups, preferred first.
    public var curves = "X25519:P-256:P-384"

    public init() {}

    /// A TLS context can be built: a certificate and key are configured.
    public var isConfigured: Bool { !certificate.isEmpty && !privateKey.isEmpty }
}
