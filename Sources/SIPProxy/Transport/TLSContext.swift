internal import COpenSSL

/// A TLS context can not be built from the `[tls]` settings: `key` names
/// the setting, `reason` carries OpenSSL's error.
public struct TLSContextError: Error, Equatable, CustomStringConvertible {
    public var key: String
    public var reason: String
    public var description: String { "\(key): \(reason)" }
}

/// One `SSL_CTX` built from `TLSSettings` (docs/ARCHITECTURE.md rule 4):
/// certificate and key, trust anchors, versions, ciphers and groups. It
/// serves accepted and opened connections alike; each `TLSSession` sets
/// its own verification mode. Immutable once built, so connections on any
/// queue may share it; SIGHUP builds a new one and only new connections
/// use it.
public final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer
    public let settings: TLSSettings

    /// Reads the certificate, key and CA files now; throws the first problem.
    public init(settings: TLSSettings) throws {
        guard let ctx = SSL_CTX_new(TLS_method()) else { throw TLSContextError(key: "tls", reason: Self.errors()) }
        context = ctx
        self.settings = settings
        ERR_clear_error()
        // RFC 9325 §3.1: TLS 1.2 at least; 1.3 is the highest OpenSSL speaks.
        let minimum = settings.minVersion == .tls13 ? TLS1_3_VERSION : TLS1_2_VERSION
        guard stird_SSL_CTX_set_min_proto_version(ctx, minimum) == 1,
              stird_SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1 else {
            throw TLSContextError(key: "min_version", reason: Self.errors())
        }
        stird_SSL_CTX_harden(ctx)
        // Idle connections give their read and write buffers back (about
        // 34 KB each), so many idle TLS connections stay cheap.
        _ = stird_SSL_CTX_set_mode(ctx, Int(SSL_MODE_RELEASE_BUFFERS))
        guard SSL_CTX_set_cipher_list(ctx, settings.ciphers) == 1 else {
            throw TLSContextError(key: "ciphers", reason: Self.errors())
        }
        guard SSL_CTX_set_ciphersuites(ctx, settings.ciphersuites) == 1 else {
            throw TLSContextError(key: "ciphersuites", reason: Self.errors())
        }
        guard stird_SSL_CTX_set1_groups_list(ctx, settings.curves) == 1 else {
            throw TLSContextError(key: "curves", reason: Self.errors())
        }
        // Without a certificate the context can only open connections (as a
        // client that presents none); a listener needs one (`TransportLayer`).
        if !settings.certificate.isEmpty || !settings.privateKey.isEmpty { try Self.useCertificate(ctx, settings) }
        if !settings.caFile.isEmpty {
            guard SSL_CTX_load_verify_locations(ctx, settings.caFile, nil) == 1 else {
                throw TLSContextError(key: "ca_file", reason: "\(settings.caFile): \(Self.errors())")
            }
            // The CAs a client certificate may come from, named in the
            // CertificateRequest (RFC 8446 §4.2.4) so a client with
            // several certificates picks the right one.
            if let names = SSL_load_client_CA_file(settings.caFile) { SSL_CTX_set_client_CA_list(ctx, names) }
        } else if settings.verifyClient != .no {
            throw TLSContextError(key: "verify_client", reason: "\(settings.verifyClient.rawValue) needs ca_file (the CAs clients' certificates come from)")
        }
        // Session resumption with client certificates needs an id context.
        let sid: [UInt8] = Array("stird".utf8)
        _ = SSL_CTX_set_session_id_context(ctx, sid, UInt32(sid.count))
        ERR_clear_error()
    }

    deinit { SSL_CTX_free(context) }

    private static func useCertificate(_ ctx: OpaquePointer, _ settings: TLSSettings) throws {
        guard SSL_CTX_use_certificate_chain_file(ctx, settings.certificate) == 1 else {
            throw TLSContextError(key: "certificate", reason: "\(settings.certificate): \(Self.errors())")
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, settings.privateKey, SSL_FILETYPE_PEM) == 1 else {
            throw TLSContextError(key: "private_key", reason: "\(settings.privateKey): \(Self.errors())")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else {
            throw TLSContextError(key: "private_key", reason: "does not match certificate: \(Self.errors())")
        }
    }

    /// OpenSSL's error queue as one line, emptied.
    static func errors() -> String {
        var lines: [String] = []
        var buf = [CChar](repeating: 0, count: 256)
        while stird_ERR_get_error_text(&buf, buf.count) != 0 { lines.append(String(cString: buf)) }
        return lines.isEmpty ? "unknown OpenSSL error" : lines.joined(separator: "; ")
    }
}
