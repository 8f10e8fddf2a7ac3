// Test PKI generated once per test process by Scripts/make-test-pki into a
// temp dir (never committed: certificates expire).
import Foundation

/// The throwaway PKI the certificate and stirctl tests run against: roots,
/// intermediates, leaves (good, revoked, expired, ...), OCSP responder and
/// CRLs whose URLs name `ocspPort` and `crlPort` on 127.0.0.1.
public struct TestPKI: Sendable {
    public let directory: String
    public let ocspPort: Int
    public let crlPort: Int

    /// Removed at process exit: keys and certificates never outlive the run.
    nonisolated(unsafe) static var createdDirectory: String?

    public static let shared: TestPKI = {
        let directory = NSTemporaryDirectory() + "stird-pki-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let ocspPort = LoopbackPort.free()
        var crlPort = LoopbackPort.free()
        while crlPort == ocspPort { crlPort = LoopbackPort.free() }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Scripts/make-test-pki").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, directory, String(ocspPort), String(crlPort)]
        process.standardOutput = FileHandle.nullDevice
        try! process.run()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "make-test-pki failed")
        try! loopbackServerSource.write(toFile: directory + "/" + LoopbackServer.scriptName, atomically: true, encoding: .utf8)
        createdDirectory = directory
        atexit { if let directory = TestPKI.createdDirectory { try? FileManager.default.removeItem(atPath: directory) } }
        return TestPKI(directory: directory, ocspPort: ocspPort, crlPort: crlPort)
    }()

    public func path(_ name: String) -> String { directory + "/" + name }

    public func bytes(_ name: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: path(name)) ?? Data())
    }
}
