// Drives the built `stirctl` binary against a throwaway test PKI
// (Scripts/make-test-pki) and python3 servers on 127.0.0.1, each started and
// killed by PID and bounded in lifetime.
import Foundation
import Testing

enum Harness {
    /// `stirctl` next to the test bundle (swift build puts both in the bin path).
    static let stirctl: String? = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("stirctl").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    /// Runs stirctl; fails the test if the binary is missing or it hangs.
    static func run(_ args: [String], timeout: TimeInterval = 30) throws -> Output {
        let path = try #require(stirctl, "stirctl not built next to the tests: run `swift build` first")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let killer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        let text: (Data) -> String = { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        return Output(status: process.terminationStatus, stdout: text(o), stderr: text(e))
    }

    /// A free TCP port on 127.0.0.1 (bind to 0, read it back).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// A temporary directory removed when the value is released.
final class TempDir: @unchecked Sendable {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "stirctl-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

/// The test PKI, generated once per test process into a temp dir that is
/// removed at exit (certificates expire; never committed).
struct PKI: Sendable {
    let directory: String
    let ocspPort: Int
    let crlPort: Int

    nonisolated(unsafe) static var created: String?

    static let shared: PKI = {
        let directory = NSTemporaryDirectory() + "stirctl-pki-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let ocspPort = Harness.freePort()
        var crlPort = Harness.freePort()
        while crlPort == ocspPort { crlPort = Harness.freePort() }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Scripts/make-test-pki").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, directory, String(ocspPort), String(crlPort)]
        process.standardOutput = FileHandle.nullDevice
        try! process.run()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "make-test-pki failed")
        try! serverSource.write(toFile: directory + "/stirctl_server.py", atomically: true, encoding: .utf8)
        created = directory
        atexit { if let created = PKI.created { try? FileManager.default.removeItem(atPath: created) } }
        return PKI(directory: directory, ocspPort: ocspPort, crlPort: crlPort)
    }()

    func path(_ name: String) -> String { directory + "/" + name }
}
