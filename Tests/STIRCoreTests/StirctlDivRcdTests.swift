import Foundation
import Testing
@testable import STIRCore

/// `stirctl sign --ppt div|rcd` and `verify` judging several `--identity`
/// values as one request's set (RFC 8946 §4.2 div chains).
extension StirctlTests {
    func signed(_ args: [String]) throws -> String {
        let r = try run(["sign", "--key", dir.path("k.pem"), "--x5u", x5u, "--orig", "12155550121"] + args)
        try #require(r.status == 0, "\(r.stderr)")
        return r.stdout
    }

    @Test func divChainFromTheCommandLine() throws {
        let shaken = try keyAndSign()
        let div = try signed(["--ppt", "div", "--div", "12155550131", "--dest", "12155550199"])
        #expect(div.hasSuffix(";ppt=div"))
        let claims = try PASSporT.decode(String(div.prefix { $0 != ";" })).claims
        #expect(claims.div == .tn("12155550131") && claims.dest == [.tn("12155550199")] && claims.attest == nil)
        let both = try run(["verify", "--identity", shaken, "--identity", div, "--orig", "12155550121", "--dest", "12155550199",
                            "--cert", dir.path("k.pub"), "--ppt", "shaken"])
        #expect(both.status == 0, "\(both.stdout)")
        #expect(both.stdout.hasPrefix("valid attest=A"))
        #expect(both.stdout.contains("div_chain=1,0 valid"))
        // The div alone, or chains off, does not verify the forwarded call.
        let alone = try run(["verify", "--identity", div, "--orig", "12155550121", "--dest", "12155550199", "--cert", dir.path("k.pub")])
        #expect(alone.status == 1)
        #expect(alone.stdout.hasPrefix("div_chain_invalid 438"))
        let off = try run(["verify", "--identity", shaken, "--identity", div, "--orig", "12155550121", "--dest", "12155550199",
                           "--cert", dir.path("k.pub"), "--div-max-age", "0"])
        #expect(off.status == 1)
        // RFC 8946 §3: not a retarget.
        let same = try run(["sign", "--key", dir.path("k.pem"), "--x5u", x5u, "--orig", "12155550121", "--ppt", "div",
                            "--div", "12155550199", "--dest", "12155550199"])
        #expect(same.status != 0)
    }

    @Test func rcdFromTheCommandLine() throws {
        _ = try keyAndSign()
        let digest = RcdIntegrity.digest([1, 2, 3])!
        let rcd = try signed(["--ppt", "rcd", "--dest", "12155550131", "--nam", "Alice Example",
                              "--icn", "https://logo.example.net/a.png", "--icn-rcdi", digest])
        #expect(rcd.hasSuffix(";ppt=rcd"))
        let claims = try PASSporT.decode(String(rcd.prefix { $0 != ";" })).claims
        #expect(claims.rcd == .object(["nam": .string("Alice Example"), "icn": .string("https://logo.example.net/a.png")]))
        #expect(claims.rcdi == .object(["/icn": .string(digest)]))
        let r = try run(["verify", "--identity", rcd, "--orig", "12155550121", "--dest", "12155550131", "--cert", dir.path("k.pub"),
                         "--ppt", "rcd"])
        #expect(r.status == 0, "\(r.stdout)")
        let missing = try run(["sign", "--key", dir.path("k.pem"), "--x5u", x5u, "--orig", "12155550121", "--dest", "1", "--ppt", "rcd"])
        #expect(missing.status != 0)
    }
}
