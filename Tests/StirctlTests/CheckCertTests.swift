import Foundation
import Testing
import TestSupport

/// `stirctl check-cert` and `verify --cert --ca`: offline chain validation.
struct CheckCertTests {
    let pki = TestPKI.shared

    func check(_ chain: String, _ extra: [String] = []) throws -> Harness.Output {
        try Harness.run(["check-cert", "--cert", pki.path(chain), "--ca", pki.path("root.pem")] + extra)
    }

    @Test func printsSPCTNAuthListAndCoverage() throws {
        let r = try check("leaf-multi-chain.pem", ["--tn", "+1 215 555 1212"])
        #expect(r.status == 0)
        #expect(r.lines.first == "valid")
        #expect(r.lines.contains("spc=709J"))
        #expect(r.lines.contains("cn=SHAKEN 709J"))
        #expect(r.lines.contains("tnauthlist=spc:709J,range:12155551000+1000,one:12155551212"))
        #expect(r.lines.contains("covers 12155551212=yes"))
        #expect(r.lines.contains { $0.hasPrefix("not_after=") })
    }

    @Test func exitsOneWhenTheTNIsNotCovered() throws {
        let r = try check("leaf-one-chain.pem", ["--tn", "12155550000"])
        #expect(r.status == 1)
        #expect(r.lines.contains("covers 12155550000=no"))
        let range = try check("leaf-range-chain.pem", ["--tn", "12155551999"])
        #expect(range.status == 0)
        #expect(try check("leaf-range-chain.pem", ["--tn", "12155552000"]).status == 1)
    }

    @Test func caLevelTNAuthListLimitsCoverage() throws {
        let r = try check("leaf-limited-chain.pem", ["--tn", "12155551500"])
        #expect(r.status == 1)
        #expect(r.lines.contains("ca_tnauthlist=range:12155551000+100"))
        #expect(try check("leaf-limited-chain.pem", ["--tn", "12155551050"]).status == 0)
    }

    @Test(arguments: [
        ("leaf-untrusted-chain.pem", "invalid untrusted_root"),
        ("leaf-expired-chain.pem", "invalid expired"),
        ("leaf-notyet-chain.pem", "invalid not_yet_valid"),
        ("leaf-notn-chain.pem", "invalid no_tnauthlist"),
        ("leaf-spc.pem", "invalid untrusted_root"),
    ])
    func rejectsInvalidChains(chain: String, expected: String) throws {
        let r = try check(chain)
        #expect(r.status == 1)
        #expect(r.stdout == expected)
    }

    @Test func validatesAtTheGivenTime() throws {
        // The short-lived leaf lives two days from one hour ago.
        let now = Int(Date().timeIntervalSince1970)
        #expect(try check("leaf-short-chain.pem", ["--at", String(now + 86_400)]).status == 0)
        #expect(try check("leaf-short-chain.pem", ["--at", String(now + 3 * 86_400)]).stdout == "invalid expired")
        #expect(try check("leaf-short-chain.pem", ["--at", String(now - 7_200)]).stdout == "invalid not_yet_valid")
    }

    @Test func checksTheSHAKENCommonNameOnRequest() throws {
        #expect(try check("leaf-badcn-chain.pem").status == 0)
        let r = try check("leaf-badcn-chain.pem", ["--require-shaken-cn"])
        #expect(r.status == 1)
        #expect(r.stdout.hasPrefix("invalid subject_mismatch"))
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try Harness.run(["check-cert", "--cert", pki.path("leaf-spc-chain.pem")]).status == 2)
        #expect(try check("no-such-file.pem").status == 2)
        #expect(try check("leaf-spc-chain.pem", ["--tn", "not-a-number"]).status == 2)
        #expect(try Harness.run(["check-cert", "--cert", pki.path("leaf-spc-chain.pem"), "--ca", pki.path("nope.pem")]).status == 2)
    }

    @Test func verifyWithCertAndCAValidatesTheLocalChain() throws {
        let x5u = "https://cert.example.org/leaf.pem"
        let signed = try Harness.run(["sign", "--key", pki.path("leaf-spc.key"), "--x5u", x5u, "--orig", "12155551212",
                                      "--dest", "12155550131", "--attest", "A"])
        try #require(signed.status == 0)
        func verify(_ chain: String) throws -> Harness.Output {
            try Harness.run(["verify", "--identity", signed.stdout, "--orig", "12155551212", "--dest", "12155550131",
                             "--cert", pki.path(chain), "--ca", pki.path("root.pem")])
        }
        let ok = try verify("leaf-spc-chain.pem")
        #expect(ok.status == 0, "\(ok.stdout)")
        #expect(ok.stdout.contains("cert=ok spc=1234"))
        let untrusted = try verify("leaf-untrusted-chain.pem")
        #expect(untrusted.status == 1)
        #expect(untrusted.stdout.contains("cert=untrusted_root"))
        // Right chain, wrong key: the signature does not verify.
        let other = try verify("leaf-multi-chain.pem")
        #expect(other.lines.first == "signature_invalid 438 Invalid Identity Header")
    }
}
