import Foundation
import Testing
import TestSupport

/// `stirctl verify` without --cert: x5u fetched over https on loopback,
/// chain validated against --ca, TNAuthList, revocation, address rules.
@Suite(.serialized) struct VerifyFetchTests {
    let pki = TestPKI.shared

    func sign(_ leaf: String, x5u: String, orig: String = "12155551212", attest: String = "A",
              iat: Int? = nil) throws -> String {
        var args = ["sign", "--key", pki.path("\(leaf).key"), "--x5u", x5u, "--orig", orig, "--dest", "12155550131",
                    "--attest", attest]
        if let iat { args += ["--iat", String(iat)] }
        let r = try Harness.run(args)
        try #require(r.status == 0, "\(r.stderr)")
        return r.stdout
    }

    func verify(_ value: String, orig: String = "12155551212", server: LoopbackServer?, ca: String = "root.pem",
                loopback: Bool = true, extra: [String] = []) throws -> Harness.Output {
        var args = ["verify", "--identity", value, "--orig", orig, "--dest", "12155550131", "--ca", pki.path(ca),
                    "--ca-file-for-https", pki.path("web-ca.pem"), "--timeout-ms", "2000"]
        if let server { args += ["--x5u-port", String(server.port)] }
        if loopback { args.append("--allow-loopback") }
        return try Harness.run(args + extra)
    }

    @Test func fetchesX5UValidatesChainAndExitsZero() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let url = server.url("leaf-one-chain.pem")
        let r = try verify(try sign("leaf-one", x5u: url), server: server)
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.lines.first == "valid attest=A")
        #expect(r.lines.contains("verstat=TN-Validation-Passed"))
        #expect(r.stdout.contains("x5u=\(url) cert=ok spc=- "))
    }

    @Test func refusesLoopbackWithoutTheSwitch() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let r = try verify(try sign("leaf-one", x5u: server.url("leaf-one-chain.pem")), server: server, loopback: false)
        #expect(r.status == 1)
        #expect(r.lines.first == "x5u_not_allowed 436 Bad Identity Info")
        #expect(r.stdout.contains("cert=forbidden_url: address 127.0.0.1 is special-purpose"))
    }

    @Test func refusesPortsOutsideTheX5UPolicy() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let r = try verify(try sign("leaf-one", x5u: server.url("leaf-one-chain.pem")), server: nil)
        #expect(r.status == 1)
        #expect(r.stdout.contains("cert=forbidden_url: port \(server.port) not allowed"))
    }

    @Test(arguments: [
        ("leaf-untrusted", "root.pem", "cert_invalid 437 Unsupported Credential", "cert=untrusted_root"),
        ("leaf-one", "untrusted-root.pem", "cert_invalid 437 Unsupported Credential", "cert=untrusted_root"),
        ("leaf-notn", "root.pem", "cert_invalid 437 Unsupported Credential", "cert=no_tnauthlist"),
        ("leaf-expired", "root.pem", "cert_invalid 437 Unsupported Credential", "cert=expired"),
    ])
    func rejectsUnusableChains(leaf: String, ca: String, firstLine: String, certNote: String) throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let r = try verify(try sign(leaf, x5u: server.url("\(leaf)-chain.pem")), server: server, ca: ca)
        #expect(r.status == 1)
        #expect(r.lines.first == firstLine)
        #expect(r.stdout.contains(certNote), "\(r.stdout)")
        #expect(r.stdout.contains(#"Reason: STIR ;cause=437 ;text="Unsupported Credential""#))
    }

    @Test func rejectsOrigOutsideTNAuthList() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let value = try sign("leaf-one", x5u: server.url("leaf-one-chain.pem"), orig: "12155550000")
        let r = try verify(value, orig: "12155550000", server: server)
        #expect(r.status == 1)
        #expect(r.lines.first == "tn_not_covered 437 Unsupported Credential")
        #expect(r.stdout.contains("cert=ok"))
    }

    @Test func rejectsIatBeforeTheChainIsValid() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        // Leaves start one hour ago: valid now, not yet valid at an iat two hours ago.
        let iat = Int(Date().timeIntervalSince1970) - 7_200
        let value = try sign("leaf-one", x5u: server.url("leaf-one-chain.pem"), iat: iat)
        let r = try verify(value, server: server, extra: ["--max-age", "10000"])
        #expect(r.status == 1)
        #expect(r.lines.first == "cert_invalid 437 Unsupported Credential", "\(r.stdout)")
        let fresh = try verify(try sign("leaf-one", x5u: server.url("leaf-one-chain.pem")), server: server,
                               extra: ["--max-age", "10000"])
        #expect(fresh.status == 0)
    }

    @Test func reportsFetchFailuresAs436WithinTheDeadline() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let missing = try verify(try sign("leaf-one", x5u: server.url("status/404")), server: server)
        #expect(missing.status == 1)
        #expect(missing.lines.first == "cert_unavailable 436 Bad Identity Info")
        #expect(missing.stdout.contains("cert=fetch_failed: HTTP 404"))
        // `slow` answers after 30 s: fetch_timeout is the 500 ms --timeout-ms
        // at work (without it the run would see an empty 200 or be killed).
        let slow = try verify(try sign("leaf-one", x5u: server.url("slow")), server: server, extra: ["--timeout-ms", "500"])
        #expect(slow.status == 1)
        #expect(slow.stdout.contains("cert=fetch_timeout"), "\(slow.stdout)")
    }

    @Test func appliesJWTClaimConstraintsOfTheLeaf() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let url = server.url("leaf-jcc-chain.pem")
        #expect(try verify(try sign("leaf-jcc", x5u: url, attest: "A"), server: server).status == 0)
        let b = try verify(try sign("leaf-jcc", x5u: url, attest: "B"), server: server)
        #expect(b.status == 1)
        #expect(b.lines.first == "claim_invalid 438 Invalid PASSporT")
    }

    @Test func crlRevocationRejectsTheRevokedLeaf() throws {
        let x5u = try LoopbackServer.x5u(pki: pki)
        defer { x5u.stop() }
        let crl = try LoopbackServer.crl(pki: pki)
        defer { crl.stop() }
        let revoked = try verify(try sign("leaf-revoked", x5u: x5u.url("leaf-revoked-chain.pem")), server: x5u,
                                 extra: ["--revocation", "crl"])
        #expect(revoked.status == 1)
        #expect(revoked.lines.first == "cert_revoked 437 Unsupported Credential")
        let good = try verify(try sign("leaf-spc", x5u: x5u.url("leaf-spc-chain.pem")), server: x5u,
                              extra: ["--revocation", "crl"])
        #expect(good.status == 0, "\(good.stdout)")
        #expect(good.stdout.contains("revocation=good_until="))
    }

    @Test func ocspRevocationWithHardAndSoftFailure() throws {
        let x5u = try LoopbackServer.x5u(pki: pki)
        defer { x5u.stop() }
        let spc = try sign("leaf-spc", x5u: x5u.url("leaf-spc-chain.pem"))
        // Responder down: hard fails the chain, soft admits it.
        let hard = try verify(spc, server: x5u, extra: ["--revocation", "ocsp", "--timeout-ms", "1500"])
        #expect(hard.status == 1)
        #expect(hard.stdout.contains("cert=revocation_unknown"), "\(hard.stdout)")
        let soft = try verify(spc, server: x5u, extra: ["--revocation", "ocsp", "--revocation-mode", "soft", "--timeout-ms", "1500"])
        #expect(soft.status == 0, "\(soft.stdout)")
        let ocsp = try LoopbackServer.ocsp(pki: pki)
        defer { ocsp.stop() }
        let revoked = try verify(try sign("leaf-revoked", x5u: x5u.url("leaf-revoked-chain.pem")), server: x5u,
                                 extra: ["--revocation", "ocsp"])
        #expect(revoked.lines.first == "cert_revoked 437 Unsupported Credential", "\(revoked.stdout)")
        let good = try verify(spc, server: x5u, extra: ["--revocation", "short_lived,ocsp,crl"])
        #expect(good.status == 0, "\(good.stdout)")
    }

    @Test func withoutTrustAnchorsFetchingIsAUsageError() throws {
        let r = try Harness.run(["verify", "--identity", "x", "--orig", "12155551212", "--dest", "12155550131"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--ca"))
        let badPolicy = try Harness.run(["verify", "--identity", "x", "--orig", "1", "--dest", "2", "--ca", pki.path("root.pem"),
                                         "--revocation", "sometimes"])
        #expect(badPolicy.status == 2)
        let badMode = try Harness.run(["verify", "--identity", "x", "--orig", "1", "--dest", "2", "--ca", pki.path("root.pem"),
                                       "--revocation-mode", "maybe"])
        #expect(badMode.status == 2)
    }
}
