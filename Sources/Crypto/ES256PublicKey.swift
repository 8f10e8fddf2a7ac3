import COpenSSL
import Synchronization

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

    /// The budget that decides whether this key gets a table of its
    /// multiples (`ES256KeyTable`) once in steady use.
    let tables: ES256KeyTables
    private let slot = Mutex(TableSlot())

    /// This key's table state: uses counted towards the threshold, last use.
    private struct TableSlot {
        var uses = 0
        var lastUse: UInt64 = 0
        var requested = false
        var table: ES256KeyTable?
    }

    private init(owning pkey: OpaquePointer, tables: ES256KeyTables) throws {
        do {
            try OpenSSLSupport.requireP256(pkey, "load public key")
            self.derSPKI = try OpenSSLSupport.derSPKI(pkey, "encode public key")
        } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
        self.pkey = pkey
        self.tables = tables
        self.contexts = PKeyContextPool(pkey: pkey, operation: .verify)
    }

    /// Loads a PEM `BEGIN PUBLIC KEY` (SubjectPublicKeyInfo).
    public convenience init(pem: String, tables: ES256KeyTables = .shared) throws {
        let pkey = try OpenSSLSupport.withMemoryBIO(pem) { bio -> OpaquePointer in
            guard let k = PEM_read_bio_PUBKEY(bio, nil, nil, nil) else {
                throw CryptoError.drain("parse public key PEM")
            }
            return k
        }
        try self.init(owning: pkey, tables: tables)
    }

    /// Loads a DER SubjectPublicKeyInfo. Trailing bytes are rejected.
    public convenience init(derSPKI: [UInt8], tables: ES256KeyTables = .shared) throws {
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
        try self.init(owning: pkey, tables: tables)
    }

    /// Takes the subject public key of the first certificate in a PEM text
    /// (`BEGIN CERTIFICATE`). No chain or validity checks: that is the
    /// Certificates module's job.
    public convenience init(certificatePEM: String, tables: ES256KeyTables = .shared) throws {
        let pkey = try OpenSSLSupport.withMemoryBIO(certificatePEM) { bio -> OpaquePointer in
            guard let x509 = PEM_read_bio_X509(bio, nil, nil, nil) else {
                throw CryptoError.drain("parse certificate PEM")
            }
            defer { X509_free(x509) }
            guard let k = X509_get_pubkey(x509) else { throw CryptoError.drain("read certificate public key") }
            return k
        }
        try self.init(owning: pkey, tables: tables)
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
    ///
    /// With a table of this key's multiples (see `ES256KeyTables`) the check
    /// runs on it; otherwise, and until one is built, through `EVP_PKEY_verify`.
    public func isValidSignature(_ rs: [UInt8], for data: [UInt8]) -> Bool {
        guard rs.count == 64 else { return false }
        guard let digest = OpenSSLSupport.sha256Digest(data) else {
            OpenSSLErrorQueue.clear()
            return false
        }
        if let table = tableForUse() {
            return rs.withUnsafeBufferPointer { r in digest.withUnsafeBufferPointer { d in table.isValid(rs: r, digest: d) } }
        }
        guard let der = ECDSASignatureEncoding.derFromRaw(rs) else { return false }
        return isValidDigestSignature(der, digest: digest)
    }

    /// Whether the key holds a table now (tests and diagnostics).
    public var hasTable: Bool { slot.withLock { $0.table != nil } }

    /// The last use stamp (least-recently-used order in `ES256KeyTables`).
    var lastUse: UInt64 { slot.withLock { $0.lastUse } }

    /// Counts a use; asks the budget for a table at the threshold. Returns
    /// the table when there is one.
    private func tableForUse() -> ES256KeyTable? {
        let stamp = tables.tick()
        let threshold = tables.threshold
        var ask = false
        let table = slot.withLock { s -> ES256KeyTable? in
            s.lastUse = stamp
            if s.table == nil, !s.requested {
                s.uses += 1
                if s.uses >= threshold {
                    s.requested = true
                    ask = true
                }
            }
            return s.table
        }
        // The budget's lock is taken without holding ours (it takes ours
        // inside: install, dropTable, lastUse).
        if ask, !tables.request(self) {
            slot.withLock { s in
                s.requested = false
                s.uses = 0
            }
        }
        return table
    }

    /// A built table (called by the budget).
    func install(_ table: ES256KeyTable) {
        slot.withLock { s in
            s.table = table
            s.requested = false
        }
    }

    /// The budget took the table back; the key counts again from zero.
    func dropTable() {
        slot.withLock { s in
            s.table = nil
            s.uses = 0
            s.requested = false
        }
    }

    /// SHA-256 of `data`, then one ECDSA verify over the digest with a
    /// reused context (same scheme as `isValidDERSignature`).
    func isValidDigestSignature(_ der: [UInt8], for data: [UInt8]) -> Bool {
        guard let digest = OpenSSLSupport.sha256Digest(data) else {
            OpenSSLErrorQueue.clear()
            return false
        }
        return isValidDigestSignature(der, digest: digest)
    }

    /// One ECDSA verify of a DER signature over `digest` with a reused context.
    func isValidDigestSignature(_ der: [UInt8], digest: [UInt8]) -> Bool {
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
