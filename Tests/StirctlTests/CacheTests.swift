import Foundation
import Testing
import TestSupport

/// `stirctl cache list|import|purge` over a CertificateProvider disk cache.
struct CacheTests {
    let pki = TestPKI.shared
    let dir = try! TempDir()

    func cache(_ args: [String]) throws -> Harness.Output { try Harness.run(["cache"] + args) }

    func importChain(_ chain: String, url: String, ca: String = "root.pem", extra: [String] = []) throws -> Harness.Output {
        try cache(["import", "--dir", dir.path, "--url", url, "--cert", pki.path(chain), "--ca", pki.path(ca)] + extra)
    }

    func pemFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".pem") }.sorted()
    }

    @Test func importListAndPurgeOneEntry() throws {
        let url = "https://cert.example.org/a.pem"
        let imported = try importChain("leaf-spc-chain.pem", url: url, extra: ["--ttl-s", "600"])
        #expect(imported.status == 0, "\(imported.stdout) \(imported.stderr)")
        #expect(imported.stdout.hasPrefix("imported \(url) expires="))
        #expect(imported.stdout.contains("spc=1234"))
        #expect(pemFiles().count == 1)
        let list = try cache(["list", "--dir", dir.path, "--ca", pki.path("root.pem")])
        #expect(list.status == 0)
        #expect(list.lines.count == 1)
        #expect(list.stdout.hasPrefix("\(url) status=ok expires="))
        #expect(list.stdout.contains("spc=1234"))
        #expect(list.stdout.contains(#"cn="SHAKEN 1234""#))
        #expect(list.stdout.contains("not_after="))
        let purge = try cache(["purge", "--dir", dir.path, "--url", url])
        #expect(purge.status == 0)
        #expect(purge.stdout == "purged \(url)")
        #expect(pemFiles().isEmpty)
        #expect(try cache(["purge", "--dir", dir.path, "--url", url]).status == 1)
    }

    @Test func importRejectsInvalidChainsAndLeavesTheDirectoryAlone() throws {
        #expect(try importChain("leaf-spc-chain.pem", url: "https://cert.example.org/keep.pem").status == 0)
        let before = pemFiles()
        let r = try importChain("leaf-untrusted-chain.pem", url: "https://cert.example.org/bad.pem")
        #expect(r.status == 1)
        #expect(r.stdout == "invalid untrusted_root")
        let expired = try importChain("leaf-expired-chain.pem", url: "https://cert.example.org/old.pem")
        #expect(expired.stdout == "invalid expired")
        // Another anchor set accepts its own chain and must not drop the existing entry.
        #expect(try importChain("leaf-untrusted-chain.pem", url: "https://cert.example.org/other.pem",
                                ca: "untrusted-root.pem").status == 0)
        #expect(Set(before).isSubset(of: Set(pemFiles())))
        #expect(pemFiles().count == 2)
        #expect(!((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).contains { $0.hasPrefix(".import") })
    }

    @Test func listReportsStaleInvalidAndCorruptEntries() throws {
        #expect(try importChain("leaf-spc-chain.pem", url: "https://cert.example.org/a.pem", extra: ["--ttl-s", "600"]).status == 0)
        #expect(try importChain("leaf-untrusted-chain.pem", url: "https://cert.example.org/u.pem",
                                ca: "untrusted-root.pem").status == 0)
        try "not a cache file\n".write(toFile: dir.file("junk.pem"), atomically: true, encoding: .utf8)
        let list = try cache(["list", "--dir", dir.path, "--ca", pki.path("root.pem")])
        #expect(list.status == 0)
        #expect(list.lines.count == 3)
        #expect(list.lines[0].hasPrefix("https://cert.example.org/a.pem status=ok"))
        #expect(list.lines[1].hasPrefix("https://cert.example.org/u.pem status=untrusted_root"))
        #expect(list.lines[2] == "- status=corrupt file=junk.pem")
        let later = Int(Date().timeIntervalSince1970) + 3_600
        let stale = try cache(["list", "--dir", dir.path, "--now", String(later)])
        #expect(stale.lines[0].hasPrefix("https://cert.example.org/a.pem status=stale"))
        #expect(stale.lines[1].hasPrefix("https://cert.example.org/u.pem status=unchecked"))
        #expect(pemFiles().count == 3, "listing must not modify the directory")
        let all = try cache(["purge", "--dir", dir.path, "--all"])
        #expect(all.status == 0)
        #expect(all.lines.count == 3)
        #expect(pemFiles().isEmpty)
    }

    @Test func ttlIsCappedAtNotAfter() throws {
        let r = try importChain("leaf-short-chain.pem", url: "https://cert.example.org/s.pem", extra: ["--ttl-s", "9999999"])
        #expect(r.status == 0)
        let fields = Dictionary(uniqueKeysWithValues: r.stdout.split(separator: " ").compactMap { part -> (String, String)? in
            let kv = part.split(separator: "=", maxSplits: 1)
            return kv.count == 2 ? (String(kv[0]), String(kv[1])) : nil
        })
        #expect(fields["expires"] != nil)
        #expect(fields["expires"] == fields["not_after"])
    }

    @Test func verifyUsesAndFillsTheCacheDirectory() throws {
        // An imported entry answers verify without any network access.
        let url = "https://x5u.invalid/leaf-spc.pem"
        #expect(try importChain("leaf-spc-chain.pem", url: url).status == 0)
        let signed = try Harness.run(["sign", "--key", pki.path("leaf-spc.key"), "--x5u", url, "--orig", "12155551212",
                                      "--dest", "12155550131", "--attest", "B"])
        let args = ["verify", "--identity", signed.stdout, "--orig", "12155551212", "--dest", "12155550131",
                    "--ca", pki.path("root.pem"), "--timeout-ms", "1000"]
        let cached = try Harness.run(args + ["--cache-dir", dir.path])
        #expect(cached.status == 0, "\(cached.stdout)")
        #expect(cached.lines.first == "valid attest=B")
        let uncached = try Harness.run(args)
        #expect(uncached.status == 1)
        #expect(uncached.lines.first == "cert_unavailable 436 Bad Identity Info")
        // A fetched chain is written to the directory.
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let fetchedURL = server.url("leaf-one-chain.pem")
        let value = try Harness.run(["sign", "--key", pki.path("leaf-one.key"), "--x5u", fetchedURL, "--orig", "12155551212",
                                     "--dest", "12155550131", "--attest", "A"]).stdout
        let fetched = try Harness.run(["verify", "--identity", value, "--orig", "12155551212", "--dest", "12155550131",
                                       "--ca", pki.path("root.pem"), "--allow-loopback", "--x5u-port", String(server.port),
                                       "--ca-file-for-https", pki.path("web-ca.pem"), "--cache-dir", dir.path])
        #expect(fetched.status == 0)
        let list = try cache(["list", "--dir", dir.path, "--ca", pki.path("root.pem")])
        #expect(list.stdout.contains("\(fetchedURL) status=ok"))
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try cache(["purge", "--dir", dir.path]).status == 2)
        #expect(try cache(["purge", "--dir", dir.path, "--all", "--url", "https://a/x"]).status == 2)
        #expect(try cache(["list", "--dir", dir.file("missing")]).status == 2)
        #expect(try cache(["import", "--dir", dir.path, "--url", "https://a.example/x.pem",
                           "--cert", pki.path("leaf-spc-chain.pem")]).status == 2)
        #expect(try importChain("leaf-spc-chain.pem", url: "not a url").status == 2)
    }
}
