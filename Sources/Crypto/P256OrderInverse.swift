/// Inversion modulo the order n of P-256 (SEC 2 §2.4.2), for signature
/// checks (`ES256KeyTable`).
///
/// A check computes w = s⁻¹ mod n (SEC 1 v2 §4.1.4 step 4). OpenSSL's
/// public `BN_mod_inverse` took about 18.7 µs alone on this project's
/// 2-core VM (its fast inverse for the order is internal to the library);
/// with this one the table-based check went from about 35 µs to 25 µs
/// (`VerifierBenchmarkTests`). This is the binary extended Euclidean
/// algorithm (Hankerson, Menezes, Vanstone, "Guide to Elliptic Curve
/// Cryptography", Algorithm 2.22) on four 64-bit limbs, with no allocation.
///
/// It runs in variable time. That is sound here and only here: a check's
/// inputs (key, signature, digest) are public. Never use it with a secret
/// (a signing nonce or a private key).
enum P256OrderInverse {
    /// A number below 2²⁵⁶ as four 64-bit limbs, least significant first.
    struct Limbs: Equatable {
        var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

        static let zero = Limbs(w0: 0, w1: 0, w2: 0, w3: 0)
        static let one = Limbs(w0: 1, w1: 0, w2: 0, w3: 0)

        /// From 32 big-endian bytes.
        init(bigEndian bytes: UnsafeBufferPointer<UInt8>) {
            precondition(bytes.count == 32)
            func word(_ at: Int) -> UInt64 {
                var value: UInt64 = 0
                for index in at..<(at + 8) { value = value << 8 | UInt64(bytes[index]) }
                return value
            }
            self.init(w0: word(24), w1: word(16), w2: word(8), w3: word(0))
        }

        init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
            self.w0 = w0
            self.w1 = w1
            self.w2 = w2
            self.w3 = w3
        }

        /// The 32 big-endian bytes.
        var bigEndian: [UInt8] {
            var out = [UInt8](repeating: 0, count: 32)
            for (slot, word) in [w3, w2, w1, w0].enumerated() {
                for byte in 0..<8 { out[slot * 8 + byte] = UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * byte)) }
            }
            return out
        }

        var isZero: Bool { (w0 | w1 | w2 | w3) == 0 }
        var isOne: Bool { w0 == 1 && (w1 | w2 | w3) == 0 }

        /// self >= other.
        @inline(__always)
        func isAtLeast(_ other: Limbs) -> Bool {
            if w3 != other.w3 { return w3 > other.w3 }
            if w2 != other.w2 { return w2 > other.w2 }
            if w1 != other.w1 { return w1 > other.w1 }
            return w0 >= other.w0
        }

        /// self += other; returns the carry out of the top limb.
        @inline(__always)
        mutating func add(_ other: Limbs) -> Bool {
            var carry = false
            (w0, carry) = Self.add(w0, other.w0, carry)
            (w1, carry) = Self.add(w1, other.w1, carry)
            (w2, carry) = Self.add(w2, other.w2, carry)
            (w3, carry) = Self.add(w3, other.w3, carry)
            return carry
        }

        /// self -= other; returns the borrow out of the top limb.
        @inline(__always)
        mutating func subtract(_ other: Limbs) -> Bool {
            var borrow = false
            (w0, borrow) = Self.subtract(w0, other.w0, borrow)
            (w1, borrow) = Self.subtract(w1, other.w1, borrow)
            (w2, borrow) = Self.subtract(w2, other.w2, borrow)
            (w3, borrow) = Self.subtract(w3, other.w3, borrow)
            return borrow
        }

        /// self >>= count for 1 <= count <= 63, `top` shifted in at the top
        /// (as bit 256 of the value before the shift).
        @inline(__always)
        mutating func shiftRight(_ count: Int, top: UInt64 = 0) {
            let back = UInt64(64 - count)
            let shift = UInt64(count)
            w0 = w0 >> shift | w1 << back
            w1 = w1 >> shift | w2 << back
            w2 = w2 >> shift | w3 << back
            w3 = w3 >> shift | top << back
        }

        @inline(__always)
        private static func add(_ a: UInt64, _ b: UInt64, _ carry: Bool) -> (UInt64, Bool) {
            let (sum, first) = a.addingReportingOverflow(b)
            let (total, second) = sum.addingReportingOverflow(carry ? 1 : 0)
            return (total, first || second)
        }

        @inline(__always)
        private static func subtract(_ a: UInt64, _ b: UInt64, _ borrow: Bool) -> (UInt64, Bool) {
            let (difference, first) = a.subtractingReportingOverflow(b)
            let (total, second) = difference.subtractingReportingOverflow(borrow ? 1 : 0)
            return (total, first || second)
        }
    }

    /// n, the order of P-256's base point.
    static let order = Limbs(w0: 0xF3B9_CAC2_FC63_2551, w1: 0xBCE6_FAAD_A717_9E84,
                             w2: 0xFFFF_FFFF_FFFF_FFFF, w3: 0xFFFF_FFFF_0000_0000)

    /// a⁻¹ mod n for 0 < a < n; nil otherwise (n is prime, so every such
    /// a has an inverse).
    static func inverse(_ a: Limbs) -> Limbs? {
        let n = order
        guard !a.isZero, !a.isAtLeast(n) else { return nil }
        // Invariants: x1·a ≡ u and x2·a ≡ v (mod n), gcd(u, v) = 1, and
        // 0 <= x1, x2 < n. Each round removes at least one bit from u or v,
        // so 2·256 rounds bound the loop; the cap only guards the proof.
        var u = a, v = n
        var x1 = Limbs.one, x2 = Limbs.zero
        var rounds = 0
        while !u.isOne, !v.isOne {
            rounds += 1
            guard rounds <= 1_024, !u.isZero, !v.isZero else { return nil }
            Self.removeTwos(&u, &x1)
            Self.removeTwos(&v, &x2)
            if u.isAtLeast(v) {
                _ = u.subtract(v)
                if x1.subtract(x2) { _ = x1.add(n) }
            } else {
                _ = v.subtract(u)
                if x2.subtract(x1) { _ = x2.add(n) }
            }
        }
        return u.isOne ? x1 : x2
    }

    /// While `value` is even: value /= 2 and x = x/2 mod n. `value` is
    /// nonzero. The trailing zeros of `value` go in one shift and x is
    /// halved as many times in one step (`halve`): halving bit by bit,
    /// with a branch on x's parity each time, cost about 8 µs per inverse
    /// on this machine when every input differs (the branch predictor only
    /// learned it when the same signature came again and again).
    @inline(__always)
    private static func removeTwos(_ value: inout Limbs, _ x: inout Limbs) {
        while value.w0 & 1 == 0 {
            let zeros = value.w0 == 0 ? 63 : value.w0.trailingZeroBitCount
            value.shiftRight(zeros)
            halve(&x, zeros)
        }
    }

    /// -n⁻¹ mod 2⁶⁴ (n is odd), by Newton's iteration: each step doubles
    /// the number of correct low bits.
    static let negatedInverse: UInt64 = {
        var inverse: UInt64 = 1
        for _ in 0..<6 { inverse = inverse &* (2 &- order.w0 &* inverse) }
        return 0 &- inverse
    }()

    /// x = x / 2^k mod n for 0 <= x < n and 1 <= k <= 63: m < 2^k is
    /// chosen so that x + m·n is divisible by 2^k (m = -x·n⁻¹ mod 2^k, as
    /// in Montgomery reduction), and (x + m·n) / 2^k < 2n, so one
    /// subtraction of n at most brings it below n.
    @inline(__always)
    static func halve(_ x: inout Limbs, _ k: Int) {
        let n = order
        let m = (x.w0 &* negatedInverse) & ((1 << UInt64(k)) &- 1)
        // m·n as five limbs t0...t4 (m < 2^63, so t4 < 2^63).
        let p0 = m.multipliedFullWidth(by: n.w0)
        let p1 = m.multipliedFullWidth(by: n.w1)
        let p2 = m.multipliedFullWidth(by: n.w2)
        let p3 = m.multipliedFullWidth(by: n.w3)
        let t0 = p0.low
        let (t1, c1) = addCarry(p0.high, p1.low, 0)
        let (t2, c2) = addCarry(p1.high, p2.low, c1)
        let (t3, c3) = addCarry(p2.high, p3.low, c2)
        let t4 = p3.high &+ c3
        // x + m·n as five limbs r0...r4.
        let (r0, d0) = addCarry(x.w0, t0, 0)
        let (r1, d1) = addCarry(x.w1, t1, d0)
        let (r2, d2) = addCarry(x.w2, t2, d1)
        let (r3, d3) = addCarry(x.w3, t3, d2)
        let r4 = t4 &+ d3
        // Shift right by k.
        let shift = UInt64(k)
        let back = UInt64(64 - k)
        var y = Limbs(w0: r0 >> shift | r1 << back, w1: r1 >> shift | r2 << back,
                      w2: r2 >> shift | r3 << back, w3: r3 >> shift | r4 << back)
        let top = r4 >> shift
        if top != 0 || y.isAtLeast(n) { _ = y.subtract(n) }
        x = y
    }

    /// a + b + carry (carry 0 or 1), and the carry out (0 or 1).
    @inline(__always)
    private static func addCarry(_ a: UInt64, _ b: UInt64, _ carry: UInt64) -> (UInt64, UInt64) {
        let (sum, first) = a.addingReportingOverflow(b)
        let (total, second) = sum.addingReportingOverflow(carry)
        return (total, (first || second) ? 1 : 0)
    }
}
