import COpenSSL

/// An RSA public key for checking RS256 signatures (RFC 7518 §3.3:
/// RSASSA-PKCS1-v1_5 with SHA-256), as Bearer token issuers use. Keys under
/// 2048 bits are refused (RFC 7518 §3.3). One `EVP_PKEY`, a fresh context
/// per check: usable from several threads at once.
public final class RS256PublicKey: @unchecked Sendable {
    let pkey: OpaquePointer

    /// Loads a DER SubjectPublicKeyInfo holding an RSA key.
    public init(derSPKI: [UInt8]) throws {
        let key = try derSPKI.withUnsafeBufferPointer { buf -> OpaquePointer in
            var p: UnsafePointer<UInt8>? = buf.baseAddress
            guard let k = d2i_PUBKEY(nil, &p, buf.count) else { throw CryptoError.drain("parse RSA public key DER") }
            if let p, let base = buf.baseAddress, p - base != buf.count {
                EVP_PKEY_free(k)
                throw CryptoError(operation: "parse RSA public key DER", openSSLErrors: ["trailing bytes"])
            }
            return k
        }
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else {
            EVP_PKEY_free(key)
            throw CryptoError(operation: "load RSA public key", openSSLErrors: ["not an RSA key"])
        }
        guard EVP_PKEY_get_bits(key) >= 2048 else {
            EVP_PKEY_free(key)
            throw CryptoError(operation: "load RSA public key", openSSLErrors: ["shorter than 2048 bits"])
        }
        pkey = key
    }

    /// The key with modulus `n` and public exponent `e` (big-endian
    /// unsigned bytes, as a JWK carries them, RFC 7518 §6.3.1).
    public convenience init(modulus n: [UInt8], exponent e: [UInt8]) throws {
        // SubjectPublicKeyInfo { AlgorithmIdentifier { rsaEncryption, NULL },
        // BIT STRING { RSAPublicKey { INTEGER n, INTEGER e } } } (RFC 8017 A.1.1).
        let rsaKey = DER.sequence(DER.integer(n) + DER.integer(e))
        let algorithm: [UInt8] = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00]
        try self.init(derSPKI: DER.sequence(algorithm + DER.element(0x03, [0x00] + rsaKey)))
    }

    deinit { EVP_PKEY_free(pkey) }

    /// True when `signature` is this key's RS256 signature over `data`.
    public func isValidSignature(_ signature: [UInt8], for data: [UInt8]) -> Bool {
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        let ok = EVP_DigestVerifyInit(ctx, nil, OpenSSLSupport.sha256, nil, pkey) == 1
            && data.withUnsafeBufferPointer { d in
                signature.withUnsafeBufferPointer { s in
                    EVP_DigestVerify(ctx, s.baseAddress, s.count, d.baseAddress, d.count) == 1
                }
            }
        if !ok { OpenSSLErrorQueue.clear() }
        return ok
    }

    /// The few DER encodings an RSA SubjectPublicKeyInfo needs (X.690).
    enum DER {
        static func length(_ n: Int) -> [UInt8] {
            if n < 0x80 { return [UInt8(n)] }
            var bytes: [UInt8] = []
            var v = n
            while v > 0 {
                bytes.insert(UInt8(v & 0xff), at: 0)
                v >>= 8
            }
            return [0x80 | UInt8(bytes.count)] + bytes
        }

        static func element(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] { [tag] + length(content.count) + content }

        static func sequence(_ content: [UInt8]) -> [UInt8] { element(0x30, content) }

        /// A non-negative INTEGER: leading zeros dropped, one added when the
        /// high bit is set.
        static func integer(_ unsigned: [UInt8]) -> [UInt8] {
            var v = Array(unsigned.drop { $0 == 0 })
            if v.isEmpty { v = [0] }
            if v[0] & 0x80 != 0 { v.insert(0, at: 0) }
            return element(0x02, v)
        }
    }
}
