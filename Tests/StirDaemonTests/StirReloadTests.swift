import Foundation
import Logging
import SIPCore
import SIPProxy
import STIRCore
import Testing
@testable import StirDaemon

/// Certificates answered only when the test says so (a fetch in flight across a reload).
final class GatedLookup: CertificateLookup, @unchecked Sendable {
    let certificate: CertificateResult
    private var waiting: [(DispatchQueue, @Sendable (CertificateResult) -> Void)] = []
    private let lock = NSLock()

    init(_ certificate: CertificateResult) { self.certificate = certificate }

    func cached(_ url: String, at time: Date) -> CertificateResult? { nil }

    func fetch(_ url: String, at time: Date, queue: DispatchQueue, completion: @escaping @Sendable (CertificateResult) -> Void) {
        lock.lock(); waiting.append((queue, completion)); lock.unlock()
    }

    /// Answers every fetch so far; returns how many there were.
    @discardableResult func release() -> Int {
        lock.lock()
        let w = waiting
        waiting.removeAll()
        lock.unlock()
        for (q, c) in w { q.async { c(self.certificate) } }
        return w.count
    }
}

/// SIGHUP for the STIR side: generations swapped per loop, in-flight requests
/// pinned, failed builds leaving the old setup, the certificate cache kept.
@Suite struct StirReloadTests {
    static let now: Int64 = 1_790_000_000
    let logger = Logger(label: "test")
    let keys: KeyFiles

    init() throws { keys = try KeyFiles() }

    /// A harness whose core runs the three stages of one StirLoop.
    func harness(_ generation: StirGeneration) -> (StirHarness, StirLoop) {
        let loop = StirLoop(generation)
        let h = StirHarness(processors: loop.stages())
        loop.queue = h.queue
        return (h, loop)
    }

    func pbxConfig(sign: Bool, certificate: String? = nil) -> String {
        """
        [peer "pbx"]
        addresses = 192.0.2.1
        trusted = yes
        sign = \(sign ? "yes" : "no")
        tns = 12155551000-12155551099
        [credential "main"]
        private_key = \(keys.keyPath)
        x5u = https://cr.example.net/main.pem
        """ + (certificate.map { "\ncertificate = \($0)" } ?? "")
    }

    func forwarded(_ h: StirHarness) throws -> SIPMessage {
        try #require(h.receive(StirHarness.invite(), from: "192.0.2.1").first { $0.isRequest })
    }

    /// What the core sent since the last look (resumed requests).
    func collect(_ h: StirHarness) -> [SIPMessage] {
        h.queue.sync {
            defer { h.sender.sent.removeAll() }
            return h.sender.sent.compactMap { try? SIPMessage.parse($0.bytes) }
        }
    }

    /// An INVITE from the pbx through the core: the forwarded request and the port it went to.
    func forwardedWithHop(_ h: StirHarness) throws -> (SIPMessage, Int) {
        let rx = ReceivedMessage(bytes: Array(StirHarness.invite().utf8), source: SocketAddress(host: "192.0.2.1", port: 5070)!,
                                 local: h.sender.local, transport: .udp, connectionID: nil)
        let sent = h.queue.sync {
            h.core.receive(rx)
            defer { h.sender.sent.removeAll() }
            return h.sender.sent
        }
        let request = try #require(sent.compactMap { m in (try? SIPMessage.parse(m.bytes)).map { ($0, m.to.port) } }.first { $0.0.isRequest })
        return (request.0, Int(request.1))
    }

    @Test func newGenerationAppliesToNewRequests() throws {
        let first = try StirPipeline.generation(for: parseConfig(pbxConfig(sign: false)), logger: logger).generation
        #expect(first.sign == nil)
        let (h, loop) = harness(first)
        #expect(try forwarded(h).headers(named: "Identity").isEmpty)

        let second = try StirPipeline.generation(for: parseConfig(pbxConfig(sign: true)), previous: first, logger: logger)
        #expect(second.generation.number == 2)
        h.queue.sync { loop.install(second.generation) }
        let signed = try forwarded(h)
        #expect(signed.headers(named: "Identity").count == 1)
        #expect(signed.first("Identity")?.contains("info=<https://cr.example.net/main.pem>") == true)

        // And back: a reload that turns STIR off leaves the stages proceeding.
        let off = try StirPipeline.generation(for: StirConfiguration(), previous: second.generation, logger: logger)
        h.queue.sync { loop.install(off.generation) }
        #expect(try forwarded(h).headers(named: "Identity").isEmpty)
    }

    @Test func suspendedRequestFinishesWithTheGenerationItStartedWith() throws {
        // A trusted peer we both verify and sign for: verification suspends
        // on the certificate fetch, a reload turns signing off meanwhile.
        let lookup = GatedLookup(.available(StaticCertificate(publicKey: keys.key.publicKey)))
        func generation(sign: Bool, number: Int) throws -> StirGeneration {
            var p = PeerConfiguration(name: "both")
            p.networks = [IPNetwork("198.51.100.9")!]
            (p.trusted, p.verify, p.sign) = (true, true, sign)
            p.tns = PolicyTests.tns("1215555*")
            let peers = PeerTable([p])
            var c = CredentialConfiguration(name: "ours")
            c.privateKeyFile = keys.keyPath
            c.x5u = "https://cr.example.net/ours.pem"
            let verify = VerificationProcessor(peers: peers, source: lookup, config: VerifyConfiguration(),
                                               extraction: IdentityExtractionPolicy(), now: { Self.now })
            let signer = sign ? SigningProcessor(peers: peers, credentials: [try SigningCredential(c)], config: SignConfiguration(),
                                                 extraction: IdentityExtractionPolicy(), now: { Self.now }) : nil
            return StirGeneration(number: number, config: StirConfiguration(), scrub: ScrubProcessor(peers: peers, scrubber: HeaderScrubber(attestationHeader: nil)),
                                  verify: verify, sign: signer, certificateSource: nil, cacheIdentity: nil)
        }
        let upstream = try IdentitySigner(key: keys.key, x5u: "https://upstream.example.org/c.pem")
            .identityHeader(orig: "12155551010", dest: ["12155559999"], attest: .a, origid: UUID().uuidString.lowercased(), iat: Int(Self.now))
        let invite = { StirHarness.invite(extra: ["Identity: " + upstream, "Date: " + SIPDate.format(Self.now)]) }
        let (h, loop) = harness(try generation(sign: true, number: 1))

        let early = h.receive(invite(), from: "198.51.100.9")
        #expect(early.allSatisfy { !$0.isRequest })
        #expect(h.queue.sync { loop.pinnedCount } == 1)
        h.queue.sync { loop.install(try! generation(sign: false, number: 2)) }
        #expect(lookup.release() == 1)
        h.waitForForwardedRequest()
        let resumed = try #require(collect(h).first { $0.isRequest })
        // Verified and signed under generation 1: the upstream Identity plus ours.
        #expect(resumed.headers(named: "Identity").count == 2)
        #expect(h.queue.sync { loop.pinnedCount } == 0)

        // A request arriving after the reload: verified, not signed.
        _ = h.receive(invite(), from: "198.51.100.9")
        #expect(lookup.release() == 1)
        h.waitForForwardedRequest()
        let after = try #require(collect(h).first { $0.isRequest })
        #expect(after.headers(named: "Identity").count == 1)
    }

    /// Writes a full stird INI (routes + STIR) and returns its path.
    func writeINI(_ stir: String, routeHost: String = "127.0.0.1:5080", name: String = "stird.ini") throws -> String {
        let path = keys.directory + "/" + name
        try """
        [listen]
        udp = 127.0.0.1:15060
        [route "callee"]
        next_hop = \(routeHost)
        \(stir)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func badCredentialOnReloadKeepsTheWholeOldConfiguration() throws {
        let certificate = try keys.certificate()
        let path = try writeINI(pbxConfig(sign: true, certificate: certificate))
        let running = try DaemonConfiguration.load(path: path)
        let first = try StirPipeline.generation(for: running.stir, logger: logger).generation
        let (h, loop) = harness(first)
        #expect(try forwarded(h).headers(named: "Identity").count == 1)

        // The certificate file now holds another key's certificate, and the
        // route moved: neither may be applied.
        let other = try keys.certificate(forOther: true)
        try FileManager.default.removeItem(atPath: certificate)
        try FileManager.default.copyItem(atPath: other, toPath: certificate)
        _ = try writeINI(pbxConfig(sign: true, certificate: certificate), routeHost: "127.0.0.1:5999")
        var message = ""
        do {
            _ = try ConfigurationReload(path: path, running: running, previous: first, logger: logger)
            Issue.record("a mismatched certificate must fail the reload")
        } catch { message = "\(error)" }
        #expect(message.contains("stird.ini:"))
        #expect(message.contains("does not match"))
        // Nothing was installed: still signing, still routing to the old hop.
        let (fwd, port) = try forwardedWithHop(h)
        #expect(fwd.headers(named: "Identity").count == 1)
        #expect(port == 5080)
        #expect(h.queue.sync { loop.current } === first)
    }

    /// SIGHUP reads the file through the same checks as `--check-config`
    /// and start-up: a path that cannot be used fails the reload at its
    /// key and line, and the old configuration stays.
    @Test func unusablePathOnReloadFailsAtItsKeyAndKeepsTheOldConfiguration() throws {
        let path = try writeINI(pbxConfig(sign: true))
        let running = try DaemonConfiguration.load(path: path)
        let first = try StirPipeline.generation(for: running.stir, logger: logger).generation
        let (h, loop) = harness(first)
        _ = try writeINI(pbxConfig(sign: true) + "\n[verify]\ncache_dir = /nonexistent/x5u-cache\n", routeHost: "127.0.0.1:5999")
        let line = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.hasPrefix("cache_dir") }.map { $0 + 1 }
        var message = ""
        do {
            _ = try ConfigurationReload(path: path, running: running, previous: first, logger: logger)
            Issue.record("a missing cache_dir must fail the reload")
        } catch { message = "\(error)" }
        #expect(message.hasPrefix("\(path):\(line ?? -1): cache_dir: cannot open directory /nonexistent/x5u-cache:"), "got \(message)")
        var check = ""
        do { _ = try DaemonConfiguration.load(path: path) } catch { check = "\(error)" }
        #expect(check == message)
        let (_, port) = try forwardedWithHop(h)
        #expect(port == 5080)
        #expect(h.queue.sync { loop.current } === first)
    }

    @Test func reloadAppliesRoutesAndStirTogetherAndSaysWhatChanged() throws {
        let path = try writeINI(pbxConfig(sign: false))
        let running = try DaemonConfiguration.load(path: path)
        let first = try StirPipeline.generation(for: running.stir, logger: logger).generation
        let (h, loop) = harness(first)
        _ = try writeINI(pbxConfig(sign: true) + "\n[peer \"carrier\"]\naddresses = 198.51.100.1\n", routeHost: "127.0.0.1:5999")
        let plan = try ConfigurationReload(path: path, running: running, previous: first, logger: logger)
        #expect(plan.summary == "routes 1→1 (edited), peers 1→2, credentials 1→1, verify off, sign off→on, cache none, stir generation 2")
        #expect(plan.restartOnly.isEmpty)
        plan.apply(to: [loop], cores: [h.core])
        let (fwd, port) = try forwardedWithHop(h)
        #expect(port == 5999)
        #expect(fwd.headers(named: "Identity").count == 1)
    }

    func verifyConfig(anchors: String, edit: String = "") throws -> StirConfiguration {
        try parseConfig("""
        [verify]
        trust_anchors_file = \(anchors)
        \(edit)
        [peer "carrier"]
        addresses = 198.51.100.1
        verify = yes
        """)
    }

    /// Every key of `CertificateSettings` changes the provider on reload
    /// (the reload compares the settings with ==, no hand-kept list to
    /// forget a key in); the verifier's own keys keep it.
    @Test(arguments: ["x5u_ports = 443", "x5u_allow_http = yes", "allow_special_purpose_addresses = yes",
                      "cache_max_entries = 5", "cache_default_ttl_s = 600", "cache_min_ttl_s = 60", "cache_max_ttl_s = 3600",
                      "negative_ttl_s = 5", "negative_ttl_max_s = 60", "fetch_timeout_ms = 900", "lookup_deadline_ms = 1000",
                      "fetch_max_bytes = 4096", "revocation = ocsp", "revocation_failure = hard", "short_lived_max_s = 3600",
                      "require_shaken_cn = yes", "cert_not_before_skew_s = 0"])
    func aCertificateSettingRebuildsTheProvider(_ edit: String) throws {
        let anchors = try keys.certificate()
        let first = try StirPipeline.generation(for: verifyConfig(anchors: anchors), logger: logger)
        let next = try StirPipeline.generation(for: verifyConfig(anchors: anchors, edit: edit), previous: first.generation, logger: logger)
        #expect(next.cache == .rebuiltTrustChanged)
        #expect(next.generation.certificateSource?.provider !== first.generation.certificateSource?.provider)
    }

    @Test(arguments: ["x5u_hosts = cr.example.net", "key_tables = 4", "max_iat_age_s = 30", "require_date = yes",
                      "verstat_headers = from", "max_identity_headers = 3"])
    func aVerifierSettingKeepsTheProvider(_ edit: String) throws {
        let anchors = try keys.certificate()
        let first = try StirPipeline.generation(for: verifyConfig(anchors: anchors), logger: logger)
        let next = try StirPipeline.generation(for: verifyConfig(anchors: anchors, edit: edit), previous: first.generation, logger: logger)
        #expect(next.cache == .kept)
        #expect(next.generation.certificateSource?.provider === first.generation.certificateSource?.provider)
    }

    @Test func certificateCacheSurvivesUnlessTrustChanges() throws {
        let anchors = try keys.certificate()
        let first = try StirPipeline.generation(for: verifyConfig(anchors: anchors), logger: logger)
        #expect(first.cache == .created)
        let provider = try #require(first.generation.certificateSource?.provider)

        // Verifier-only keys (freshness, verstat) keep the cache.
        let second = try StirPipeline.generation(for: verifyConfig(anchors: anchors, edit: "max_date_age_s = 30"),
                                                 previous: first.generation, logger: logger)
        #expect(second.cache == .kept)
        #expect(second.generation.certificateSource?.provider === provider)
        #expect(second.generation.verify?.config.maxDateAgeSeconds == 30)

        // The same file name with other roots in it is a trust change.
        let other = try keys.certificate(forOther: true)
        try FileManager.default.removeItem(atPath: anchors)
        try FileManager.default.copyItem(atPath: other, toPath: anchors)
        let third = try StirPipeline.generation(for: verifyConfig(anchors: anchors, edit: "max_date_age_s = 30"),
                                                previous: second.generation, logger: logger)
        #expect(third.cache == .rebuiltTrustChanged)
        #expect(third.generation.certificateSource?.provider !== provider)

        // A trust setting (revocation) too.
        let fourth = try StirPipeline.generation(for: verifyConfig(anchors: anchors, edit: "max_date_age_s = 30\nrevocation = short_lived"),
                                                 previous: third.generation, logger: logger)
        #expect(fourth.cache == .rebuiltTrustChanged)

        let off = try StirPipeline.generation(for: parseConfig(pbxConfig(sign: true)), previous: fourth.generation, logger: logger)
        #expect(off.cache == .dropped)
        #expect(off.generation.certificateSource == nil)
    }

    @Test func unreadableTrustAnchorsOnReloadFailTheBuild() throws {
        let anchors = try keys.certificate()
        let first = try StirPipeline.generation(for: verifyConfig(anchors: anchors), logger: logger).generation
        // Reading the file refuses a missing anchor file at its line; one
        // that goes away after the read still fails the build.
        let later = keys.directory + "/later.pem"
        try FileManager.default.copyItem(atPath: anchors, toPath: later)
        let config = try verifyConfig(anchors: later)
        try FileManager.default.removeItem(atPath: later)
        #expect(throws: StirPipeline.SetupError.self) {
            try StirPipeline.generation(for: config, previous: first, logger: logger)
        }
        #expect(configError("[verify]\ntrust_anchors_file = \(later)")?.hasPrefix("t.ini:2: trust_anchors_file: cannot read") == true)
    }
}
