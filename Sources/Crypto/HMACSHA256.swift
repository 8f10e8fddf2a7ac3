import COpenSSL

/// HMAC-SHA256 (RFC 2104) under one key, on OpenSSL's EVP_MAC. The key is
/// set once; each `mac` re-initialises the same context, so a message costs
/// the hashing, not a provider lookup, an allocation and a key schedule.
/// Not thread-safe: one instance per queue.
public final class HMACSHA256 {
    private let template: OpaquePointer

    /// nil when OpenSSL cannot provide HMAC-SHA256 (a broken installation).
    public init?(key: [UInt8]) {
        guard !key.isEmpty, let mac = EVP_MAC_fetch(nil, "HMAC", nil) else { return nil }
        defer { EVP_MAC_free(mac) }
        guard let ctx = EVP_MAC_CTX_new(mac) else { return nil }
        let ok = "SHA256".withCString { digest -> Bool in
            var params = [
                OSSL_PARAM_construct_utf8_string("digest", UnsafeMutablePointer(mutating: digest), 0),
                OSSL_PARAM_construct_end(),
            ]
            return key.withUnsafeBufferPointer { k in
                EVP_MAC_init(ctx, k.baseAddress, k.count, &params) == 1
            }
        }
        guard ok else {
            EVP_MAC_CTX_free(ctx)
            return nil
        }
        template = ctx
    }

    deinit { EVP_MAC_CTX_free(template) }

    /// The 32-byte MAC of `data`; empty only if OpenSSL fails, which a
    /// caller comparing MACs treats as a mismatch. The context is
    /// re-initialised with the key it holds (`EVP_MAC_init` with no key
    /// keeps the previous one: RFC 2104's padded key blocks are not
    /// recomputed), so a MAC costs the hashing alone.
    public func mac(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length = 0
        let ok = data.withUnsafeBufferPointer { d in
            out.withUnsafeMutableBufferPointer { o in
                EVP_MAC_init(template, nil, 0, nil) == 1 && EVP_MAC_update(template, d.baseAddress, d.count) == 1
                    && EVP_MAC_final(template, o.baseAddress, &length, 32) == 1
            }
        }
        return ok && length == 32 ? out : []
    }

    /// `count` random bytes from OpenSSL's DRBG (a key for `init`).
    public static func randomKey(count: Int = 32) -> [UInt8] {
        var key = [UInt8](repeating: 0, count: count)
        let ok = key.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) } == 1
        precondition(ok, "RAND_bytes failed: OpenSSL's random generator cannot be seeded")
        return key
    }
}
