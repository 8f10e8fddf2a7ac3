import Foundation
import Testing
@testable import STIRCore

/// `stirctl` end to end: exit codes and output (runs the binary built next
/// to the tests; skipped when it was not built).
@Suite(.enabled(if: Interop.stirctl != nil, "stirctl binary not built next to the test bundle (run `swift build` first)"))
struct StirctlTests {
    let dir = try! Interop.TempDir()
    let stirctl = Interop.stirctl ?? ""
    let x5u = "https://cert.example.org/passport.cer"

    func run(_ args: [String]) throws -> Interop.Output { try Interop.run(stirctl, args) }

    func keyAndSign(attest: String = "A", extra: [String] = []) throws -> String {
        #expect(try run(["keygen", "--out", dir.path("k.pem"), "--pub", dir.path("k.pub")]).status == 0)
        let r = try run(["sign", "--key", dir.path("k.pem"), "--x5u", x5u, "--orig", "+1 215 555 0121",
                         "--dest", "12155550131,12155550132", "--attest", attest] + extra)
        try #require(r.status == 0, "\(r.stderr)")
        return r.stdout
    }

    @Test func signThenVerifyExitsZero() throws {
        let value = try keyAndSign(attest: "B")
        let r = try run(["verify", "--identity", value, "--orig", "tel:+12155550121", "--dest", "12155550132",
                         "--cert", dir.path("k.pub"), "--shaken-only"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("valid attest=B"))
        #expect(r.stdout.contains("verstat=TN-Validation-Passed"))
    }

    @Test func verifyFailureExitsOneWithCodeAndReasons() throws {
        let value = try keyAndSign(extra: ["--iat", "1000"])
        let r = try run(["verify", "--identity", value, "--orig", "12155550121", "--dest", "12155550131", "--cert", dir.path("k.pub")])
        #expect(r.status == 1)
        #expect(r.stdout.hasPrefix("iat_stale 403 Stale Date"))
        #expect(r.stdout.contains(#"Reason: STIR ;cause=403 ;text="Stale Date""#))
        let then = try run(["verify", "--identity", value, "--orig", "12155550121", "--dest", "12155550131",
                            "--cert", dir.path("k.pub"), "--now", "1030"])
        #expect(then.status == 0)
    }

    @Test func verifyWithoutCertNeedsTrustAnchors() throws {
        let r = try run(["verify", "--identity", "x", "--orig", "1", "--dest", "2"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--ca"))
    }

    @Test func decodePrintsHeaderAndClaims() throws {
        let r = try run(["decode", try keyAndSign()])
        #expect(r.status == 0)
        #expect(r.stdout.contains(#""attest": "A""#))
        #expect(r.stdout.contains(#""x5u": "https://cert.example.org/passport.cer""#))
        let bad = try run(["decode", "not-a-token"])
        #expect(bad.status != 0)
    }

    /// `--count`: that many values, each with its own origid (so its own
    /// payload and signature), each verifying.
    @Test func signCountPrintsDistinctValuesThatVerify() throws {
        let lines = try keyAndSign(extra: ["--count", "5"]).split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(Set(lines).count == 5)
        let tokens = lines.map { $0.split(separator: ";")[0] }
        #expect(Set(tokens.map { $0.split(separator: ".")[1] }).count == 5)
        for value in lines {
            let r = try run(["verify", "--identity", value, "--orig", "12155550121", "--dest", "12155550131",
                             "--cert", dir.path("k.pub"), "--shaken-only"])
            #expect(r.status == 0, "\(r.stdout)")
        }
        #expect(try run(["sign", "--key", dir.path("k.pem"), "--x5u", x5u, "--orig", "1", "--dest", "2", "--attest", "A",
                         "--count", "0"]).status != 0)
        #expect(try run(["sign", "--key", dir.path("k.pem"), "--x5u", x5u, "--orig", "1", "--dest", "2", "--attest", "A",
                         "--count", "2", "--origid", "123e4567-e89b-12d3-a456-426655440000"]).status != 0)
    }

    @Test func signRejectsBadArguments() throws {
        _ = try keyAndSign()
        #expect(try run(["sign", "--key", dir.path("k.pem"), "--x5u", x5u, "--orig", "1", "--dest", "2", "--attest", "D"]).status != 0)
        #expect(try run(["sign", "--key", dir.path("missing.pem"), "--x5u", x5u, "--orig", "1", "--dest", "2", "--attest", "A"]).status != 0)
        #expect(try run(["sign", "--key", dir.path("k.pem"), "--x5u", x5u, "--orig", "1", "--dest", "2", "--attest", "A",
                         "--origid", "nope"]).status != 0)
    }
}
