import Crypto
import Dispatch
import Foundation
import Logging
import SIPCore
import STIRCore
import Testing
@testable import SIPProxy
@testable import StirDaemon

/// CPU per call of the STIR processors alone, on SIPp's INVITE as the live
/// benchmark sends it: parsing the INVITE, then parsing it and running the
/// verifier (every call a different token from one signer, certificate at
/// hand) or the signer (a Date and an Identity added). The difference is
/// the processor's share, without SIPp, sockets or the proxy core. A
/// benchmark, not a test: `STIRD_BENCH=1 swift test -c release --filter ProcessorBenchmarkTests`.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["STIRD_BENCH"] != nil))
struct ProcessorBenchmarkTests {
    static let now: Int64 = 1_790_000_000
    static let x5u = "https://127.0.0.1:28090/leaf-spc-chain.pem"
    static let calls = 10_000

    static func cpuMicroseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
    }

    /// SIPp's uac INVITE with the bench's From (a TN with user=phone).
    static func invite(_ n: Int, identity: String?) -> [UInt8] {
        let sdp = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
        var text = "INVITE sip:+12155559999@127.0.0.1:28060 SIP/2.0\r\n"
        text += "Via: SIP/2.0/UDP 127.0.0.1:28080;branch=z9hG4bK-\(n)-1-0\r\n"
        text += "From: <sip:+12155551010@127.0.0.1:28080;user=phone>;tag=\(n)SIPpTag001\r\n"
        text += "To: <sip:+12155559999@127.0.0.1:28060>\r\n"
        text += "Call-ID: \(n)-4711@127.0.0.1\r\nCSeq: 1 INVITE\r\n"
        text += "Contact: sip:sipp@127.0.0.1:28080\r\nMax-Forwards: 70\r\n"
        if let identity { text += "Identity: \(identity)\r\n" }
        text += "Subject: Performance Test\r\nContent-Type: application/sdp\r\nContent-Length: \(sdp.utf8.count)\r\n\r\n" + sdp
        return Array(text.utf8)
    }

    static func context(_ n: Int) -> RequestContext {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        return RequestContext(source: SocketAddress(host: "127.0.0.1", port: 28080)!, local: SocketAddress(host: "127.0.0.1", port: 28060)!,
                              transport: .udp, callID: "\(n)-4711@127.0.0.1", method: "INVITE", logger: logger, notes: TransactionNotes())
    }

    /// Best of 3: µs per call to parse `messages`, and to parse and run `processor` on them.
    static func measure(_ messages: [[UInt8]], _ processor: RequestProcessor) -> (parse: Double, both: Double) {
        let queue = DispatchQueue(label: "bench")
        let resumption = ProcessorResumption(queue: queue) { _, _ in }
        let contexts = messages.indices.map { context($0) }
        var best = (parse: Double.infinity, both: Double.infinity)
        for _ in 0..<3 {
            var start = cpuMicroseconds()
            var parsed = 0
            for m in messages where (try? SIPMessage.parse(m)) != nil { parsed += 1 }
            best.parse = min(best.parse, (cpuMicroseconds() - start) / Double(messages.count))
            start = cpuMicroseconds()
            var proceeded = 0
            for (i, m) in messages.enumerated() {
                guard let request = try? SIPMessage.parse(m) else { continue }
                if case .proceed = processor.process(request, context: contexts[i], resumption: resumption) { proceeded += 1 }
            }
            best.both = min(best.both, (cpuMicroseconds() - start) / Double(messages.count))
            #expect(parsed == messages.count && proceeded == messages.count)
        }
        return best
    }

    static func peer(_ edit: (inout PeerConfiguration) -> Void) -> PeerTable {
        var p = PeerConfiguration(name: "bench")
        p.networks = [IPNetwork("127.0.0.1")!]
        edit(&p)
        return PeerTable([p])
    }

    @Test func verifierPerCall() throws {
        let key = try ES256PrivateKey.generate()
        let lookup = FakeLookup()
        lookup.results[Self.x5u] = .available(StaticCertificate(publicKey: key.publicKey))
        var config = VerifyConfiguration()
        config.maxIatAgeSeconds = 86_400
        let verifier = VerificationProcessor(peers: Self.peer { $0.verify = true; $0.onFailure = .reject }, source: lookup,
                                             config: config, extraction: IdentityExtractionPolicy(), now: { Self.now })
        let signer = IdentitySigner(key: key, x5u: Self.x5u)
        let messages = try (0..<Self.calls).map { n in
            Self.invite(n, identity: try signer.identityHeader(orig: "12155551010", dest: ["12155559999"], attest: .a,
                                                             origid: UUID().uuidString.lowercased(), iat: Int(Self.now)))
        }
        // The key gets its table, as a cached certificate's does.
        _ = Self.measure(Array(messages.prefix(200)), verifier)
        ES256KeyTables.shared.settle()
        let best = Self.measure(messages, verifier)
        print(String(format: "BENCH verifier: parse %.1f µs, parse + verify %.1f µs: %.1f µs per call in the verifier (best of 3 × %d)",
                     best.parse, best.both, best.both - best.parse, Self.calls))
    }

    @Test func signerPerCall() throws {
        let keys = try KeyFiles()
        var c = CredentialConfiguration(name: "main")
        c.privateKeyFile = keys.keyPath
        c.x5u = Self.x5u
        let signer = SigningProcessor(peers: Self.peer { $0.trusted = true; $0.sign = true; $0.tns = PolicyTests.tns("1215555*") },
                                      credentials: [try SigningCredential(c)], config: SignConfiguration(),
                                      extraction: IdentityExtractionPolicy(), now: { Self.now })
        let messages = (0..<Self.calls).map { Self.invite($0, identity: nil) }
        let best = Self.measure(messages, signer)
        print(String(format: "BENCH signer: parse %.1f µs, parse + sign %.1f µs: %.1f µs per call in the signer (best of 3 × %d)",
                     best.parse, best.both, best.both - best.parse, Self.calls))
    }
}
