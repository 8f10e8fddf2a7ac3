internal import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// One TLS connection's `SSL` over two memory BIOs (docs/ARCHITECTURE.md
/// rule 4). It never touches a socket: `TCPConnection` reads ciphertext
/// from its non-blocking descriptor and hands it to `receive`, and writes
/// whatever `takeOutput` returns, so handshakes and records move on the
/// transport queue's read and write sources like plain TCP bytes and
/// nothing here can block.
final class TLSSession {
    enum Role {
        /// An accepted connection; asks for a client certificate per `verify`.
        case server(verify: TLSSettings.ClientVerification)
        /// A connection we opened to a next hop reached as `name` (a host
        /// name, or the numeric address when there is none).
        case client(name: String)
    }

    private let ssl: OpaquePointer
    private let input: OpaquePointer
    private let output: OpaquePointer
    /// Kept alive as long as the `SSL` built from it.
    private let context: TLSContext
    let role: Role
    private(set) var established = false
    /// The peer sent close_notify (RFC 8446 §6.1).
    private(set) var peerClosed = false
    /// Nothing but the first bytes decide whether the peer speaks TLS.
    private var sawFirstByte = false

    init?(context: TLSContext, role: Role) {
        guard let ssl = SSL_new(context.context) else { return nil }
        guard let input = BIO_new(BIO_s_mem()), let output = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            return nil
        }
        // The SSL owns both BIOs from here and frees them with itself.
        SSL_set_bio(ssl, input, output)
        self.ssl = ssl
        self.input = input
        self.output = output
        self.context = context
        self.role = role
        switch role {
        case let .server(verify):
            SSL_set_accept_state(ssl)
            switch verify {
            case .no: SSL_set_verify(ssl, SSL_VERIFY_NONE, nil)
            case .optional: SSL_set_verify(ssl, SSL_VERIFY_PEER, nil)
            case .yes: SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
            }
        case let .client(name):
            SSL_set_connect_state(ssl)
            // The chain is checked against ca_file during the handshake;
            // the name afterwards (`checkServerIdentity`), so that SIP URI
            // subjectAltNames count too (RFC 5922 §7.1).
            SSL_set_verify(ssl, SSL_VERIFY_PEER, nil)
            // SNI carries host names only (RFC 6066 §3).
            if SocketAddress(host: name, port: 0) == nil { _ = stird_SSL_set_tlsext_host_name(ssl, name) }
        }
    }

    deinit { SSL_free(ssl) }

    /// Starts a client handshake: the ClientHello waits in `takeOutput`.
    func start() throws {
        _ = try advanceHandshake()
    }

    /// Takes ciphertext from the socket; returns the plaintext it completed
    /// (empty during the handshake). Records to send back (handshake
    /// messages, alerts) wait in `takeOutput`. Throws when the handshake
    /// or the record layer fails.
    /// Decrypts into `scratch`, the transport queue's shared plaintext
    /// buffer (`StreamReadBuffers`).
    func receive(_ bytes: UnsafeRawBufferPointer, scratch: UnsafeMutableRawBufferPointer) throws -> [UInt8] {
        if !sawFirstByte, let first = bytes.first {
            sawFirstByte = true
            // RFC 8446 §5.1: a ClientHello (or ServerHello) travels in a
            // handshake record, content type 22.
            if first != 22 { throw TLSHandshakeFailure(.notTLS, String(format: "first byte 0x%02x", first)) }
        }
        let written = BIO_write(input, bytes.baseAddress, Int32(bytes.count))
        guard written == bytes.count else { throw TLSHandshakeFailure(.error, "memory BIO write failed") }
        if !established {
            guard try advanceHandshake() else { return [] }
        }
        var plain: [UInt8] = []
        while true {
            ERR_clear_error()
            let n = SSL_read(ssl, scratch.baseAddress, Int32(scratch.count))
            if n > 0 {
                plain.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<Int(n)]))
                continue
            }
            let e = SSL_get_error(ssl, n)
            if e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE { break }
            if e == SSL_ERROR_ZERO_RETURN { peerClosed = true; break }
            // After the handshake this is mostly an alert from the peer
            // (a TLS 1.3 server refusing our certificate, RFC 8446 §4.4.2).
            throw classify(e)
        }
        return plain
    }

    /// Encrypts `plain` into records waiting in `takeOutput`.
    func seal(_ plain: [UInt8]) throws {
        guard !plain.isEmpty else { return }
        ERR_clear_error()
        // A memory BIO grows as needed, so SSL_write takes everything at once.
        let n = plain.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
        guard n == plain.count else { throw TLSHandshakeFailure(.error, TLSContext.errors()) }
    }

    /// Queues close_notify (RFC 8446 §6.1) in `takeOutput`.
    func closeNotify() {
        ERR_clear_error()
        if established { _ = SSL_shutdown(ssl) }
        ERR_clear_error()
    }

    /// Ciphertext produced since the last call, to write to the socket.
    func takeOutput() -> [UInt8] {
        let pending = Int(BIO_ctrl_pending(output))
        guard pending > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: pending)
        let n = out.withUnsafeMutableBytes { BIO_read(output, $0.baseAddress, Int32($0.count)) }
        return n > 0 ? Array(out[0..<Int(n)]) : []
    }

    /// One step of the handshake: true once it has completed.
    private func advanceHandshake() throws -> Bool {
        ERR_clear_error()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 {
            established = true
            return true
        }
        let e = SSL_get_error(ssl, rc)
        if e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE { return false }
        throw classify(e)
    }

    /// Names the failure from the certificate verification result, else
    /// from OpenSSL's reason code.
    private func classify(_ sslError: Int32) -> TLSHandshakeFailure {
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK {
            let text = String(cString: X509_verify_cert_error_string(verify))
            ERR_clear_error()
            switch Int32(verify) {
            case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID:
                return TLSHandshakeFailure(.expired, text)
            case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
                 X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
                 X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
                return TLSHandshakeFailure(.unknownCA, text)
            case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
                return TLSHandshakeFailure(.nameMismatch, text)
            default:
                return TLSHandshakeFailure(.badCertificate, text)
            }
        }
        let code = ERR_peek_error()
        let reason = stird_ERR_reason(code)
        let text = code == 0 ? (sslError == SSL_ERROR_SYSCALL || sslError == SSL_ERROR_ZERO_RETURN ? "connection closed" : "handshake failed")
            : TLSContext.errors()
        switch reason {
        case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE, SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
            return TLSHandshakeFailure(.noClientCertificate, text)
        case SSL_R_WRONG_VERSION_NUMBER, SSL_R_HTTP_REQUEST:
            return TLSHandshakeFailure(.notTLS, text)
        case SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_NO_PROTOCOLS_AVAILABLE, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION,
             SSL_R_NO_SHARED_CIPHER:
            return TLSHandshakeFailure(.protocolVersion, text)
        default:
            // Alerts the peer sent us: SSL_R_SSLV3_ALERT_* and SSL_R_TLSV1_ALERT_* are 1000 + alert.
            if reason > 1000 && reason < 1256 { return TLSHandshakeFailure(.peerAlert, text) }
            return TLSHandshakeFailure(.error, text)
        }
    }

    // MARK: the peer's certificate

    /// RFC 5922 §7.1, §7.2: the next hop's certificate must name the host
    /// it was reached as: a subjectAltName dNSName (no wildcards; the
    /// subject CN is never used) or a SIP URI `sip:host`; for a next hop
    /// known only by its address, an iPAddress entry.
    func checkServerIdentity() -> TLSHandshakeFailure? {
        guard case let .client(name) = role else { return nil }
        guard let cert = SSL_get0_peer_certificate(ssl) else { return TLSHandshakeFailure(.nameMismatch, "no certificate") }
        if SocketAddress(host: name, port: 0) != nil {
            let bare = name.hasPrefix("[") ? String(name.dropFirst().dropLast()) : name
            if X509_check_ip_asc(cert, bare, 0) == 1 { return nil }
        } else {
            let flags = UInt32(X509_CHECK_FLAG_NO_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT)
            if X509_check_host(cert, name, name.utf8.count, flags, nil) == 1 { return nil }
            let wanted = "sip:" + name.lowercased()
            if Self.subjectAltNames(cert, type: stird_GEN_URI()).contains(where: { $0.lowercased() == wanted }) { return nil }
        }
        ERR_clear_error()
        let names = Self.subjectAltNames(cert, type: stird_GEN_DNS()) + Self.subjectAltNames(cert, type: stird_GEN_URI())
        return TLSHandshakeFailure(.nameMismatch, "certificate names \(names.isEmpty ? "nothing" : names.joined(separator: ", ")), not \(name)")
    }

    /// What identifies the peer by its verified certificate, for
    /// `[peer] tls_identities`: its subjectAltName dNSNames and URIs
    /// (lower-cased), and `sha256:` with the hex SHA-256 of the
    /// certificate's DER. Empty when it sent none or it was not verified.
    func peerIdentities() -> [String] {
        guard established, let cert = SSL_get0_peer_certificate(ssl), SSL_get_verify_result(ssl) == X509_V_OK else { return [] }
        var out = Self.subjectAltNames(cert, type: stird_GEN_DNS()).map { $0.lowercased() }
        out += Self.subjectAltNames(cert, type: stird_GEN_URI()).map { $0.lowercased() }
        var digest = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        if X509_digest(cert, EVP_sha256(), &digest, &length) == 1 {
            out.append("sha256:" + digest[0..<Int(length)].map { String(format: "%02x", $0) }.joined())
        }
        return out
    }

    /// Negotiated protocol version ("TLSv1.3"), for the log.
    var version: String { String(cString: SSL_get_version(ssl)) }

    private static func subjectAltNames(_ cert: OpaquePointer, type: Int32) -> [String] {
        var out: [String] = []
        var buf = [CChar](repeating: 0, count: 1_024)
        var index: Int32 = 0
        while stird_x509_san(cert, type, index, &buf, buf.count) >= 0 {
            out.append(String(cString: buf))
            index += 1
        }
        return out
    }
}
