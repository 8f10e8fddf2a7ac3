import Foundation
import Testing

/// `stirctl passwd`: the password comes from stdin, the ha1_* lines out.
@Suite struct PasswdTests {
    func run(_ args: [String], stdin: String) throws -> (status: Int32, out: String, err: String) {
        let path = try #require(Harness.stirctl, "stirctl not built next to the tests: run `swift build` first")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        let input = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// Expected hashes computed with Python's hashlib when the test was
    /// written: H("alice:example.net:correct horse").
    @Test func printsTheHashLinesForThePasswordOnStdin() throws {
        let r = try run(["passwd", "--user", "alice", "--realm", "example.net", "--md5"], stdin: "correct horse\n")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out == """
            ha1_sha512_256 = 4d6e19228efd8f79f29ee610ae7ee786ae8832e0271559dd11365f524fe5035b
            ha1_sha256 = b2ce7503dec4ba6a5637cac1daa70be58ef62cd5733c790a48585e5fd3e444e9
            ha1_md5 = 736549f196758dbebc967069eeb8c56d

            """)
        #expect(!r.out.contains("correct horse"))
        // Without --md5 only the SHA-2 lines; a CRLF line end is not part of the password.
        let crlf = try run(["passwd", "--user", "alice", "--realm", "example.net"], stdin: "correct horse\r\n")
        #expect(crlf.out.split(separator: "\n").count == 2 && crlf.out.contains("b2ce7503dec4ba6a"))
    }

    @Test func refusesAnEmptyPasswordAndBadNames() throws {
        #expect(try run(["passwd", "--user", "alice", "--realm", "r"], stdin: "").status == 1)
        #expect(try run(["passwd", "--user", "al:ice", "--realm", "r"], stdin: "x\n").status == 2)
        #expect(try run(["passwd", "--user", "alice", "--realm", "r\"q"], stdin: "x\n").status == 2)
    }
}
