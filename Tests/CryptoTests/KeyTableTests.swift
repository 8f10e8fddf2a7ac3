import COpenSSL
import Dispatch
import Foundation
import Testing
@testable import Crypto

/// The table-based ES256 check (`ES256KeyTable`) against OpenSSL's own
/// verify on the same inputs, and the budget that hands tables out
/// (`ES256KeyTables`).
@Suite struct KeyTableTests {
    /// The order n of P-256 (SEC 2 §2.4.2), big-endian.
    static let order: [UInt8] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84,
        0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
    ]

    /// a - b for 32-byte big-endian numbers (a >= b).
    static func subtract(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for i in stride(from: 31, through: 0, by: -1) {
            var d = Int(a[i]) - Int(b[i]) - borrow
            borrow = d < 0 ? 1 : 0
            if d < 0 { d += 256 }
            out[i] = UInt8(d)
        }
        return out
    }

    static func digest(_ data: [UInt8]) -> [UInt8] { OpenSSLSupport.sha256Digest(data)! }

    /// OpenSSL's verify (EVP_PKEY_verify over the DER form).
    static func reference(_ key: ES256PublicKey, _ rs: [UInt8], _ digest: [UInt8]) -> Bool {
        guard rs.count == 64, let der = ECDSASignatureEncoding.derFromRaw(rs) else { return false }
        return key.isValidDigestSignature(der, digest: digest)
    }

    static func table(_ table: ES256KeyTable, _ rs: [UInt8], _ digest: [UInt8]) -> Bool {
        rs.withUnsafeBufferPointer { r in digest.withUnsafeBufferPointer { d in table.isValid(rs: r, digest: d) } }
    }

    /// A fresh key pair whose public half answers to `budget`.
    static func pair(_ budget: ES256KeyTables) throws -> (ES256PrivateKey, ES256PublicKey) {
        let key = try ES256PrivateKey.generate()
        return (key, try ES256PublicKey(derSPKI: key.publicKey.derSPKI, tables: budget))
    }

    /// Keys that never get a table by themselves.
    static let noTables = ES256KeyTables(policy: .init(capacity: 0))

    @Test func tableAgreesWithOpenSSLOnValidTamperedAndEdgeSignatures() throws {
        var rng = SystemRandomNumberGenerator()
        var agreed = 0, valid = 0
        for _ in 0..<4 {
            let (key, pub) = try Self.pair(Self.noTables)
            let table = try #require(ES256KeyTable(pkey: pub.pkey))
            for n in 0..<60 {
                let data = Array("eyJhbGciOiJFUzI1NiJ9.\(n).\(rng.next())".utf8)
                let d = Self.digest(data)
                let rs = try key.sign(data)
                let r = Array(rs[0..<32]), s = Array(rs[32..<64])
                var cases: [([UInt8], [UInt8])] = [(rs, d)]
                // One flipped bit in r, in s, in the digest.
                var flipped = rs
                flipped[Int.random(in: 0..<64)] ^= UInt8(1 << Int.random(in: 0..<8))
                cases.append((flipped, d))
                var badDigest = d
                badDigest[Int.random(in: 0..<32)] ^= 0x01
                cases.append((rs, badDigest))
                // (r, n - s) is the other valid signature of the same digest.
                cases.append((r + Self.subtract(Self.order, s), d))
                // Out of range and zero values of r and s.
                let zero = [UInt8](repeating: 0, count: 32), ones = [UInt8](repeating: 0xFF, count: 32)
                for bad in [zero, Self.order, ones, Self.subtract(Self.order, [UInt8](repeating: 0, count: 31) + [1])] {
                    cases.append((bad + s, d))
                    cases.append((r + bad, d))
                }
                for (sig, digest) in cases {
                    let expected = Self.reference(pub, sig, digest)
                    let got = Self.table(table, sig, digest)
                    #expect(got == expected, "table \(got), OpenSSL \(expected)")
                    if got == expected { agreed += 1 }
                    if got { valid += 1 }
                }
            }
        }
        // Each message: the signature and its (r, n - s) twin are valid.
        #expect(valid == 4 * 60 * 2)
        #expect(agreed == 4 * 60 * 12)
    }

    /// A valid signature whose s is below 2^256 - n, so that s + n still
    /// fits 32 bytes: with the private key d, a nonce k and s chosen first,
    /// the digest is e = s·k - r·d (mod n), since s = k^-1 (e + r·d).
    static func signatureWithSmallS(_ key: ES256PrivateKey) throws -> (rs: [UInt8], digest: [UInt8]) {
        let group = try #require(ES256KeyTable.p256), n = try #require(EC_GROUP_get0_order(group))
        let ctx = try #require(BN_CTX_new())
        defer { BN_CTX_free(ctx) }
        var d: OpaquePointer? = nil
        #expect(EVP_PKEY_get_bn_param(key.pkey, "priv", &d) == 1)
        let k = BN_new(), r = BN_new(), s = BN_new(), e = BN_new(), t = BN_new(), x = BN_new()
        defer { for b in [d, k, r, s, e, t, x] { BN_free(b) } }
        let point = EC_POINT_new(group)
        defer { EC_POINT_free(point) }
        #expect(BN_rand_range(k, n) == 1 && EC_POINT_mul(group, point, k, nil, nil, ctx) == 1)
        #expect(EC_POINT_get_affine_coordinates(group, point, x, nil, ctx) == 1 && BN_nnmod(r, x, n, ctx) == 1)
        BN_set_word(s, 0x1234_5678)
        #expect(BN_mod_mul(e, s, k, n, ctx) == 1 && BN_mod_mul(t, r, d, n, ctx) == 1 && BN_mod_sub(e, e, t, n, ctx) == 1)
        func bytes(_ b: OpaquePointer?) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: 32)
            _ = BN_bn2binpad(b, &out, 32)
            return out
        }
        return (bytes(r) + bytes(s), bytes(e))
    }

    /// a + b for 32-byte big-endian numbers (no overflow expected).
    static func add(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var carry = 0
        for i in stride(from: 31, through: 0, by: -1) {
            let v = Int(a[i]) + Int(b[i]) + carry
            out[i] = UInt8(v & 0xFF)
            carry = v >> 8
        }
        return out
    }

    @Test func sPlusNIsRejectedLikeOpenSSLDoes() throws {
        var n = [UInt8](repeating: 0, count: 32)
        _ = BN_bn2binpad(EC_GROUP_get0_order(ES256KeyTable.p256), &n, 32)
        #expect(n == Self.order)
        let (key, pub) = try Self.pair(Self.noTables)
        let table = try #require(ES256KeyTable(pkey: pub.pkey))
        for _ in 0..<5 {
            let (rs, digest) = try Self.signatureWithSmallS(key)
            #expect(Self.reference(pub, rs, digest) && Self.table(table, rs, digest))
            // (r, s + n) is the same residue: OpenSSL refuses it (s >= n), and so must the table.
            let malleated = Array(rs[0..<32]) + Self.add(Array(rs[32..<64]), Self.order)
            #expect(!Self.reference(pub, malleated, digest))
            #expect(!Self.table(table, malleated, digest))
        }
    }

    /// x(R) at or above n (probability about 2^-128 for a real signature):
    /// found by trying x = n, n + 1, … until one lies on the curve, and put
    /// in Jacobian form with Z ≠ 1 by adding G and then -G.
    @Test func anXAtOrAboveTheOrderMatchesRMinusN() throws {
        let group = try #require(ES256KeyTable.p256), n = try #require(EC_GROUP_get0_order(group))
        let ctx = try #require(BN_CTX_new())
        defer { BN_CTX_free(ctx) }
        let x = try #require(BN_new()), r = try #require(BN_new()), z = try #require(BN_new()), other = try #require(BN_new())
        defer { for b in [x, r, z, other] { BN_free(b) } }
        BN_copy(x, n)
        let generator = try #require(EC_GROUP_get0_generator(group))
        let affine = try #require(EC_POINT_new(group)), point = try #require(EC_POINT_new(group))
        let minusG = try #require(EC_POINT_dup(generator, group))
        defer { for p in [affine, point, minusG] { EC_POINT_free(p) } }
        var tries = 0
        while EC_POINT_set_compressed_coordinates(group, affine, x, 0, ctx) != 1 && tries < 100 {
            ERR_clear_error()
            BN_add_word(x, 1)
            tries += 1
        }
        #expect(tries < 100)
        #expect(EC_POINT_invert(group, minusG, ctx) == 1)
        #expect(EC_POINT_add(group, point, affine, generator, ctx) == 1)
        #expect(EC_POINT_add(group, point, point, minusG, ctx) == 1)
        #expect(stird_EC_POINT_get_Jprojective(group, point, nil, nil, z, ctx) == 1 && BN_is_one(z) == 0)
        BN_sub(r, x, n)
        #expect(ES256KeyTable.xCoordinate(of: point, matches: r, ctx: ctx))
        BN_add_word(r, 1)
        #expect(!ES256KeyTable.xCoordinate(of: point, matches: r, ctx: ctx))
        // An ordinary point: x itself, and nothing else.
        #expect(EC_POINT_get_affine_coordinates(group, generator, other, nil, ctx) == 1)
        #expect(ES256KeyTable.xCoordinate(of: generator, matches: other, ctx: ctx))
        BN_add_word(other, 1)
        #expect(!ES256KeyTable.xCoordinate(of: generator, matches: other, ctx: ctx))
    }

    @Test func anotherKeysSignatureFailsOnTheTable() throws {
        let a = try ES256PrivateKey.generate(), b = try ES256PrivateKey.generate()
        let table = try #require(ES256KeyTable(pkey: b.publicKey.pkey))
        let data = Array("payload".utf8)
        let sig = try a.sign(data)
        #expect(!Self.table(table, sig, Self.digest(data)))
        #expect(Self.table(try #require(ES256KeyTable(pkey: a.publicKey.pkey)), sig, Self.digest(data)))
    }

    @Test func aKeyGetsItsTableAfterTheThresholdAndKeepsVerifying() throws {
        let budget = ES256KeyTables(policy: .init(capacity: 2, threshold: 3, minimumInterval: .zero))
        let (key, pub) = try Self.pair(budget)
        let data = Array("x".utf8)
        let sig = try key.sign(data)
        for _ in 0..<2 { #expect(pub.isValidSignature(sig, for: data)) }
        budget.settle()
        #expect(!pub.hasTable && budget.counts.built == 0)
        #expect(pub.isValidSignature(sig, for: data))
        budget.settle()
        #expect(pub.hasTable && budget.counts == .init(held: 1, built: 1, evicted: 0, failed: 0))
        #expect(pub.isValidSignature(sig, for: data))
        #expect(!pub.isValidSignature(sig, for: data + [0x41]))
        var other = sig
        other[40] ^= 0x10
        #expect(!pub.isValidSignature(other, for: data))
    }

    @Test func theLeastRecentlyUsedKeyGivesItsTableUpAtCapacity() throws {
        let budget = ES256KeyTables(policy: .init(capacity: 2, threshold: 1, minimumInterval: .zero))
        let events = EventLog()
        budget.observe { events.add($0) }
        let data = Array("y".utf8)
        let keys = try (0..<3).map { _ in try ES256PrivateKey.generate() }
        let pubs = try keys.map { try ES256PublicKey(derSPKI: $0.publicKey.derSPKI, tables: budget) }
        let sigs = try keys.map { try $0.sign(data) }
        for i in 0..<2 {
            #expect(pubs[i].isValidSignature(sigs[i], for: data))
            budget.settle()
        }
        #expect(pubs[0].hasTable && pubs[1].hasTable)
        // Key 0 used again: key 1 is now the least recently used.
        #expect(pubs[0].isValidSignature(sigs[0], for: data))
        #expect(pubs[2].isValidSignature(sigs[2], for: data))
        budget.settle()
        #expect(pubs[0].hasTable && !pubs[1].hasTable && pubs[2].hasTable)
        #expect(budget.counts == .init(held: 2, built: 3, evicted: 1, failed: 0))
        let seen = events.all.map { event -> String in
            switch event {
            case .built(let held, let capacity, _): return "built \(held)/\(capacity)"
            case .evicted(let held, let capacity): return "evicted \(held)/\(capacity)"
            case .failed: return "failed"
            }
        }
        #expect(seen == ["built 1/2", "built 2/2", "evicted 1/2", "built 2/2"])
        // Without its table key 1 still verifies (OpenSSL's path).
        #expect(pubs[1].isValidSignature(sigs[1], for: data))
        #expect(!pubs[1].isValidSignature(sigs[0], for: data))
    }

    @Test func buildsAreSpacedAndARefusedKeyCountsAgain() throws {
        let budget = ES256KeyTables(policy: .init(capacity: 4, threshold: 2, minimumInterval: .seconds(3600)))
        let data = Array("z".utf8)
        let a = try ES256PrivateKey.generate(), b = try ES256PrivateKey.generate()
        let pa = try ES256PublicKey(derSPKI: a.publicKey.derSPKI, tables: budget)
        let pb = try ES256PublicKey(derSPKI: b.publicKey.derSPKI, tables: budget)
        let sa = try a.sign(data), sb = try b.sign(data)
        for _ in 0..<2 { #expect(pa.isValidSignature(sa, for: data)) }
        budget.settle()
        #expect(pa.hasTable)
        for _ in 0..<10 { #expect(pb.isValidSignature(sb, for: data)) }
        budget.settle()
        #expect(!pb.hasTable && budget.counts.built == 1)
        // A shorter interval: b asks again after another 2 uses and gets one.
        budget.configure(.init(capacity: 4, threshold: 2, minimumInterval: .zero))
        for _ in 0..<2 { #expect(pb.isValidSignature(sb, for: data)) }
        budget.settle()
        #expect(pb.hasTable && budget.counts.built == 2)
    }

    @Test func shrinkingTheBudgetOrFreeingAKeyReleasesTables() throws {
        let budget = ES256KeyTables(policy: .init(capacity: 3, threshold: 1, minimumInterval: .zero))
        let data = Array("w".utf8)
        var pubs: [ES256PublicKey] = []
        for _ in 0..<3 {
            let (k, p) = try Self.pair(budget)
            #expect(p.isValidSignature(try k.sign(data), for: data))
            budget.settle()
            pubs.append(p)
        }
        #expect(pubs.allSatisfy(\.hasTable) && budget.counts.held == 3)
        pubs.removeLast()
        #expect(budget.counts.held == 2)
        budget.configure(.init(capacity: 0, threshold: 1, minimumInterval: .zero))
        #expect(!pubs.contains(where: \.hasTable) && budget.counts.held == 0 && budget.counts.evicted == 2)
        // Tables off: keys keep verifying and never ask again.
        let (k, p) = try Self.pair(budget)
        let sig = try k.sign(data)
        for _ in 0..<5 { #expect(p.isValidSignature(sig, for: data)) }
        budget.settle()
        #expect(!p.hasTable && budget.counts.built == 3)
    }

    @Test func aTableFinishedAfterTheBudgetShrankIsNotKept() throws {
        let budget = ES256KeyTables(policy: .init(capacity: 1, threshold: 1, minimumInterval: .zero))
        let (key, pub) = try Self.pair(budget)
        let data = Array("v".utf8)
        #expect(pub.isValidSignature(try key.sign(data), for: data))
        // The build (about 25 ms) is usually still running here; either way
        // no table may remain once tables are off.
        budget.configure(.init(capacity: 0, threshold: 1, minimumInterval: .zero))
        budget.settle()
        #expect(!pub.hasTable && budget.counts.held == 0)
    }

    @Test func concurrentChecksWhileTheTableIsBuilt() throws {
        let budget = ES256KeyTables(policy: .init(capacity: 1, threshold: 5, minimumInterval: .zero))
        let (key, pub) = try Self.pair(budget)
        let inputs = (0..<16).map { Array("call-\($0)".utf8) }
        let sigs = try inputs.map { try key.sign($0) }
        let wrong = Mutex2()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for round in 0..<50 {
                let i = (worker * 7 + round) % inputs.count
                if !pub.isValidSignature(sigs[i], for: inputs[i]) { wrong.add() }
                if pub.isValidSignature(sigs[i], for: inputs[(i + 1) % inputs.count]) { wrong.add() }
            }
        }
        budget.settle()
        #expect(wrong.count == 0)
        #expect(pub.hasTable && budget.counts.built == 1)
    }
}

final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ES256KeyTables.Event] = []
    func add(_ e: ES256KeyTables.Event) { lock.lock(); events.append(e); lock.unlock() }
    var all: [ES256KeyTables.Event] { lock.lock(); defer { lock.unlock() }; return events }
}
