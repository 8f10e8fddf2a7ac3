import COpenSSL

/// ECDSA P-256 verification against one public key with a table of that
/// key's multiples (SEC 1 v2 §4.1.4, FIPS 186-5 §6.4.2).
///
/// Checking a signature computes `u1·G + u2·Q`. OpenSSL keeps a table of
/// multiples of the base point `G`, so `u1·G` is cheap, but the key `Q` gets
/// a fresh window per call, and that multiplication is most of a verify.
/// A verifier sees the same few certificates over and over (they are
/// cached), so for a key in steady use we build the same kind of table for
/// `Q`: a copy of the P-256 group whose generator is `Q`, with OpenSSL's
/// precomputation (`EC_GROUP_precompute_mult`). Then both products are
/// fixed-base multiplications.
///
/// On this project's 2-core VM (`Scripts/bench` calibration about 25,000
/// verify/s): building a table takes about 25 ms and holds about 150 KB; a
/// check takes about 25 µs instead of 77 µs (35 µs before the order inverse
/// became our own, `P256OrderInverse`). `ES256KeyTables` decides which
/// keys get one. Only public values are involved (key, signature, digest),
/// so the variable-time arithmetic leaks nothing secret.
final class ES256KeyTable: @unchecked Sendable {
    /// P-256 with its standard generator, shared read-only by every check.
    static let p256: OpaquePointer? = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)

    /// A copy of P-256 whose generator is the key, with its multiples.
    private let group: OpaquePointer

    /// Builds the table for `pkey` (a P-256 key). nil when OpenSSL refuses
    /// any step; the caller then keeps using the ordinary verify.
    init?(pkey: OpaquePointer) {
        guard let p256 = Self.p256, let order = EC_GROUP_get0_order(p256), let ctx = BN_CTX_new() else { return nil }
        defer { BN_CTX_free(ctx) }
        var encoded = [UInt8](repeating: 0, count: 133)
        var length = 0
        guard EVP_PKEY_get_octet_string_param(pkey, "pub", &encoded, encoded.count, &length) == 1,
              let q = EC_POINT_new(p256) else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        defer { EC_POINT_free(q) }
        guard EC_POINT_oct2point(p256, q, encoded, length, ctx) == 1, EC_POINT_is_on_curve(p256, q, ctx) == 1,
              let group = EC_GROUP_dup(p256) else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        guard let one = BN_new() else {
            EC_GROUP_free(group)
            return nil
        }
        defer { BN_free(one) }
        BN_set_word(one, 1)
        guard EC_GROUP_set_generator(group, q, order, one) == 1, stird_EC_GROUP_precompute_mult(group, ctx) == 1,
              EC_GROUP_have_precompute_mult(group) == 1 else {
            OpenSSLErrorQueue.clear()
            EC_GROUP_free(group)
            return nil
        }
        self.group = group
        // The table must reproduce the key: 1·Q through it equals Q.
        guard let check = EC_POINT_new(p256) else { return nil }
        defer { EC_POINT_free(check) }
        guard EC_POINT_mul(group, check, one, nil, nil, ctx) == 1, EC_POINT_cmp(p256, check, q, ctx) == 0 else {
            OpenSSLErrorQueue.clear()
            return nil
        }
    }

    deinit { EC_GROUP_free(group) }

    /// True when `rs` (raw `R || S`, 64 bytes) is a valid signature of the
    /// 32-byte `digest` under this table's key.
    func isValid(rs: UnsafeBufferPointer<UInt8>, digest: UnsafeBufferPointer<UInt8>) -> Bool {
        guard rs.count == 64, digest.count == 32, let base = rs.baseAddress, let p256 = Self.p256,
              let n = EC_GROUP_get0_order(p256), let ctx = BN_CTX_new() else { return false }
        defer { BN_CTX_free(ctx) }
        BN_CTX_start(ctx)
        defer { BN_CTX_end(ctx) }
        guard let r = BN_CTX_get(ctx), let s = BN_CTX_get(ctx), let e = BN_CTX_get(ctx), let w = BN_CTX_get(ctx),
              let u1 = BN_CTX_get(ctx), let u2 = BN_CTX_get(ctx),
              BN_bin2bn(base, 32, r) != nil, BN_bin2bn(base + 32, 32, s) != nil,
              BN_bin2bn(digest.baseAddress, 32, e) != nil else {
            OpenSSLErrorQueue.clear()
            return false
        }
        // 1 <= r, s <= n - 1.
        guard BN_is_zero(r) == 0, BN_is_zero(s) == 0, BN_cmp(r, n) < 0, BN_cmp(s, n) < 0 else { return false }
        // w = s^-1, u1 = e·w, u2 = r·w (mod n); R = u1·G + u2·Q. The
        // inverse is our own (P256OrderInverse): BN_mod_inverse took half
        // of the check.
        guard let inverse = P256OrderInverse.inverse(.init(bigEndian: UnsafeBufferPointer(start: base + 32, count: 32))) else {
            return false
        }
        let wBytes = inverse.bigEndian
        guard BN_bin2bn(wBytes, 32, w) != nil, BN_mod_mul(u1, e, w, n, ctx) == 1, BN_mod_mul(u2, r, w, n, ctx) == 1,
              let point = EC_POINT_new(p256) else {
            OpenSSLErrorQueue.clear()
            return false
        }
        defer { EC_POINT_free(point) }
        guard let keyPart = EC_POINT_new(p256) else { return false }
        defer { EC_POINT_free(keyPart) }
        guard EC_POINT_mul(p256, point, u1, nil, nil, ctx) == 1, EC_POINT_mul(group, keyPart, u2, nil, nil, ctx) == 1,
              EC_POINT_add(p256, point, point, keyPart, ctx) == 1 else {
            OpenSSLErrorQueue.clear()
            return false
        }
        // R at infinity fails; otherwise valid when x(R) mod n = r.
        guard EC_POINT_is_at_infinity(p256, point) == 0 else { return false }
        return Self.xCoordinate(of: point, matches: r, ctx: ctx)
    }

    /// P-256's field prime p.
    static let prime: OpaquePointer? = {
        guard let group = p256, let p = BN_new() else { return nil }
        return EC_GROUP_get_curve(group, p, nil, nil, nil) == 1 ? p : nil
    }()

    /// Whether x(R) mod n = r for a finite point R, without converting R to
    /// affine coordinates (a field inversion). In Jacobian coordinates
    /// x(R) = X / Z², and 0 <= x(R) < p < 2n, so x(R) mod n = r exactly when
    /// X = r·Z² or, if r + n < p, X = (r + n)·Z² (mod p).
    static func xCoordinate(of point: OpaquePointer, matches r: OpaquePointer, ctx: OpaquePointer) -> Bool {
        guard let group = p256, let n = EC_GROUP_get0_order(group), let p = prime else { return false }
        BN_CTX_start(ctx)
        defer { BN_CTX_end(ctx) }
        guard let x = BN_CTX_get(ctx), let z = BN_CTX_get(ctx), let zz = BN_CTX_get(ctx), let t = BN_CTX_get(ctx),
              stird_EC_POINT_get_Jprojective(group, point, x, nil, z, ctx) == 1, BN_is_zero(z) == 0,
              BN_mod_sqr(zz, z, p, ctx) == 1, BN_mod_mul(t, r, zz, p, ctx) == 1 else {
            OpenSSLErrorQueue.clear()
            return false
        }
        if BN_cmp(t, x) == 0 { return true }
        guard BN_add(t, r, n) == 1, BN_cmp(t, p) < 0 else { return false }
        guard BN_mod_mul(t, t, zz, p, ctx) == 1 else {
            OpenSSLErrorQueue.clear()
            return false
        }
        return BN_cmp(t, x) == 0
    }
}
