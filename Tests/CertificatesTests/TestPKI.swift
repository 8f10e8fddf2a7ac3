// Test PKI generated once per test process by Scripts/make-test-pki into a
// temp dir (never committed: certificates expire).
import Foundation
@testable import Certificates

struct TestPKI: Sendable {
    let directory: String
    let ocspPort: Int
    let crlPort: Int

    /// Removed at process exit: keys and certificates never outlive the run.
    nonisolated(unsafe) static var createdDirectory: String?

    static let shared: TestPKI = {
        let directory = NSTemporaryDirectory() + "stird-pki-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let ocspPort = LoopbackPort.free()
        let crlPort = LoopbackPort.free()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Scripts/make-test-pki").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, directory, String(ocspPort), String(crlPort)]
        process.standardOutput = FileHandle.nullDevice
        try! process.run()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "make-test-pki failed")
        createdDirectory = directory
        atexit { if let directory = TestPKI.createdDirectory { try? FileManager.default.removeItem(atPath: directory) } }
        return TestPKI(directory: directory, ocspPort: ocspPort, crlPort: crlPort)
    }()

    func path(_ name: String) -> String { directory + "/" + name }

    func bytes(_ name: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: path(name)) ?? Data())
    }

    func anchors() throws -> TrustAnchors { try TrustAnchors(file: path("root.pem")) }

    func validator() throws -> ChainValidator { ChainValidator(anchors: try anchors()) }
}

enum LoopbackPort {
    /// A currently free TCP port on 127.0.0.1 (bind to 0, read it back).
    static func free() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
