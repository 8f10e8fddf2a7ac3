import Crypto
import Foundation
import Testing
@testable import STIRCore

/// CPU per verified Identity header in STIRCore (prepare + finish with the
/// certificate at hand), beside the signature check alone, so the Swift work
/// around the check shows. A benchmark, not a test: run with
/// `STIRD_BENCH=1 swift test -c release --filter VerifierBenchmarkTests`.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["STIRD_BENCH"] != nil))
struct VerifierBenchmarkTests {
    static func cpuMicroseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
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
        let rounds = 20_000
        var best = (whole: Double.infinity, check: Double.infinity)
        for _ in 0..<3 {
            var valid = 0
            var start = Self.cpuMicroseconds()
            for _ in 0..<rounds where VerifierFixture.verify([header]).outcome == .valid(headerIndex: 0, attestation: .a) { valid += 1 }
            best.whole = min(best.whole, (Self.cpuMicroseconds() - start) / Double(rounds))
            start = Self.cpuMicroseconds()
            for _ in 0..<rounds where key.isValidSignature(signature, for: input) { valid += 1 }
            best.check = min(best.check, (Self.cpuMicroseconds() - start) / Double(rounds))
            #expect(valid == 2 * rounds)
        }
        print(String(format: "BENCH verified Identity header: %.1f µs, of which the signature check %.1f µs: %.1f µs around it (best of 3 × %d; key table %@)",
                     best.whole, best.check, best.whole - best.check, rounds, key.hasTable ? "on" : "off"))
    }
}
