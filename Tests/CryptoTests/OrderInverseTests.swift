import COpenSSL
import Testing
@testable import Crypto

/// `P256OrderInverse` against OpenSSL's `BN_mod_inverse` and against the
/// definition (a·a⁻¹ ≡ 1 mod n).
@Suite struct OrderInverseTests {
    typealias Limbs = P256OrderInverse.Limbs

    /// OpenSSL's answer for 32 big-endian bytes, nil when it has none.
    static func reference(_ a: [UInt8]) -> [UInt8]? {
        guard let ctx = BN_CTX_new(), let value = BN_bin2bn(a, 32, nil), let out = BN_new(),
              let n = EC_GROUP_get0_order(ES256KeyTable.p256) else { return nil }
        defer {
            BN_CTX_free(ctx)
            BN_free(value)
            BN_free(out)
        }
        guard !BN_is_zero(value).isTrue, BN_cmp(value, n) < 0, BN_mod_inverse(out, value, n, ctx) != nil else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        guard BN_bn2binpad(out, &bytes, 32) == 32 else { return nil }
        return bytes
    }

    /// a·b mod n through OpenSSL.
    static func product(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        let ctx = BN_CTX_new()!, x = BN_bin2bn(a, 32, nil)!, y = BN_bin2bn(b, 32, nil)!, out = BN_new()!
        defer {
            BN_CTX_free(ctx)
            BN_free(x)
            BN_free(y)
            BN_free(out)
        }
        #expect(BN_mod_mul(out, x, y, EC_GROUP_get0_order(ES256KeyTable.p256), ctx) == 1)
        var bytes = [UInt8](repeating: 0, count: 32)
        _ = BN_bn2binpad(out, &bytes, 32)
        return bytes
    }

    static func ours(_ a: [UInt8]) -> [UInt8]? {
        a.withUnsafeBufferPointer { P256OrderInverse.inverse(Limbs(bigEndian: $0))?.bigEndian }
    }

    /// n from SEC 2, written out independently of `P256OrderInverse.order`.
    static let order = KeyTableTests.order
    static let one = [UInt8](repeating: 0, count: 31) + [1]

    @Test func limbsRoundTripBigEndianBytes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(bytes.withUnsafeBufferPointer { Limbs(bigEndian: $0).bigEndian } == bytes)
        }
        #expect(Self.order.withUnsafeBufferPointer { Limbs(bigEndian: $0) } == P256OrderInverse.order)
    }

    /// Edge values: 1, 2, n-1, n-2, powers of two (long runs of halving),
    /// values with a zero low limb, and the top of the range.
    @Test func edgeValuesMatchOpenSSL() {
        var cases: [[UInt8]] = [Self.one, KeyTableTests.subtract(Self.order, Self.one)]
        cases.append(KeyTableTests.subtract(Self.order, [UInt8](repeating: 0, count: 31) + [2]))
        for bit in 0..<256 {
            var bytes = [UInt8](repeating: 0, count: 32)
            bytes[31 - bit / 8] = 1 << UInt8(bit % 8)
            cases.append(bytes)
        }
        cases.append([UInt8](repeating: 0, count: 24) + [UInt8](repeating: 0xFF, count: 8))
        cases.append([UInt8](repeating: 0xFF, count: 4) + [UInt8](repeating: 0, count: 28))
        cases.append([UInt8](repeating: 0, count: 4) + [UInt8](repeating: 0xFF, count: 28))
        cases.append([UInt8](repeating: 0, count: 31) + [3])
        var checked = 0
        for value in cases {
            guard let expected = Self.reference(value) else { continue }
            #expect(Self.ours(value) == expected, "\(value)")
            checked += 1
        }
        #expect(checked == cases.count)
    }

    @Test func randomValuesMatchOpenSSLAndInvert() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<20_000 {
            var bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Every fourth value is forced below n; the rest lands below n
            // with probability about 1 - 2^-32 anyway.
            if round % 4 == 0 { bytes[0] = 0x7F }
            let expected = Self.reference(bytes)
            let got = Self.ours(bytes)
            #expect(got == expected)
            if let got { #expect(Self.product(bytes, got) == Self.one) }
        }
    }

    /// The signed six-limb arithmetic the divsteps run on, by identities:
    /// x·s + x·(-s) = 0, (-x)·(-s) = x·s, -(-x) = x, (x·2^62)/2^62 = x.
    @Test func signedLimbArithmeticIdentities() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<2_000 {
            var x = SignedLimbs6(Limbs(w0: generator.next(), w1: generator.next(), w2: generator.next(), w3: generator.next()))
            if round % 2 == 0 { x = x.negated }
            let s = Int64.random(in: -(1 << 62)...(1 << 62), using: &generator)
            #expect(x.times(s).adding(x.times(-s)).isZero)
            #expect(x.negated.times(-s) == x.times(s))
            #expect(x.negated.negated == x)
            #expect(x.times(1 << 62).shiftedRight62() == x)
            #expect(x.times(-(1 << 62)).shiftedRight62() == x.negated)
            #expect(x.isNegative == (round % 2 == 0))
        }
        #expect(SignedLimbs6(.one).negated.isMinusOne)
    }

    /// 62 divsteps make u·f + v·g and q·f + r·g multiples of 2^62 (on the
    /// low words, which is all they see), with |u| + |v| and |q| + |r| at
    /// most 2^62.
    @Test func divstepMatricesDivideByTwoToThe62() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let f: UInt64 = generator.next() | 1
            let g: UInt64 = generator.next()
            var delta = Int64.random(in: -200...200, using: &generator)
            let t = P256OrderInverse.divsteps62(&delta, f, g)
            let mask: UInt64 = (1 << 62) - 1
            #expect((UInt64(bitPattern: t.u) &* f &+ UInt64(bitPattern: t.v) &* g) & mask == 0)
            #expect((UInt64(bitPattern: t.q) &* f &+ UInt64(bitPattern: t.r) &* g) & mask == 0)
            #expect(t.u.magnitude + t.v.magnitude <= 1 << 62)
            #expect(t.q.magnitude + t.r.magnitude <= 1 << 62)
        }
    }

    /// A signed six-limb value as an OpenSSL BIGNUM (sign and magnitude).
    static func bignum(_ x: SignedLimbs6) -> OpaquePointer {
        let magnitude = x.isNegative ? x.negated : x
        let limbs = [magnitude.l.5, magnitude.l.4, magnitude.l.3, magnitude.l.2, magnitude.l.1, magnitude.l.0]
        var bytes: [UInt8] = []
        for limb in limbs { for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: limb >> UInt64(shift))) } }
        let bn = BN_bin2bn(bytes, Int32(bytes.count), nil)!
        BN_set_negative(bn, x.isNegative ? 1 : 0)
        return bn
    }

    /// `divided` gives v/2^62 mod n in [0, n) for values up to the largest
    /// magnitudes a batch can produce (|v| < 2^318), both signs, checked
    /// through OpenSSL: result·2^62 ≡ v (mod n).
    @Test func dividingByTwoToThe62ModN() {
        var generator = SystemRandomNumberGenerator()
        let ctx = BN_CTX_new()!
        defer { BN_CTX_free(ctx) }
        let n = EC_GROUP_get0_order(ES256KeyTable.p256)!
        let scale = BN_new()!, left = BN_new()!, right = BN_new()!
        defer { BN_free(scale); BN_free(left); BN_free(right) }
        BN_set_word(scale, 1)
        BN_lshift(scale, scale, 62)
        var values: [SignedLimbs6] = []
        let top = SignedLimbs6(l: (.max, .max, .max, .max, (1 << 62) - 1, 0))  // 2^318 - 1
        // 2^318 - 2^62 is a multiple of 2^62 (m = 0): -(that)/2^62 = 1 - 2^256 needs two additions of n.
        let topMultiple = SignedLimbs6(l: (.max << 62, .max, .max, .max, (1 << 62) - 1, 0))
        values += [top, top.negated, topMultiple, topMultiple.negated, SignedLimbs6(.zero), SignedLimbs6(.one), SignedLimbs6(.one).negated]
        for _ in 0..<3_000 {
            var x = SignedLimbs6(l: (generator.next(), generator.next(), generator.next(), generator.next(),
                                     generator.next() >> UInt64.random(in: 2...63, using: &generator), 0))
            if Bool.random(using: &generator) { x = x.negated }
            values.append(x)
        }
        for v in values {
            let r = P256OrderInverse.divided(v)
            #expect(r.isBelowOrder)
            let rb = Self.bignum(r), vb = Self.bignum(v)
            defer { BN_free(rb); BN_free(vb) }
            #expect(BN_mod_mul(left, rb, scale, n, ctx) == 1 && BN_nnmod(right, vb, n, ctx) == 1)
            #expect(BN_cmp(left, right) == 0)
        }
    }

    /// 0, n and values above n have no answer (a signature's s is rejected
    /// before this, but the function itself must not loop or guess).
    @Test func outOfRangeValuesHaveNoInverse() {
        let zero = [UInt8](repeating: 0, count: 32)
        // n ends in 0x51: n + 1 changes its last byte only.
        var nPlusOne = Self.order
        nPlusOne[31] += 1
        for value in [zero, Self.order, nPlusOne, [UInt8](repeating: 0xFF, count: 32)] {
            #expect(Self.ours(value) == nil)
        }
    }
}

extension Int32 {
    fileprivate var isTrue: Bool { self != 0 }
}
