import Foundation
import INIConfig
import Logging
import SIPCore
@testable import SIPProxy
import STIRCore
import Synchronization
import Testing
@testable import StirDaemon

/// A clock the tests move by hand (no sleeps).
final class TestClock: Sendable {
    private let value: Mutex<Int64>
    init(_ start: Int64) { value = Mutex(start) }
    var now: Int64 { value.withLock { $0 } }
    func advance(_ seconds: Int64) { value.withLock { $0 += seconds } }
}

/// RFC 7616 response vectors, nonces, nonce-counts, lock-out, and the
/// processor end to end in a proxy core with the signing processor after
/// it.
@Suite struct AuthenticationProcessorTests {
    static let realm = "example.net"
    static let password = "correct horse"
    static let start: Int64 = 1_790_000_000

    // MARK: RFC 7616 vectors

    /// RFC 7616 §3.9.1: the same request answered with SHA-256 and with MD5
    /// (the responses are quoted from the RFC).
    @Test func rfc7616Section391Responses() {
        let nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
        let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
        func response(_ a: DigestAlgorithm) -> String {
            a.response(ha1: a.ha1(username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life"),
                       nonce: nonce, nc: "00000001", cnonce: cnonce, qop: "auth", method: "GET", uri: "/dir/index.html")
        }
        #expect(response(.sha256) == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
        #expect(response(.md5) == "8ca523f5e9506fed4657c9700eebdbec")
    }

    /// RFC 7616 §3.9.2's inputs with SHA-512-256. The response printed in
    /// the RFC cannot be reproduced from its inputs (RFC errata 4897), so
    /// the expected value was computed independently with Python's hashlib
    /// (`hashlib.new("sha512_256")`) when this test was written.
    @Test func sha512_256ResponseOverRFC7616Section392Inputs() {
        let a = DigestAlgorithm.sha512_256
        let ha1 = a.ha1(username: "J\u{E4}s\u{F8}n Doe", realm: "api@example.org", password: "Secret, or not?")
        let r = a.response(ha1: ha1, nonce: "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", nc: "00000001",
                           cnonce: "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v", qop: "auth", method: "GET", uri: "/doe.json")
        #expect(r == "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5")
        #expect(a.ha1(username: "alice", realm: Self.realm, password: Self.password) == AuthConfigurationTests.ha1SHA512)
        #expect(DigestAlgorithm.sha256.ha1(username: "alice", realm: Self.realm, password: Self.password) == AuthConfigurationTests.ha1SHA256)
    }

    // MARK: Nonces

    @Test func noncesAreFreshThenStaleAndBoundToSecretAndSource() {
        let nonces = DigestNonces(secret: Array(repeating: 7, count: 32), lifetimeSeconds: 300)
        let n = nonces.make(now: Self.start, source: "192.0.2.1")
        #expect(n.count == 64)
        #expect(nonces.check(n, source: "192.0.2.1", now: Self.start + 300) == .fresh(issued: Self.start))
        #expect(nonces.check(n, source: "192.0.2.1", now: Self.start + 301) == .stale(issued: Self.start))
        // Another source, another secret, a flipped digit, a changed time: not ours.
        #expect(nonces.check(n, source: "192.0.2.2", now: Self.start) == .unknown)
        let other = DigestNonces(secret: Array(repeating: 8, count: 32), lifetimeSeconds: 300)
        #expect(other.check(n, source: "192.0.2.1", now: Self.start) == .unknown)
        var flipped = Array(n)
        flipped[63] = flipped[63] == "0" ? "1" : "0"
        #expect(nonces.check(String(flipped), source: "192.0.2.1", now: Self.start) == .unknown)
        let later = String(format: "%016llx", Self.start + 1_000) + n.dropFirst(16)
        #expect(nonces.check(later, source: "192.0.2.1", now: Self.start + 1_000) == .unknown)
        #expect(nonces.check("garbage", source: "192.0.2.1", now: Self.start) == .unknown)
        // Two challenges in the same second get different nonces.
        #expect(nonces.make(now: Self.start, source: "192.0.2.1") != n)
    }

    @Test func nonceCountsMustIncreaseAndEvictionNeverReopensAReplay() {
        let table = NonceCountTable(capacity: 8, lifetimeSeconds: 300)
        #expect(table.accept(nonce: "a", issued: Self.start, nc: 1, now: Self.start) == .accepted)
        #expect(table.accept(nonce: "a", issued: Self.start, nc: 1, now: Self.start) == .replayed)
        #expect(table.accept(nonce: "a", issued: Self.start, nc: 2, now: Self.start) == .accepted)
        #expect(table.accept(nonce: "a", issued: Self.start, nc: 2, now: Self.start) == .replayed)
        // Fill the table with younger nonces: the oldest are dropped, and a
        // dropped one is "forgotten" (answered stale), never accepted again.
        for i in 1...12 {
            _ = table.accept(nonce: "n\(i)", issued: Self.start + Int64(i), nc: 1, now: Self.start + 20)
        }
        #expect(table.count <= 8)
        #expect(table.accept(nonce: "a", issued: Self.start, nc: 1, now: Self.start + 20) == .forgotten)
        // Expired entries make room first.
        let small = NonceCountTable(capacity: 4, lifetimeSeconds: 10)
        for i in 0..<4 { _ = small.accept(nonce: "o\(i)", issued: Self.start, nc: 1, now: Self.start) }
        #expect(small.accept(nonce: "fresh", issued: Self.start + 100, nc: 1, now: Self.start + 100) == .accepted)
        #expect(small.count == 1)
    }

    @Test func failuresLockASourceOutForAWhileThenRelease() {
        let t = AuthFailureTracker(maxFailures: 3, windowSeconds: 60, lockoutSeconds: 300, capacity: 2)
        #expect(!t.recordFailure("192.0.2.1", now: Self.start))
        #expect(!t.recordFailure("192.0.2.1", now: Self.start + 1))
        #expect(!t.isLocked("192.0.2.1", now: Self.start + 1))
        #expect(t.recordFailure("192.0.2.1", now: Self.start + 2))  // locks: the caller logs once
        #expect(t.isLocked("192.0.2.1", now: Self.start + 301))
        #expect(!t.isLocked("192.0.2.1", now: Self.start + 302))
        #expect(!t.isLocked("192.0.2.2", now: Self.start + 2))
        // Failures spread wider than the window never lock.
        let slow = AuthFailureTracker(maxFailures: 3, windowSeconds: 60, lockoutSeconds: 300, capacity: 2)
        for i in 0..<10 { #expect(!slow.recordFailure("192.0.2.1", now: Self.start + Int64(i) * 61)) }
        // Bounded: a third source replaces the oldest unlocked one.
        _ = t.recordFailure("192.0.2.3", now: Self.start + 5)
        _ = t.recordFailure("192.0.2.4", now: Self.start + 6)
        #expect(t.count == 2)
        #expect(t.isLocked("192.0.2.1", now: Self.start + 6), "a locked source is not evicted")
    }

    @Test func parsesCredentials() throws {
        let c = try DigestCredentials.parse(#"Digest username="al\"ice", realm="example.net",nc=00000001 , qop=auth, uri="sip:a@b;x=1,2""#).get()
        #expect(c["username"] == "al\"ice" && c["realm"] == "example.net" && c["nc"] == "00000001" && c["qop"] == "auth")
        #expect(c["uri"] == "sip:a@b;x=1,2")
        #expect(DigestCredentials.parse("Bearer abc") == .failure(.notDigest))
        #expect(DigestCredentials.parse("Digest realm=\"x\", realm=\"y\"") == .failure(.malformed("realm appears twice")))
        #expect(DigestCredentials.parse("Digest realm=\"x") == .failure(.malformed("unterminated quoted string in realm")))
        #expect(DigestCredentials.parse("Digest realm") == .failure(.malformed("'=' expected after realm")))
        #expect(DigestCredentials.parse("Digest a=b c=d") == .failure(.malformed("',' expected after a")))
        #expect(DigestCredentials.parse("Digest a=\"" + String(repeating: "x", count: 65_536) + "\"") == .failure(.tooLong))
    }

    // MARK: The processor in a proxy core

    final class Setup {
        let clock = TestClock(AuthenticationProcessorTests.start)
        let keys: KeyFiles
        let harness: StirHarness
        let auth: AuthenticationProcessor
        static let pbx = "192.0.2.1"

        init(authText: String = "realm = example.net", notOwned: String = "B", extraPeers: String = "",
             generated: RUECredentialTable = RUECredentialTable()) throws {
            keys = try KeyFiles()
            let config = try parseConfig("""
                [auth]
                \(authText)
                [sign]
                not_owned_attestation = \(notOwned)
                [account "alice"]
                ha1_sha512_256 = \(AuthConfigurationTests.ha1SHA512)
                ha1_sha256 = \(AuthConfigurationTests.ha1SHA256)
                ha1_md5 = \(AuthConfigurationTests.ha1MD5)
                tns = 12155551000-12155551099
                [peer "pbx"]
                addresses = \(Self.pbx)
                trusted = yes
                sign = yes
                authenticate = digest
                tns = 12155552000
                [peer "plain"]
                addresses = 192.0.2.9
                trusted = yes
                sign = yes
                tns = 12155551000-12155551099
                \(extraPeers)
                [credential "main"]
                private_key = \(keys.keyPath)
                x5u = https://cr.example.net/main.pem
                """)
            let clock = self.clock
            let peers = PeerTable(config.peers)
            auth = AuthenticationProcessor(peers: peers, config: config.auth, generated: generated, now: { clock.now })
            var c = CredentialConfiguration(name: "main")
            c.privateKeyFile = keys.keyPath
            c.x5u = "https://cr.example.net/main.pem"
            let sign = SigningProcessor(peers: peers, credentials: [try SigningCredential(c)], config: config.sign,
                                        extraction: IdentityExtractionPolicy(),
                                        authenticator: AccountOriginatorAuthenticator(accounts: config.auth.accounts),
                                        now: { clock.now })
            harness = StirHarness(processors: [auth, sign])
        }

        /// Sends an INVITE and returns the one message stird sent for it.
        func send(_ extra: [String] = [], from: String = "+12155551010", method: String = "INVITE", host: String = pbx,
                  callID: String = UUID().uuidString) -> SIPMessage? {
            var text = StirHarness.invite(from: "<sip:\(from)@192.0.2.1;user=phone>;tag=f1", extra: extra, callID: callID)
            if method != "INVITE" {
                text = text.replacingOccurrences(of: "INVITE sip:", with: "\(method) sip:")
                    .replacingOccurrences(of: "CSeq: 1 INVITE", with: "CSeq: 1 \(method)")
            }
            return harness.receive(text, from: host).first
        }

        /// The Digest answer to `challenge` (a Proxy-Authenticate value).
        static func credentials(to challenge: String, user: String = "alice", password: String = AuthenticationProcessorTests.password,
                                algorithm: DigestAlgorithm = .sha256, nc: String = "00000001", method: String = "INVITE",
                                uri: String = "sip:+12155559999@127.0.0.1", realm: String = AuthenticationProcessorTests.realm) -> String {
            let nonce = parameter("nonce", in: challenge) ?? ""
            let cnonce = "0a4f113b"
            let ha1 = algorithm.ha1(username: user, realm: realm, password: password)
            let response = algorithm.response(ha1: ha1, nonce: nonce, nc: nc, cnonce: cnonce, qop: "auth", method: method, uri: uri)
            return "Proxy-Authorization: Digest username=\"\(user)\", realm=\"\(realm)\", nonce=\"\(nonce)\", uri=\"\(uri)\", "
                + "response=\"\(response)\", algorithm=\(algorithm.rawValue), cnonce=\"\(cnonce)\", qop=auth, nc=\(nc)"
        }

        static func parameter(_ name: String, in value: String) -> String? {
            guard let range = value.range(of: "\(name)=\"") else { return nil }
            let rest = value[range.upperBound...]
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }

        /// Challenge, then answer it with SHA-256 (or as `answer` says).
        func challengeAndAnswer(from: String = "+12155551010", password: String = AuthenticationProcessorTests.password,
                                extra: [String] = []) -> SIPMessage? {
            guard let challenge = send(from: from)?.headers(named: "Proxy-Authenticate").first(where: { $0.contains("SHA-256") }) else {
                return nil
            }
            return send([Self.credentials(to: challenge, password: password)] + extra, from: from)
        }
    }

    @Test func challengeOffersEachAlgorithmMostPreferredFirst() throws {
        let s = try Setup()
        let r = try #require(s.send())
        #expect(r.statusCode == 407)
        let challenges = r.headers(named: "Proxy-Authenticate")
        #expect(challenges.count == 2)
        #expect(challenges[0].hasPrefix("Digest realm=\"example.net\", nonce=\""))
        #expect(challenges[0].contains("algorithm=SHA-512-256") && challenges[1].contains("algorithm=SHA-256"))
        #expect(challenges.allSatisfy { $0.contains("qop=\"auth\"") && !$0.contains("stale") })
        #expect(Setup.parameter("nonce", in: challenges[0]) == Setup.parameter("nonce", in: challenges[1]))
        let md5 = try Setup(authText: "realm = example.net\nallow_md5 = yes")
        let all = try #require(md5.send()).headers(named: "Proxy-Authenticate")
        #expect(all.count == 3 && all[2].contains("algorithm=MD5"))
    }

    /// A peer of devices that read only the first challenge is offered its
    /// own list, and only that list is accepted from it.
    @Test func peerAlgorithmsOverrideTheDefaultOrder() throws {
        let s = try Setup(authText: "realm = example.net\nallow_md5 = yes", extraPeers: """
            [peer "legacy"]
            addresses = 192.0.2.5
            trusted = yes
            sign = yes
            authenticate = digest
            digest_algorithms = MD5
            """)
        let challenges = try #require(s.send(host: "192.0.2.5")).headers(named: "Proxy-Authenticate")
        #expect(challenges.count == 1 && challenges[0].contains("algorithm=MD5"))
        let md5 = try #require(s.send([Setup.credentials(to: challenges[0], algorithm: .md5)], host: "192.0.2.5"))
        #expect(md5.method == "INVITE" && !md5.identityHeaders.isEmpty)
        let sha = try #require(s.send([Setup.credentials(to: challenges[0], algorithm: .sha256, nc: "00000002")], host: "192.0.2.5"))
        #expect(sha.statusCode == 407)
        // The default peer still gets all three, SHA-512-256 first.
        #expect(s.send()?.headers(named: "Proxy-Authenticate").first?.contains("SHA-512-256") == true)
    }

    @Test func validCredentialsAreSignedForTheAccountAndRemoved() throws {
        let s = try Setup()
        let other = "Proxy-Authorization: Digest username=\"x\", realm=\"downstream.example\", nonce=\"n\", uri=\"sip:x\", response=\"00\""
        let forwarded = try #require(s.challengeAndAnswer(extra: [other]))
        #expect(forwarded.method == "INVITE")
        // RFC 3261 §22.3: ours removed, the downstream realm's kept.
        #expect(forwarded.headers(named: "Proxy-Authorization") == [String(other.dropFirst("Proxy-Authorization: ".count))])
        let identity = try #require(forwarded.identityHeaders.first)
        #expect(try PASSporT.decode(IdentityHeader.parse(identity).token).header.ppt == "shaken")
        #expect(try attestation(of: forwarded) == "A")
        // The account does not own this TN (the peer does: it does not count).
        let notOwned = try #require(s.challengeAndAnswer(from: "+12155552000"))
        #expect(try attestation(of: notOwned) == "B")
        // SHA-512-256 works the same.
        let challenge = try #require(s.send()?.headers(named: "Proxy-Authenticate").first)
        let viaSHA512 = try #require(s.send([Setup.credentials(to: challenge, algorithm: .sha512_256)]))
        #expect(viaSHA512.method == "INVITE" && viaSHA512.headers(named: "Proxy-Authorization").isEmpty)
    }

    func attestation(of request: SIPMessage) throws -> String? {
        let header = try IdentityHeader.parse(try #require(request.identityHeaders.first))
        return try PASSporT.decode(header.token).claims.attest?.rawValue
    }

    @Test func notOwnedNoneForwardsUnsigned() throws {
        let s = try Setup(notOwned: "none")
        let r = try #require(s.challengeAndAnswer(from: "+12155552000"))
        #expect(r.method == "INVITE" && r.identityHeaders.isEmpty)
    }

    @Test func wrongPasswordUnknownUserAndWrongURIAreRefused() throws {
        let s = try Setup()
        let wrong = try #require(s.challengeAndAnswer(password: "wrong"))
        #expect(wrong.statusCode == 407 && wrong.headers(named: "Proxy-Authenticate").count == 2)
        let challenge = try #require(s.send()?.headers(named: "Proxy-Authenticate")[1])
        #expect(s.send([Setup.credentials(to: challenge, user: "mallory")])?.statusCode == 407)
        #expect(s.send([Setup.credentials(to: challenge, uri: "sip:other@127.0.0.1")])?.statusCode == 400)
        // MD5 is not accepted unless allowed: a new challenge.
        #expect(s.send([Setup.credentials(to: challenge, algorithm: .md5)])?.statusCode == 407)
        // Malformed and oversized credentials.
        #expect(s.send(["Proxy-Authorization: Digest realm=\"example.net\", username"])?.statusCode == 400)
        #expect(s.send(["Proxy-Authorization: Digest realm=\"example.net\", username=\"alice\", algorithm=SHA-256"])?.statusCode == 400)
        let huge = "Proxy-Authorization: Digest realm=\"example.net\", username=\"" + String(repeating: "a", count: 5_000) + "\""
        #expect(s.send([huge])?.statusCode == 400)
    }

    @Test func expiredNonceGetsStaleAndReplayedCountIsRefused() throws {
        let s = try Setup()
        let challenge = try #require(s.send()?.headers(named: "Proxy-Authenticate")[1])
        let answer = Setup.credentials(to: challenge)
        #expect(s.send([answer])?.method == "INVITE")
        // The same nonce-count again (a replay): refused, new nonce offered.
        let replay = try #require(s.send([answer]))
        #expect(replay.statusCode == 407 && replay.headers(named: "Proxy-Authenticate").allSatisfy { $0.hasSuffix("stale=true") })
        #expect(s.send([Setup.credentials(to: challenge, nc: "00000002")])?.method == "INVITE")
        // Past the lifetime: stale=true for the right answer...
        s.clock.advance(301)
        let stale = try #require(s.send([Setup.credentials(to: challenge, nc: "00000003")]))
        #expect(stale.statusCode == 407 && stale.headers(named: "Proxy-Authenticate").allSatisfy { $0.hasSuffix("stale=true") })
        // ...but not for a wrong one.
        let wrong = try #require(s.send([Setup.credentials(to: challenge, password: "nope", nc: "00000004")]))
        #expect(wrong.statusCode == 407 && !wrong.headers(named: "Proxy-Authenticate")[0].contains("stale"))
        // A nonce we never made: a plain new challenge.
        let forged = challenge.replacingOccurrences(of: "nonce=\"", with: "nonce=\"00")
        let r = try #require(s.send([Setup.credentials(to: forged)]))
        #expect(r.statusCode == 407 && !r.headers(named: "Proxy-Authenticate")[0].contains("stale"))
    }

    @Test func ackCancelInDialogRegisterAndOtherPeersAreNotChallenged() throws {
        let s = try Setup()
        for method in ["CANCEL", "REGISTER", "OPTIONS"] {
            let r = s.send(method: method)
            if method == "OPTIONS" { #expect(r?.statusCode == 407) } else { #expect(r?.method == method, "\(method)") }
        }
        // ACK and in-dialog requests (To tag) pass, our credentials removed.
        let ours = "Proxy-Authorization: Digest username=\"alice\", realm=\"example.net\", nonce=\"n\", uri=\"sip:x\", response=\"00\""
        var bye = StirHarness.invite(to: "<sip:+12155559999@example.net>;tag=t9", extra: [ours])
        bye = bye.replacingOccurrences(of: "INVITE sip:", with: "BYE sip:").replacingOccurrences(of: "CSeq: 1 INVITE", with: "CSeq: 2 BYE")
        let forwarded = s.harness.receive(bye, from: Setup.pbx).first
        #expect(forwarded?.method == "BYE" && forwarded?.headers(named: "Proxy-Authorization") == [])
        var ack = StirHarness.invite(to: "<sip:+12155559999@example.net>;tag=t9")
        ack = ack.replacingOccurrences(of: "INVITE sip:", with: "ACK sip:").replacingOccurrences(of: "CSeq: 1 INVITE", with: "CSeq: 1 ACK")
        #expect(s.harness.receive(ack, from: Setup.pbx).first?.method == "ACK")
        // A peer without authenticate is signed by its source address.
        let plain = try #require(s.send(host: "192.0.2.9"))
        #expect(plain.method == "INVITE")
        #expect(try attestation(of: plain) == "A")
    }

    /// The core hands neither CANCEL nor a stray ACK to processors; the
    /// processor itself must not challenge them either (RFC 3261 §22.1).
    @Test func ackAndCancelProceedWithoutCredentials() throws {
        let s = try Setup()
        let ours = "Proxy-Authorization: Digest username=\"alice\", realm=\"example.net\", nonce=\"n\", uri=\"sip:x\", response=\"00\""
        for method in ["ACK", "CANCEL", "INVITE"] {
            var text = StirHarness.invite(extra: [ours])
            text = text.replacingOccurrences(of: "INVITE sip:", with: "\(method) sip:")
                .replacingOccurrences(of: "CSeq: 1 INVITE", with: "CSeq: 1 \(method)")
            let request = try SIPMessage.parse(Array(text.utf8))
            let context = RequestContext(source: SocketAddress(host: Setup.pbx, port: 5070)!, local: s.harness.sender.local,
                                         transport: .udp, callID: "c", method: method, logger: Logger(label: "t"),
                                         notes: TransactionNotes())
            let resumption = ProcessorResumption(queue: s.harness.queue) { _, _ in }
            let decision = s.auth.process(request, context: context, resumption: resumption)
            if method == "INVITE" {
                guard case .respond(let status, _) = decision else { Issue.record("INVITE not challenged"); continue }
                #expect(status.code == 407)
            } else {
                guard case .proceed = decision else { Issue.record("\(method) challenged: \(decision)"); continue }
                #expect(request.headers(named: "Proxy-Authorization").isEmpty, "our credentials removed from \(method)")
            }
        }
    }

    /// With authenticate_register = yes stird answers REGISTER like a
    /// registrar would (RFC 3261 §22.2): 401, WWW-Authenticate, Authorization.
    @Test func registerIsAuthenticatedWith401WhenConfigured() throws {
        let s = try Setup(authText: "realm = example.net\nauthenticate_register = yes")
        let r = try #require(s.send(method: "REGISTER"))
        #expect(r.statusCode == 401 && r.headers(named: "WWW-Authenticate").count == 2 && r.headers(named: "Proxy-Authenticate").isEmpty)
        let challenge = try #require(r.headers(named: "WWW-Authenticate").last)
        let proxyStyle = Setup.credentials(to: challenge, method: "REGISTER")
        #expect(s.send([proxyStyle], method: "REGISTER")?.statusCode == 401, "Proxy-Authorization does not answer a 401")
        let answer = "Authorization:" + proxyStyle.dropFirst("Proxy-Authorization:".count)
        let relayed = try #require(s.send([answer], method: "REGISTER"))
        #expect(relayed.method == "REGISTER" && relayed.headers(named: "Authorization").isEmpty)
        // Without the setting, REGISTER and its Authorization pass untouched.
        let plain = try Setup()
        let untouched = try #require(plain.send([answer], method: "REGISTER"))
        #expect(untouched.method == "REGISTER" && untouched.headers(named: "Authorization").count == 1)
    }

    @Test func repeatedFailuresLockTheSourceOutThenRelease() throws {
        let s = try Setup(authText: "realm = example.net\nmax_failures = 3\nfailure_window_s = 60\nlockout_s = 300")
        let challenge = try #require(s.send()?.headers(named: "Proxy-Authenticate")[1])
        for _ in 0..<3 { #expect(s.challengeAndAnswer(password: "guess")?.statusCode == 407) }
        // Locked: 403 even with the right password, from this source only.
        #expect(s.send()?.statusCode == 403)
        #expect(s.send([Setup.credentials(to: challenge)])?.statusCode == 403)
        #expect(s.send(host: "192.0.2.9")?.method == "INVITE")
        s.clock.advance(301)
        let r = try #require(s.challengeAndAnswer())
        #expect(r.method == "INVITE" && !r.identityHeaders.isEmpty)
    }
}

/// SIGHUP: the authentication state survives a reload that does not change
/// what it depends on, so clients mid-challenge and locked-out sources are
/// not reset by an unrelated edit.
@Suite struct AuthenticationReloadTests {
    static func config(_ auth: String, tns: String) throws -> StirConfiguration {
        try parseConfig("""
            [auth]
            \(auth)
            [account "alice"]
            ha1_sha256 = \(AuthConfigurationTests.ha1SHA256)
            tns = \(tns)
            [peer "pbx"]
            addresses = 192.0.2.1
            authenticate = digest
            """)
    }

    @Test func reloadKeepsGeneratedSecretNonceCountsAndLockouts() throws {
        let logger = Logger(label: "t")
        let first = try StirPipeline.generation(for: try Self.config("realm = r", tns: "1215555*"), logger: logger).generation
        let a = try #require(first.auth)
        let nonce = a.nonces.make(now: 100, source: "192.0.2.1")
        _ = a.counts.accept(nonce: nonce, issued: 100, nc: 1, now: 100)
        _ = a.failures.recordFailure("192.0.2.7", now: 100)
        // Accounts changed: state kept.
        let second = try StirPipeline.generation(for: try Self.config("realm = r", tns: "1215556*"), previous: first,
                                                 logger: logger).generation
        let b = try #require(second.auth)
        #expect(b !== a)
        #expect(b.nonces.check(nonce, source: "192.0.2.1", now: 101) == .fresh(issued: 100))
        #expect(b.counts.accept(nonce: nonce, issued: 100, nc: 1, now: 101) == .replayed)
        #expect(b.failures.count == 1)
        // Lifetime and limits changed: a new secret, new tables.
        let third = try StirPipeline.generation(for: try Self.config("realm = r\nnonce_lifetime_s = 60\nmax_failures = 5", tns: "1215556*"),
                                                previous: second, logger: logger).generation
        let c = try #require(third.auth)
        #expect(c.nonces.check(nonce, source: "192.0.2.1", now: 101) == .unknown)
        #expect(c.failures.count == 0)
    }
}
