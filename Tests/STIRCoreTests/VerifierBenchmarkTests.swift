import Crypto
import Foundation
import Testing
@testable import STIRCore

/// CPU per ES256 check with and without a key table (and one table build),
/// and per verified Identity header in STIRCore (prepare + finish with the
/// certificate at hand) beside the signature check alone, so the Swift work
/// around the check shows. A benchmark, not a test: run with
/// `STIRD_BENCH=1 swift test -c release --filter VerifierBenchmarkTests`.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["STIRD_BENCH"] != nil))
struct VerifierBenchmarkTests {
    static func cpuMicroseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
    }

    static let rounds = 20_000

    /// Best-of-3 CPU µs per call of `a` and of `b` (interleaved rounds);
    /// every call must return true.
    static func bestOfThree(_ a: () -> Bool, _ b: () -> Bool) -> (a: Double, b: Double) {
        var best = (a: Double.infinity, b: Double.infinity)
        for _ in 0..<3 {
            var ok = 0
            var start = cpuMicroseconds()
            for _ in 0..<rounds where a() { ok += 1 }
            best.a = min(best.a, (cpuMicroseconds() - start) / Double(rounds))
            start = cpuMicroseconds()
            for _ in 0..<rounds where b() { ok += 1 }
            best.b = min(best.b, (cpuMicroseconds() - start) / Double(rounds))
            #expect(ok == 2 * rounds)
        }
        return best
    }

    @Test func verifiedHeaderAgainstTheBareSignatureCheck() throws {
        let header = VerifierFixture.shaken()
        let parsed = try IdentityHeader.parse(header)
        let segments = parsed.token.split(separator: ".").map(String.init)
        let input = Array((segments[0] + "." + segments[1]).utf8)
        let signature = try #require(Base64URL.decode(segments[2]))
        let key = VerifierFixture.key.publicKey
        // Warm up: the key gets its table (ES256KeyTables.shared) like a cached certificate's.
        for _ in 0..<100 { _ = VerifierFixture.verify([header]) }
        ES256KeyTables.shared.settle()
        let best = Self.bestOfThree({ VerifierFixture.verify([header]).outcome == .valid(headerIndex: 0, attestation: .a) },
                                    { key.isValidSignature(signature, for: input) })
        print(String(format: "BENCH verified Identity header: %.1f µs, of which the signature check %.1f µs: %.1f µs around it (best of 3 × %d; key table %@)",
                     best.a, best.b, best.a - best.b, Self.rounds, key.hasTable ? "on" : "off"))
    }

    /// Signatures of distinct tokens: each check inverts a different s, as in
    /// live traffic (the tests above repeat one signature, whose branches
    /// the predictor learns).
    @Test func checksOfDistinctSignatures() throws {
        let key = try ES256PrivateKey.generate()
        let budget = ES256KeyTables(policy: .init(capacity: 1, threshold: 1, minimumInterval: .zero))
        let tabled = try ES256PublicKey(derSPKI: key.publicKey.derSPKI, tables: budget)
        let inputs = (0..<2_000).map { Array("eyJhbGciOiJFUzI1NiJ9.\($0)".utf8) }
        let signatures = try inputs.map { try key.sign($0) }
        _ = tabled.isValidSignature(signatures[0], for: inputs[0])
        budget.settle()
        #expect(tabled.hasTable)
        var best = Double.infinity
        for _ in 0..<3 {
            var ok = 0
            let start = Self.cpuMicroseconds()
            for _ in 0..<5 {
                for i in inputs.indices where tabled.isValidSignature(signatures[i], for: inputs[i]) { ok += 1 }
            }
            best = min(best, (Self.cpuMicroseconds() - start) / Double(5 * inputs.count))
            #expect(ok == 5 * inputs.count)
        }
        print(String(format: "BENCH ES256 check with the key table, 2,000 distinct signatures: %.1f µs (best of 3 × 10,000)", best))
    }

    @Test func checkWithAndWithoutTable() throws {
        let key = try ES256PrivateKey.generate()
        let plain = try ES256PublicKey(derSPKI: key.publicKey.derSPKI, tables: ES256KeyTables(policy: .init(capacity: 0)))
        let budget = ES256KeyTables(policy: .init(capacity: 1, threshold: 1, minimumInterval: .zero))
        let tabled = try ES256PublicKey(derSPKI: key.publicKey.derSPKI, tables: budget)
        let input = Array("eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0In0.eyJhdHRlc3QiOiJBIn0".utf8)
        let sig = try key.sign(input)
        let start = Self.cpuMicroseconds()
        _ = tabled.isValidSignature(sig, for: input)
        budget.settle()
        let build = Self.cpuMicroseconds() - start
        #expect(tabled.hasTable)
        let best = Self.bestOfThree({ plain.isValidSignature(sig, for: input) }, { tabled.isValidSignature(sig, for: input) })
        print(String(format: "BENCH ES256 check: %.1f µs with OpenSSL's verify, %.1f µs with the key table (best of 3 × %d); one table build %.0f µs CPU",
                     best.a, best.b, Self.rounds, build))
    }
}
