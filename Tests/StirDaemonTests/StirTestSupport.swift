import Crypto
import Dispatch
import Foundation
import INIConfig
import Logging
import SIPCore
@testable import SIPProxy
import STIRCore
@testable import StirDaemon
import TestSupport

/// A temporary directory with a P-256 key pair written as PEM files.
final class KeyFiles {
    let directory: String
    let key: ES256PrivateKey
    let other: ES256PrivateKey

    init() throws {
        directory = NSTemporaryDirectory() + "stird-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        key = try ES256PrivateKey.generate()
        other = try ES256PrivateKey.generate()
        try key.pemPKCS8.write(toFile: keyPath, atomically: true, encoding: .utf8)
        try other.pemPKCS8.write(toFile: otherKeyPath, atomically: true, encoding: .utf8)
        try key.publicKey.pem.write(toFile: directory + "/pub.pem", atomically: true, encoding: .utf8)
    }

    var keyPath: String { directory + "/key.pem" }
    var otherKeyPath: String { directory + "/other.pem" }
    /// A self-signed certificate for `key` (or for `other`), made with the openssl CLI.
    func certificate(forOther: Bool = false) throws -> String {
        let out = directory + (forOther ? "/other-cert.pem" : "/cert.pem")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["req", "-new", "-x509", "-key", forOther ? otherKeyPath : keyPath, "-subj", "/CN=SHAKEN 1234",
                       "-days", "2", "-out", out]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return out
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

/// A proxy core with the STIR processors on a private queue and a manual clock.
final class StirHarness {
    let queue = DispatchQueue(label: "test.stir")
    let sender = CapturingSender()
    let clock = ManualTimerScheduler()
    let core: ProxyCore
    static let callee = SocketAddress(host: "127.0.0.1", port: 5080)!

    init(processors: [RequestProcessor]) {
        var cfg = ProxyConfiguration()
        cfg.routes = RouteTable(routes: [StaticRoute(name: "callee", userPrefix: nil, domain: nil, nextHop: Self.callee, transport: .udp)])
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        core = ProxyCore(config: cfg, sender: sender, scheduler: clock, queue: queue, processors: processors, logger: logger)
    }

    /// Sends `text` as if from `host`, lets resumptions run, returns what was sent.
    func receive(_ text: String, from host: String, settle: Bool = false) -> [SIPMessage] {
        let rx = ReceivedMessage(bytes: Array(text.utf8), source: SocketAddress(host: host, port: 5070)!, local: sender.local,
                                 transport: .udp, connectionID: nil)
        queue.sync { core.receive(rx) }
        if settle { waitForForwardedRequest() }
        return queue.sync {
            defer { sender.sent.removeAll() }
            return sender.sent.compactMap { try? SIPMessage.parse($0.bytes) }
        }
    }

    /// Waits (at most 10 s, polling) until the core has sent a request: a
    /// suspended request resumes on the queue after its certificate arrives,
    /// and a fixed pause could be too short on a loaded machine.
    func waitForForwardedRequest(timeout: Double = 10) {
        let deadline = DispatchTime.now() + timeout
        let response = Array("SIP/".utf8)
        while DispatchTime.now() < deadline {
            if queue.sync(execute: { sender.sent.contains { !$0.bytes.starts(with: response) } }) { return }
            usleep(2_000)
        }
    }

    static func invite(from: String = "<sip:+12155551010@192.0.2.1;user=phone>;tag=f1", to: String = "<sip:+12155559999@example.net>",
                       extra: [String] = [], callID: String = UUID().uuidString) -> String {
        var s = "INVITE sip:+12155559999@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK\(callID.prefix(8));rport\r\n"
        s += "Max-Forwards: 70\r\nFrom: \(from)\r\nTo: \(to)\r\nCall-ID: \(callID)\r\nCSeq: 1 INVITE\r\n"
        s += "Contact: <sip:caller@192.0.2.1:5070>\r\n"
        for h in extra { s += h + "\r\n" }
        return s + "Content-Length: 0\r\n\r\n"
    }
}

/// Certificates from a dictionary; `asynchronous` URLs are answered on the queue later.
final class FakeLookup: CertificateLookup, @unchecked Sendable {
    var results: [String: CertificateResult] = [:]
    var asynchronous: Set<String> = []
    private(set) var fetches: [String] = []
    let lock = NSLock()

    func cached(_ url: String, at time: Date) -> CertificateResult? {
        asynchronous.contains(url) ? nil : (results[url] ?? .failed(.certificateUnavailable("404")))
    }

    func fetch(_ url: String, at time: Date, queue: DispatchQueue, completion: @escaping @Sendable (CertificateResult) -> Void) {
        lock.lock(); fetches.append(url); lock.unlock()
        let r = results[url] ?? .failed(.certificateUnavailable("404"))
        queue.asyncAfter(deadline: .now() + .milliseconds(5)) { completion(r) }
    }
}

extension SIPMessage {
    func first(_ name: String) -> String? { headers(named: name).first }
}

func parseConfig(_ text: String) throws -> StirConfiguration {
    try StirConfiguration(document: INIDocument.parse(text, file: "t.ini"))
}

func configError(_ text: String) -> String? {
    do { _ = try parseConfig(text); return nil } catch { return "\(error)" }
}

/// A peer at one address, edited by `edit` (the processor suites' tables).
func peer(_ name: String, _ address: String, _ edit: (inout PeerConfiguration) -> Void) -> PeerConfiguration {
    var p = PeerConfiguration(name: name)
    p.networks = [IPNetwork(address)!]
    edit(&p)
    return p
}
