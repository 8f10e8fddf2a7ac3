import COpenSSL

/// A P-256 public key for checking ES256 signatures (RFC 7518 §3.4).
///
/// Owns one `EVP_PKEY`. Verification allocates a fresh `EVP_MD_CTX` per call,
/// so one instance may be used from several threads at once.
public final class ES256PublicKey: @unchecked Sendable {
    let pkey: OpaquePointer
    /// DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
    public let derSPKI: [UInt8]
    /// Verification contexts reused across calls (see `PKeyContextPool`).
    private let contexts: PKeyContextPool

    private init(owning pkey: OpaquePointer) throws {
        do {
            try OpenSSLSupport.requireP256(pkey, "load public key")
            self.derSPKI = try OpenSSLSupport.derSPKI(pkey, "encode public key")
        } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
        self.pkey = pkey
        self.contexts = PKeyContextPool(pkey: pkey, operation: .verify)
    }

    /// Loads a PEM `BEGIN PUBLIC KEY` (SubjectPublicKeyInfo).
    public convenience init(pem: String) throws {
        let pkey = try OpenSSLSupport.withMemoryBIO(pem) { bio -> OpaquePointer in
            guard let k = PEM_read_bio_PUBKEY(bio, nil, nil, nil) else {
                throw CryptoError.drain("parse public key PEM")
            }
            return k
        }
        try self.init(owning: pkey)
    }

    /// Loads a DER SubjectPublicKeyInfo. Trailing bytes are rejected.
    public convenience init(derSPKI: [UInt8]) throws {
        let pkey = try derSPKI.withUnsafeBufferPointer { buf -> OpaquePointer in
            var p: UnsafePointer<UInt8>? = buf.baseAddress
            guard let k = d2i_PUBKEY(nil, &p, buf.count) else {
                throw CryptoError.drain("parse public key DER")
            }
            if let p, let base = buf.baseAddress, p - base != buf.count {
                EVP_PKEY_free(k)
                throw CryptoError(operation: "parse public key DER", openSSLErrors: ["trailing bytes"])
            }
            return k
        }
        try self.init(owning: pkey)
    }

    /// Takes the subject public key of the first certificate in a PEM text
    /// (`BEGIN CERTIFICATE`). No chain or validity checks: that is the
    /// Certificates module's job.
    public convenience init(certificatePEM: String) throws {
        let pkey = try OpenSSLSupport.withMemoryBIO(certificatePEM) { bio -> OpaquePointer in
            guard let x509 = PEM_read_bio_X509(bio, nil, nil, nil) else {
                throw CryptoError.drain("parse certificate PEM")
            }
            defer { X509_free(x509) }
            guard let k = X509_get_pubkey(x509) else { throw CryptoError.drain("read certificate public key") }
            return k
        }
        try self.init(owning: pkey)
    }

    deinit { EVP_PKEY_free(pkey) }

    /// The key as PEM `BEGIN PUBLIC KEY`.
    public var pem: String {
        (try? OpenSSLSupport.writeToString("encode public key") { bio in
            PEM_write_bio_PUBKEY(bio, pkey)
        }) ?? ""
    }

    /// Checks a JWS ES256 signature: exactly 64 bytes `R || S`. DER or any
    /// other length is rejected (RFC 7518 §3.4), never guessed at.
    public func isValidSignature(_ rs: [UInt8], for data: [UInt8]) -> Bool {
        guard rs.count == 64, let der = ECDSASignatureEncoding.derFromRaw(rs) else { return false }
        return isValidDigestSignature(der, for: data)
    }

    /// SHA-256 of `data`, then one ECDSA verify over the digest with a
    /// reused context (same scheme as `isValidDERSignature`).
    func isValidDigestSignature(_ der: [UInt8], for data: [UInt8]) -> Bool {
        guard let digest = OpenSSLSupport.sha256Digest(data) else {
            OpenSSLErrorQueue.clear()
            return false
        }
        let rc = contexts.withContext { ctx in
            digest.withUnsafeBufferPointer { d in
                der.withUnsafeBufferPointer { s in
                    EVP_PKEY_verify(ctx, s.baseAddress, s.count, d.baseAddress, d.count)
                }
            }
        }
        if rc != 1 { OpenSSLErrorQueue.clear() }
        return rc == 1
    }

    /// Checks a DER `ECDSA-Sig-Value` with one bare `EVP_DigestVerify` (the
    /// benchmark baseline).
    public func isValidDERSignature(_ der: [UInt8], for data: [UInt8]) -> Bool {
        guard let ctx = EVP_MD_CTX_new() else {
            OpenSSLErrorQueue.clear()
            return false
        }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, OpenSSLSupport.sha256, nil, pkey) == 1 else {
            OpenSSLErrorQueue.clear()
            return false
        }
        let rc = data.withUnsafeBufferPointer { d in
            der.withUnsafeBufferPointer { s in
                EVP_DigestVerify(ctx, s.baseAddress, s.count, d.baseAddress, d.count)
            }
        }
        if rc != 1 { OpenSSLErrorQueue.clear() }
        return rc == 1
    }
}
