/// Inversion modulo the order n of P-256 (SEC 2 §2.4.2), for signature
/// checks (`ES256KeyTable`).
///
/// A check computes w = s⁻¹ mod n (SEC 1 v2 §4.1.4 step 4). OpenSSL's
/// public `BN_mod_inverse` took about 18.7 µs alone on this project's
/// 2-core VM (its fast inverse for the order is internal to the library).
/// This one uses Bernstein and Yang's divsteps on four 64-bit limbs, with
/// no allocation: with distinct signatures a table-based check takes about
/// 27 µs, against 32 µs with the binary extended Euclidean algorithm used
/// before (`VerifierBenchmarkTests`).
///
/// Only public values are involved (a check's inputs are the key, the
/// signature and the digest), and the number of batches depends on the
/// input. Never use it with a secret (a signing nonce or a private key).
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

        /// self >= other.
        @inline(__always)
        func isAtLeast(_ other: Limbs) -> Bool {
            if w3 != other.w3 { return w3 > other.w3 }
            if w2 != other.w2 { return w2 > other.w2 }
            if w1 != other.w1 { return w1 > other.w1 }
            return w0 >= other.w0
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
    ///
    /// By Bernstein and Yang's divsteps ("Fast constant-time
    /// gcd computation and modular inversion", 2019, §8 and §10): f = n and
    /// g = a go through 62 divsteps at a time, decided on their low words
    /// only, with the 2×2 matrix of those steps then applied to the whole
    /// numbers and to d and e, where d·a ≡ f and e·a ≡ g (mod n). When g
    /// reaches 0, f = ±gcd = ±1 and ±d is the inverse. The steps run
    /// without branches: a binary extended Euclid with a branch per bit
    /// mispredicted most of them when every signature differs.
    static func inverse(_ a: Limbs) -> Limbs? {
        guard !a.isZero, !a.isAtLeast(order) else { return nil }
        var f = SignedLimbs6(order), g = SignedLimbs6(a)
        var d = SignedLimbs6(.zero), e = SignedLimbs6(.one)
        var delta: Int64 = 1
        // 741 divsteps always suffice for 256-bit inputs (the paper's
        // bound, §11); 24 batches of 62 leave room twice over.
        for _ in 0..<24 {
            let t = divsteps62(&delta, f.l.0, g.l.0)
            (f, g) = (f.times(t.u).adding(g.times(t.v)).shiftedRight62(), f.times(t.q).adding(g.times(t.r)).shiftedRight62())
            (d, e) = (divided(d.times(t.u).adding(e.times(t.v))), divided(d.times(t.q).adding(e.times(t.r))))
            guard g.isZero else { continue }
            guard let dl = d.limbs else { return nil }
            if f.isOne { return dl }
            guard f.isMinusOne else { return nil }
            var negated = order
            _ = negated.subtract(dl)
            return dl.isZero ? .zero : negated
        }
        return nil
    }

    /// 62 divsteps on the low words of f and g, from `delta`: the matrix
    /// (u v; q r) with 2^62·(f', g') = (u·f + v·g, q·f + r·g). Each step:
    /// if delta > 0 and g is odd, (delta, f, g) = (1 - delta, g, (g - f)/2);
    /// else if g is odd, (1 + delta, f, (g + f)/2); else (1 + delta, f, g/2).
    /// Masks instead of branches; the words' low bits stay exact for 62 steps.
    @inline(__always)
    static func divsteps62(_ delta: inout Int64, _ f0: UInt64, _ g0: UInt64) -> (u: Int64, v: Int64, q: Int64, r: Int64) {
        var f = f0, g = g0
        var u: Int64 = 1, v: Int64 = 0, q: Int64 = 0, r: Int64 = 1
        var dl = delta
        for _ in 0..<62 {
            let odd = 0 &- (g & 1)
            let swap = odd & UInt64(bitPattern: (0 &- dl) >> 63)
            let sw = Int64(bitPattern: swap)
            let oddSigned = Int64(bitPattern: odd)
            // On swap: (f, g) = (g, -f), (u, v, q, r) = (q, r, -u, -v), delta = -delta.
            let x = (f ^ g) & swap
            f ^= x
            g ^= x
            g = (g ^ swap) &- swap
            let xu = (u ^ q) & sw
            u ^= xu
            q ^= xu
            let xv = (v ^ r) & sw
            v ^= xv
            r ^= xv
            q = (q ^ sw) &- sw
            r = (r ^ sw) &- sw
            dl = (dl ^ sw) &- sw
            // When g is odd: g += f, q += u, r += v. Then halve g, double u and v.
            g = g &+ (f & odd)
            q = q &+ (u & oddSigned)
            r = r &+ (v & oddSigned)
            dl = dl &+ 1
            g >>= 1
            u = u &<< 1
            v = v &<< 1
        }
        delta = dl
        return (u, v, q, r)
    }

    /// value / 2^62 mod n, in [0, n): m = -value·n⁻¹ mod 2^62 makes
    /// value + m·n a multiple of 2^62 (as in Montgomery reduction); the
    /// quotient is below 2^257 in magnitude, so a few additions or
    /// subtractions of n bring it into range.
    @inline(__always)
    static func divided(_ value: SignedLimbs6) -> SignedLimbs6 {
        let m = (value.l.0 &* negatedInverse) & ((1 << 62) - 1)
        var r = value.adding(orderSigned.times(Int64(bitPattern: m))).shiftedRight62()
        // |value| < 2^318 (|u| + |v| <= 2^62 times d, e < n): then
        // |r| < 2^257 < 3n, and three steps either way are enough.
        for _ in 0..<3 where r.isNegative { r = r.adding(orderSigned) }
        for _ in 0..<3 where !r.isBelowOrder { r = r.adding(orderNegated) }
        precondition(r.isBelowOrder, "P256OrderInverse.divided: value out of range")
        return r
    }

    static let orderSigned = SignedLimbs6(order)
    static let orderNegated = SignedLimbs6(order).negated

    /// -n⁻¹ mod 2⁶⁴ (n is odd), by Newton's iteration: each step doubles
    /// the number of correct low bits.
    static let negatedInverse: UInt64 = {
        var inverse: UInt64 = 1
        for _ in 0..<6 { inverse = inverse &* (2 &- order.w0 &* inverse) }
        return 0 &- inverse
    }()
}

/// A signed number in two's complement over six 64-bit limbs (least
/// significant first): the working values of `P256OrderInverse.inverse`,
/// whose magnitudes stay below 2^320.
struct SignedLimbs6: Equatable {
    var l: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    init(_ x: P256OrderInverse.Limbs) { l = (x.w0, x.w1, x.w2, x.w3, 0, 0) }

    init(l: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)) { self.l = l }

    static func == (a: SignedLimbs6, b: SignedLimbs6) -> Bool {
        a.l.0 == b.l.0 && a.l.1 == b.l.1 && a.l.2 == b.l.2 && a.l.3 == b.l.3 && a.l.4 == b.l.4 && a.l.5 == b.l.5
    }

    var isZero: Bool { (l.0 | l.1 | l.2 | l.3 | l.4 | l.5) == 0 }
    var isNegative: Bool { l.5 >> 63 == 1 }
    var isOne: Bool { l.0 == 1 && (l.1 | l.2 | l.3 | l.4 | l.5) == 0 }
    var isMinusOne: Bool { (l.0 & l.1 & l.2 & l.3 & l.4 & l.5) == .max }

    /// Non-negative and below n.
    var isBelowOrder: Bool {
        guard !isNegative, l.4 == 0, l.5 == 0 else { return false }
        return !P256OrderInverse.Limbs(w0: l.0, w1: l.1, w2: l.2, w3: l.3).isAtLeast(P256OrderInverse.order)
    }

    /// The value as four limbs when it is in [0, 2^256).
    var limbs: P256OrderInverse.Limbs? {
        guard l.4 == 0, l.5 == 0 else { return nil }
        return P256OrderInverse.Limbs(w0: l.0, w1: l.1, w2: l.2, w3: l.3)
    }

    /// self·s (mod 2^384), s signed: the unsigned product, less self·2^64
    /// when s is negative (s = s_unsigned - 2^64).
    @inline(__always)
    func times(_ s: Int64) -> SignedLimbs6 {
        let m = UInt64(bitPattern: s)
        var out = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var carry: UInt64 = 0
        func step(_ limb: UInt64) -> UInt64 {
            let p = limb.multipliedFullWidth(by: m)
            let (low, o) = p.low.addingReportingOverflow(carry)
            carry = p.high &+ (o ? 1 : 0)
            return low
        }
        out.0 = step(l.0)
        out.1 = step(l.1)
        out.2 = step(l.2)
        out.3 = step(l.3)
        out.4 = step(l.4)
        out.5 = step(l.5)
        var result = SignedLimbs6(l: out)
        if s < 0 { result = result.adding(SignedLimbs6(l: (0, l.0, l.1, l.2, l.3, l.4)).negated) }
        return result
    }

    @inline(__always)
    func adding(_ o: SignedLimbs6) -> SignedLimbs6 {
        var c: UInt64 = 0
        func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let (s1, o1) = a.addingReportingOverflow(b)
            let (s2, o2) = s1.addingReportingOverflow(c)
            c = (o1 || o2) ? 1 : 0
            return s2
        }
        return SignedLimbs6(l: (add(l.0, o.l.0), add(l.1, o.l.1), add(l.2, o.l.2), add(l.3, o.l.3), add(l.4, o.l.4), add(l.5, o.l.5)))
    }

    var negated: SignedLimbs6 {
        SignedLimbs6(l: (~l.0, ~l.1, ~l.2, ~l.3, ~l.4, ~l.5)).adding(SignedLimbs6(l: (1, 0, 0, 0, 0, 0)))
    }

    /// self / 2^62 for a multiple of 2^62 (arithmetic shift).
    @inline(__always)
    func shiftedRight62() -> SignedLimbs6 {
        SignedLimbs6(l: (l.0 >> 62 | l.1 << 2, l.1 >> 62 | l.2 << 2, l.2 >> 62 | l.3 << 2, l.3 >> 62 | l.4 << 2,
                         l.4 >> 62 | l.5 << 2, UInt64(bitPattern: Int64(bitPattern: l.5) >> 62)))
    }
}
