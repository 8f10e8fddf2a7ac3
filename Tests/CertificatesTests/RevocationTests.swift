import Dispatch
import Foundation
import Testing
@testable import Certificates
import TestSupport

/// Counts requests and answers nothing else: proves a policy used no network.
struct RefusingRequester: HTTPRequester {
    let calls = Collector<String>()
    func send(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, CertificateFailure>) -> Void) {
        calls.add(request.url)
        completion(.failure(.fetchFailed("refused by test")))
    }
}

/// Records the requests a policy makes and leaves them unanswered: shows
/// what the policy hands the network layer (the URL, the time it may take).
struct CapturingRequester: HTTPRequester {
    let requests = Collector<HTTPRequest>()
    func send(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, CertificateFailure>) -> Void) {
        requests.add(request)
    }
}

/// OCSP through `openssl ocsp`, CRL over loopback HTTP, composition, deadline.
@Suite(.serialized) struct RevocationTests {
    let pki = TestPKI.shared

    func chain(_ name: String) throws -> ValidatedChain {
        try pki.validator().validate(pem: pki.bytes(name), at: Date()).get()
    }

    func run(_ checker: RevocationChecker, _ name: String, deadline: TimeInterval = 3) throws
        -> Result<RevocationDecision, CertificateFailure>? {
        let box = Collector<Result<RevocationDecision, CertificateFailure>>()
        let chain = try chain(name)
        // A generous bound, only so a broken build cannot hang: the tests
        // assert what the checker answered, not how soon.
        _ = waitFor(timeout: deadline + 30) { done in
            checker.check(chain, now: Date(), deadline: Date().addingTimeInterval(deadline)) { box.add($0); done() }
        }
        return box.all.first
    }

    func ocsp(_ mode: RevocationFailureMode) throws -> OCSPPolicy {
        OCSPPolicy(requester: pki.requester(), anchors: try pki.anchors(), failureMode: mode)
    }

    @Test func ocspGoodUntilNextUpdateAndRevoked() throws {
        let responder = try LoopbackServer.ocsp(pki: pki)
        defer { responder.stop() }
        let checker = RevocationChecker([try ocsp(.hard)])
        guard case .success(.good(let until?))? = try run(checker, "leaf-spc-chain.pem") else {
            Issue.record("expected good with nextUpdate"); return
        }
        #expect(abs(until.timeIntervalSinceNow - 3600) < 120)  // -nmin 60
        #expect(try run(checker, "leaf-revoked-chain.pem") == .failure(.revoked))
    }

    /// A refused connection fails at once: `fetch_failed`, not `fetch_timeout`
    /// (which would mean the checker sat out its deadline).
    @Test func ocspResponderDownSoftAdmitsHardRejects() throws {
        #expect(try run(RevocationChecker([try ocsp(.hard)]), "leaf-spc-chain.pem")
            == .failure(.revocationUnknown("OCSP fetch_failed")))
        let soft = try run(RevocationChecker([try ocsp(.soft)]), "leaf-spc-chain.pem")
        #expect(soft == .success(.unknown("OCSP fetch_failed")))
    }

    /// The checker's deadline becomes the OCSP request's whole time budget
    /// (measured from the `now` it was given), and a deadline already passed
    /// sends nothing. Decided on the request handed down, not on a stopwatch.
    @Test func ocspHandsTheDeadlineToTheRequest() throws {
        let network = CapturingRequester()
        let policy = OCSPPolicy(requester: network, anchors: try pki.anchors(), failureMode: .hard)
        let chain = try chain("leaf-spc-chain.pem")
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        policy.check(chain, now: now, deadline: now.addingTimeInterval(1.25)) { _ in Issue.record("answered without a response") }
        let sent = try #require(network.requests.all.first)
        #expect(sent.timeout == 1.25)
        #expect(sent.method == "POST" && sent.url == "http://127.0.0.1:\(pki.ocspPort)/")

        let late = Collector<RevocationDecision>()
        policy.check(chain, now: now, deadline: now) { late.add($0) }
        #expect(late.all == [.unknown("deadline passed before OCSP")])
        #expect(network.requests.all.count == 1)
    }

    @Test func ocspHungResponderEndsAtTheDeadline() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(pki.ocspPort).bigEndian
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(listener, 8) == 0)  // accepts in the kernel, never answers
        // The responder never answers, so any answer at all (within the
        // generous bound of `run`) is the request's timeout firing.
        let result = try run(RevocationChecker([try ocsp(.hard)]), "leaf-spc-chain.pem", deadline: 1)
        #expect(result == .failure(.revocationUnknown("OCSP fetch_timeout")))
    }

    @Test func crlRevokedAndGoodWithOneDownload() throws {
        let server = try LoopbackServer.crl(pki: pki)
        defer { server.stop() }
        let policy = CRLPolicy(requester: pki.requester(), failureMode: .hard)
        let checker = RevocationChecker([policy])
        #expect(try run(checker, "leaf-revoked-chain.pem") == .failure(.revoked))
        guard case .success(.good(let until?))? = try run(checker, "leaf-spc-chain.pem") else {
            Issue.record("expected good"); return
        }
        #expect(abs(until.timeIntervalSinceNow - 7 * 86400) < 3600)  // min(inter.crl 7 d, root.crl 30 d)
        #expect(policy.fetches == 2)  // inter.crl + root.crl, each cached until nextUpdate
        #expect(try run(checker, "leaf-one-chain.pem") == .success(.good(until: until)))
        #expect(policy.fetches == 2)
    }

    @Test func crlRevokedIntermediateRejectsGoodLeaf() throws {
        let server = try LoopbackServer.crl(pki: pki)
        defer { server.stop() }
        let checker = RevocationChecker([CRLPolicy(requester: pki.requester(), failureMode: .hard)])
        #expect(try run(checker, "leaf-interrevoked-chain.pem") == .failure(.revoked))
    }

    @Test func crlDownSoftAdmitsHardRejects() throws {
        let hard = RevocationChecker([CRLPolicy(requester: pki.requester(), failureMode: .hard)])
        #expect(try run(hard, "leaf-spc-chain.pem") == .failure(.revocationUnknown("CRL fetch_failed")))
        let soft = RevocationChecker([CRLPolicy(requester: pki.requester(), failureMode: .soft)])
        #expect(try run(soft, "leaf-spc-chain.pem") == .success(.unknown("CRL fetch_failed")))
    }

    @Test func shortLivedSkipsStatusAndLongerFallsThrough() throws {
        let network = RefusingRequester()
        let checker = try RevocationChecker.named(["short_lived", "ocsp"], failureMode: .hard, shortLivedMaximum: 3 * 86400,
                                                  requester: network, anchors: try pki.anchors())
        #expect(try run(checker, "leaf-short-chain.pem") == .success(.good(until: nil)))
        #expect(network.calls.all.isEmpty)
        #expect(try run(checker, "leaf-spc-chain.pem") == .failure(.revocationUnknown("OCSP fetch_failed")))
        #expect(network.calls.all == ["http://127.0.0.1:\(pki.ocspPort)/"])
    }

    @Test func softOCSPFailureFallsThroughToCRL() throws {
        let server = try LoopbackServer.crl(pki: pki)
        defer { server.stop() }
        let checker = try RevocationChecker.named(["short_lived", "ocsp", "crl"], failureMode: .soft,
                                                  shortLivedMaximum: 86400, requester: pki.requester(), anchors: try pki.anchors())
        #expect(try run(checker, "leaf-revoked-chain.pem") == .failure(.revoked))
        #expect(throws: CertificateFailure.self) {
            try RevocationChecker.named(["ocsp", "telepathy"], failureMode: .soft, shortLivedMaximum: 0,
                                        requester: network(), anchors: try pki.anchors())
        }
    }

    func network() -> RefusingRequester { RefusingRequester() }

    @Test func perPolicyModeOverridesDefault() throws {
        let checker = try RevocationChecker.named(["ocsp:soft", "crl:hard"], failureMode: .hard, shortLivedMaximum: 0,
                                                  requester: network(), anchors: try pki.anchors())
        #expect(checker.policies.map(\.failureMode) == [.soft, .hard])
        #expect(try run(checker, "leaf-spc-chain.pem") == .failure(.revocationUnknown("CRL fetch_failed")))
        #expect(throws: CertificateFailure.self) {
            try RevocationChecker.named(["ocsp:maybe"], failureMode: .soft, shortLivedMaximum: 0,
                                        requester: network(), anchors: try pki.anchors())
        }
    }

    @Test func providerRejectsOCSPRevokedLeafAndCapsTTLAtNextUpdate() throws {
        let x5u = try LoopbackServer.x5u(pki: pki)
        let responder = try LoopbackServer.ocsp(pki: pki)
        defer { x5u.stop(); responder.stop() }
        let requester = pki.requester()
        let provider = CertificateProvider(configuration: pki.providerConfiguration(port: x5u.port),
                                           validator: try pki.validator(), requester: requester,
                                           revocation: RevocationChecker([try ocsp(.hard)]))
        let base = "https://127.0.0.1:\(x5u.port)/cc/86400/"
        #expect(provider.lookup(base + "leaf-revoked-chain.pem").map { $0.map(\.spc) } == .failure(.revoked))
        let good = try #require(provider.lookup(base + "leaf-spc-chain.pem")).get()
        guard case .good(let until?) = good.revocation else { Issue.record("no OCSP status"); return }
        let expires = try #require(provider.entries().first { $0.url == base + "leaf-spc-chain.pem" }).expires
        #expect(expires == until)
    }
}
