import Foundation
import Testing

/// `stirctl apikey new|revoke|list` on a keys file: the key is printed
/// once and only its SHA-256 is written (RFC 9248 §9 `apiKey`).
@Suite struct ApiKeyTests {
    @Test func issuesRevokesAndListsByHashOnly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("apikey-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("keys").path
        let a = try Harness.run(["apikey", "new", "--file", file, "--label", "app one"])
        let b = try Harness.run(["apikey", "new", "--file", file, "--label", "app two"])
        #expect(a.status == 0 && b.status == 0)
        let keyA = a.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let keyB = b.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(keyA.count == 43 && keyA != keyB)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(!text.contains(keyA) && !text.contains(keyB))
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try Harness.run(["apikey", "revoke", "--file", file, "--label", "app one"]).status == 0)
        let list = try Harness.run(["apikey", "list", "--file", file]).stdout.split(separator: "\n")
        #expect(list.count == 2)
        #expect(list[0].hasSuffix(" revoked app one") && list[1].hasSuffix(" active app two"))
        // Nothing left to revoke under that label: an error, the file unchanged.
        #expect(try Harness.run(["apikey", "revoke", "--file", file, "--label", "app one"]).status != 0)
    }

    @Test func kdfPrintsASaltedHashNotThePassword() throws {
        let passwd = PasswdTests()
        let r1 = try passwd.run(["passwd", "--kdf", "--iterations", "10000", "--user", "alice", "--realm", "r"], stdin: "correct horse\n")
        let r2 = try passwd.run(["passwd", "--kdf", "--iterations", "10000", "--user", "alice", "--realm", "r"], stdin: "correct horse\n")
        #expect(r1.status == 0, "\(r1.err)")
        #expect(r1.out.hasPrefix("rue_login_hash = pbkdf2-sha256$10000$"))
        #expect(!r1.out.contains("correct"))
        #expect(r1.out != r2.out)  // a fresh salt each time
        #expect(try passwd.run(["passwd", "--kdf", "--iterations", "10", "--user", "alice", "--realm", "r"], stdin: "x\n").status != 0)
    }
}
