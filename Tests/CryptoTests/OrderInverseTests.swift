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

    /// `halve` (k halvings in one step) against k single halvings done the
    /// plain way (x even: x/2; odd: (x + n)/2), for every k and random x < n,
    /// including x = 0, 1 and n - 1.
    @Test func halvingInOneStepEqualsHalvingBitByBit() {
        func halvedBitByBit(_ x: Limbs, _ k: Int) -> Limbs {
            var x = x
            for _ in 0..<k {
                if x.w0 & 1 == 0 {
                    x.shiftRight(1)
                } else {
                    let carry = x.add(P256OrderInverse.order)
                    x.shiftRight(1, top: carry ? 1 : 0)
                }
            }
            return x
        }
        var generator = SystemRandomNumberGenerator()
        var nMinusOne = P256OrderInverse.order
        _ = nMinusOne.subtract(.one)
        var values: [Limbs] = [.zero, .one, nMinusOne]
        for _ in 0..<3_000 {
            var x = Limbs(w0: generator.next(), w1: generator.next(), w2: generator.next(), w3: generator.next())
            if x.isAtLeast(P256OrderInverse.order) { _ = x.subtract(P256OrderInverse.order) }
            values.append(x)
        }
        var compared = 0
        for (index, x) in values.enumerated() {
            for k in (index < 3 ? Array(1...63) : [1 + index % 63]) {
                var fast = x
                P256OrderInverse.halve(&fast, k)
                #expect(fast == halvedBitByBit(x, k), "x \(x) k \(k)")
                #expect(!fast.isAtLeast(P256OrderInverse.order))
                compared += 1
            }
        }
        #expect(compared == 3 * 63 + 3_000)
    }

    /// 0, n and values above n have no answer (a signature's s is rejected
    /// before this, but the function itself must not loop or guess).
    @Test func outOfRangeValuesHaveNoInverse() {
        let zero = [UInt8](repeating: 0, count: 32)
        let nPlusOne = Self.order.withUnsafeBufferPointer { buffer -> [UInt8] in
            var limbs = Limbs(bigEndian: buffer)
            _ = limbs.add(.one)
            return limbs.bigEndian
        }
        for value in [zero, Self.order, nPlusOne, [UInt8](repeating: 0xFF, count: 32)] {
            #expect(Self.ours(value) == nil)
        }
    }
}

extension Int32 {
    fileprivate var isTrue: Bool { self != 0 }
}
