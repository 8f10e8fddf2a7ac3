import COpenSSL

/// A P-256 private key for ES256 signatures (RFC 7518 §3.4), as used by
/// PASSporT (RFC 8225 §4.2).
///
/// Owns one `EVP_PKEY`. Signing allocates a fresh `EVP_MD_CTX` per call and
/// only reads the key, so one instance may sign from several threads at once.
public final class ES256PrivateKey: @unchecked Sendable {
    let pkey: OpaquePointer
    /// The matching public key.
    public let publicKey: ES256PublicKey
    /// Signing contexts reused across calls (see `PKeyContextPool`).
    private let contexts: PKeyContextPool

    private init(owning pkey: OpaquePointer) throws {
        do {
            try OpenSSLSupport.requireP256(pkey, "load private key")
            self.publicKey = try ES256PublicKey(derSPKI: OpenSSLSupport.derSPKI(pkey, "derive public key"))
        } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
        self.pkey = pkey
        self.contexts = PKeyContextPool(pkey: pkey, operation: .sign)
    }

    /// Loads a PEM private key: SEC1 (`BEGIN EC PRIVATE KEY`) or unencrypted
    /// PKCS#8 (`BEGIN PRIVATE KEY`). Throws unless the key is on P-256.
    public convenience init(pem: String) throws {
        let pkey = try OpenSSLSupport.withMemoryBIO(pem) { bio -> OpaquePointer in
            guard let k = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
                throw CryptoError.drain("parse private key PEM")
            }
            return k
        }
        try self.init(owning: pkey)
    }

    /// Generates a fresh P-256 key from OpenSSL's CSPRNG.
    public static func generate() throws -> ES256PrivateKey {
        guard let pkey = stird_EVP_EC_gen_P256() else { throw CryptoError.drain("generate P-256 key") }
        return try ES256PrivateKey(owning: pkey)
    }

    deinit { EVP_PKEY_free(pkey) }

    /// The key as unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`, RFC 5958).
    public var pemPKCS8: String {
        // Writing a valid in-memory key only fails on allocation failure.
        (try? OpenSSLSupport.writeToString("encode private key") { bio in
            PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil)
        }) ?? ""
    }

    /// Signs `data` with ECDSA P-256 / SHA-256 and returns the JWS form:
    /// raw 64-byte `R || S` (RFC 7518 §3.4), not DER.
    public func sign(_ data: [UInt8]) throws -> [UInt8] {
        let der = try signDigestDER(data)
        guard let raw = ECDSASignatureEncoding.rawFromDER(der) else {
            throw CryptoError(operation: "convert signature", openSSLErrors: ["OpenSSL returned malformed DER"])
        }
        return raw
    }

    /// SHA-256 of `data`, then ECDSA over the digest with a reused context:
    /// the same signature scheme as `signDER`, without OpenSSL 3's per-call
    /// operation set-up.
    func signDigestDER(_ data: [UInt8]) throws -> [UInt8] {
        guard let digest = OpenSSLSupport.sha256Digest(data) else { throw CryptoError.drain("SHA-256") }
        var sig = [UInt8](repeating: 0, count: 80)
        var sigLen = sig.count
        let rc = contexts.withContext { ctx in
            digest.withUnsafeBufferPointer { d in
                sig.withUnsafeMutableBufferPointer { s in
                    EVP_PKEY_sign(ctx, s.baseAddress, &sigLen, d.baseAddress, d.count)
                }
            }
        }
        guard rc == 1 else { throw CryptoError.drain("ES256 sign") }
        sig.removeLast(sig.count - sigLen)
        return sig
    }

    /// Signs `data` and returns OpenSSL's DER `ECDSA-Sig-Value` as is. This is
    /// the bare OpenSSL cost (one `EVP_DigestSign`), used as the benchmark
    /// baseline and by callers that need DER.
    public func signDER(_ data: [UInt8]) throws -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError.drain("allocate digest context") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, OpenSSLSupport.sha256, nil, pkey) == 1 else {
            throw CryptoError.drain("initialise ES256 signing")
        }
        var sig = [UInt8](repeating: 0, count: 80)
        var sigLen = sig.count
        let rc = data.withUnsafeBufferPointer { dataBuf in
            sig.withUnsafeMutableBufferPointer { sigBuf in
                EVP_DigestSign(ctx, sigBuf.baseAddress, &sigLen, dataBuf.baseAddress, dataBuf.count)
            }
        }
        guard rc == 1 else { throw CryptoError.drain("ES256 sign") }
        sig.removeLast(sig.count - sigLen)
        return sig
    }
}
