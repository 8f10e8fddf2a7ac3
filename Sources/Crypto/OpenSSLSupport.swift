import COpenSSL

/// Small helpers over the OpenSSL C API, shared by the key classes here and by
/// the Certificates module. `package`, never `public`: the helpers that take
/// or return OpenSSL objects (as `OpaquePointer`) are visible to this
/// package's targets only, so no C type reaches the public API.
package enum OpenSSLSupport {
    /// SHA-256 fetched once from the default provider. An `EVP_MD` is
    /// immutable after fetch and may be shared across threads; fetching it
    /// per call would cost a provider lookup on every signature.
    static let sha256: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)

    /// SHA-256 of `data` with the digest fetched once (`sha256`).
    package static func sha256Digest(_ data: [UInt8]) -> [UInt8]? {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let rc = data.withUnsafeBytes { d in
            digest.withUnsafeMutableBufferPointer { out in
                EVP_Digest(d.baseAddress, d.count, out.baseAddress, &length, sha256, nil)
            }
        }
        return rc == 1 && length == 32 ? digest : nil
    }

    /// Runs `body` with a read-only memory BIO over `text`'s UTF-8 bytes.
    static func withMemoryBIO<T>(_ text: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        guard let result = try withMemoryBIO(Array(text.utf8), body) else {
            throw CryptoError.drain("allocate memory BIO")
        }
        return result
    }

    /// Runs `body` with a read-only memory BIO over `bytes` (PEM or DER
    /// input); nil when OpenSSL cannot allocate the BIO. The BIO is freed
    /// when `body` returns, so `body` must not keep it.
    package static func withMemoryBIO<T>(_ bytes: [UInt8], _ body: (OpaquePointer) throws -> T) rethrows -> T? {
        // A trailing NUL keeps the buffer non-empty: BIO_new_mem_buf refuses a
        // null pointer, which an empty array may hand out. It is not part of the BIO.
        var terminated = bytes
        terminated.append(0)
        return try terminated.withUnsafeBufferPointer { buf -> T? in
            guard let bio = BIO_new_mem_buf(buf.baseAddress, Int32(buf.count - 1)) else { return nil }
            defer { BIO_free(bio) }
            return try body(bio)
        }
    }

    /// Runs `write` against a fresh writable memory BIO and returns what it
    /// wrote; `operation` names the failure (with OpenSSL's error queue).
    package static func writeToString(_ operation: String, _ write: (OpaquePointer) -> Int32) throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError.drain(operation) }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw CryptoError.drain(operation) }
        let bytes = memoryBIOBytes(bio)
        guard !bytes.isEmpty else { throw CryptoError.drain(operation) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Everything written so far to the memory BIO `bio` (empty when nothing).
    package static func memoryBIOBytes(_ bio: OpaquePointer) -> [UInt8] {
        var pointer: UnsafeMutablePointer<CChar>?
        let length = stird_BIO_get_mem_data(bio, &pointer)
        guard length > 0, let pointer else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }

    /// Checks that `pkey` is an EC key on P-256 (RFC 7518 §3.4: ES256 means
    /// ECDSA using P-256 and SHA-256).
    static func requireP256(_ pkey: OpaquePointer, _ operation: String) throws {
        guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC else {
            throw CryptoError(operation: operation, openSSLErrors: ["not an EC key"])
        }
        var name = [CChar](repeating: 0, count: 64)
        var len = 0
        guard EVP_PKEY_get_group_name(pkey, &name, name.count, &len) == 1 else {
            throw CryptoError.drain(operation)
        }
        let curve = String(cString: name)
        guard curve == "prime256v1" || curve == "P-256" || curve == "secp256r1" else {
            throw CryptoError(operation: operation, openSSLErrors: ["curve \(curve) is not P-256"])
        }
    }

    /// DER SubjectPublicKeyInfo of `pkey`.
    static func derSPKI(_ pkey: OpaquePointer, _ operation: String) throws -> [UInt8] {
        let len = i2d_PUBKEY(pkey, nil)
        guard len > 0 else { throw CryptoError.drain(operation) }
        var out = [UInt8](repeating: 0, count: Int(len))
        let written = out.withUnsafeMutableBufferPointer { buf -> Int32 in
            var p: UnsafeMutablePointer<UInt8>? = buf.baseAddress
            return i2d_PUBKEY(pkey, &p)
        }
        guard written == len else { throw CryptoError.drain(operation) }
        return out
    }
}
