import Foundation
import Testing
@testable import Crypto

/// CPU per ES256 check with and without a key table, and the cost of one
/// build. A benchmark, not a test: run with
/// `STIRD_BENCH=1 swift test -c release --filter KeyTableBenchmarkTests`.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["STIRD_BENCH"] != nil))
struct KeyTableBenchmarkTests {
    static func cpuMicroseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
    }

    @Test func checkWithAndWithoutTable() throws {
        let key = try ES256PrivateKey.generate()
        let plain = try ES256PublicKey(derSPKI: key.publicKey.derSPKI, tables: ES256KeyTables(policy: .init(capacity: 0)))
        let budget = ES256KeyTables(policy: .init(capacity: 1, threshold: 1, minimumInterval: .zero))
        let tabled = try ES256PublicKey(derSPKI: key.publicKey.derSPKI, tables: budget)
        let input = Array("eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0In0.eyJhdHRlc3QiOiJBIn0".utf8)
        let sig = try key.sign(input)
        var start = Self.cpuMicroseconds()
        _ = tabled.isValidSignature(sig, for: input)
        budget.settle()
        let build = Self.cpuMicroseconds() - start
        #expect(tabled.hasTable)
        let rounds = 20_000
        var best = (evp: Double.infinity, table: Double.infinity)
        for _ in 0..<3 {
            var ok = 0
            start = Self.cpuMicroseconds()
            for _ in 0..<rounds where plain.isValidSignature(sig, for: input) { ok += 1 }
            best.evp = min(best.evp, (Self.cpuMicroseconds() - start) / Double(rounds))
            start = Self.cpuMicroseconds()
            for _ in 0..<rounds where tabled.isValidSignature(sig, for: input) { ok += 1 }
            best.table = min(best.table, (Self.cpuMicroseconds() - start) / Double(rounds))
            #expect(ok == 2 * rounds)
        }
        print(String(format: "BENCH ES256 check: %.1f µs with OpenSSL's verify, %.1f µs with the key table (best of 3 × %d); one table build %.0f µs CPU",
                     best.evp, best.table, rounds, build))
    }
}
