import Dispatch
import Foundation
import Testing
@testable import Certificates
import TestSupport

@Suite(.serialized) struct CertificateProviderTests {
    let pki = TestPKI.shared

    func provider(_ server: LoopbackServer,
                  configure: (inout CertificateProvider.Configuration) -> Void = { _ in }) throws -> CertificateProvider {
        var configuration = pki.providerConfiguration(port: server.port)
        configure(&configuration)
        return CertificateProvider(configuration: configuration, validator: try pki.validator(),
                                   requester: pki.requester())
    }

    func url(_ server: LoopbackServer, _ path: String) -> String { "https://127.0.0.1:\(server.port)/\(path)" }

    @Test func fetchesValidatesAndServesFromCache() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let provider = try provider(server)
        let target = url(server, "plain/leaf-spc-chain.pem")
        #expect(provider.cachedCertificate(for: target, at: Date()) == nil)
        let chain = try #require(try provider.lookup(target)?.get())
        #expect(chain.spc == "1234")
        let hit = try #require(provider.cachedCertificate(for: target, at: Date())).get()
        #expect(hit.covers(tn: "12155551212"))
        #expect(provider.counters.fetches == 1)
        #expect(provider.counters.hits == 1)
        #expect(provider.counters.misses == 1)
    }

    @Test(arguments: [
        ("status/404", CertificateFailure.fetchFailed("HTTP 404")),
        ("status/500", .fetchFailed("HTTP 500")),
        ("redirect", .fetchFailed("HTTP 302: redirects are not followed")),
        ("garbage", .malformed("no PEM certificate")),
        ("empty", .fetchFailed("empty body")),
        ("big", .fetchFailed("body larger than 65536 bytes")),
        ("slow", .fetchTimeout),
        ("drip", .fetchTimeout),
        ("plain/leaf-untrusted-chain.pem", .untrustedRoot),
        ("plain/leaf-expired-chain.pem", .expired),
        ("plain/leaf-notyet-chain.pem", .notYetValid),
        ("plain/leaf-notn-chain.pem", .noTNAuthList),
        ("plain/leaf-spc.pem", .untrustedRoot),
    ])
    /// `slow` answers after 30 s and `drip` takes 40 s: `fetch_timeout` from
    /// them is the 1 s fetch timeout at work (the lookup would otherwise see
    /// a whole body or nothing within its bound), whatever the machine's speed.
    func faultYieldsStableCodeWithinDeadline(path: String, expected: CertificateFailure) throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let provider = try provider(server)
        let result = provider.lookup(url(server, path), timeout: 25)
        #expect(result.map { $0.map(\.spc) } == .failure(expected))
        #expect(provider.counters.failures[expected.code] == 1)
    }

    @Test func refusesLoopbackWithoutTheSwitch() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let provider = CertificateProvider(configuration: pki.providerConfiguration(port: server.port),
                                           validator: try pki.validator(), requester: pki.requester(allowLoopback: false))
        let result = provider.lookup(url(server, "plain/leaf-spc-chain.pem"))
        #expect(result.map { $0.map(\.spc) } == .failure(.forbiddenURL("address 127.0.0.1 is special-purpose (RFC 6890)")))
        let named = provider.lookup("https://localhost:\(server.port)/plain/leaf-spc-chain.pem")
        guard case .failure(let failure)? = named else { Issue.record("localhost was fetched"); return }
        #expect(failure.code == "forbidden_url")
    }

    /// The refusal names an IPv6 address in RFC 5952 form, not byte by byte.
    @Test func refusesIPv6LoopbackNamingItAsWritten() throws {
        let provider = CertificateProvider(configuration: pki.providerConfiguration(port: 8443),
                                           validator: try pki.validator(), requester: pki.requester(allowLoopback: false))
        let result = provider.lookup("https://[::1]:8443/plain/leaf-spc-chain.pem")
        #expect(result.map { $0.map(\.spc) } == .failure(.forbiddenURL("address ::1 is special-purpose (RFC 6890)")))
    }

    @Test(arguments: [
        "http://127.0.0.1/x.pem", "https://127.0.0.1:1/x.pem", "https://127.0.0.1/x.pem?a=b",
        "https://user@127.0.0.1/x.pem", "https://127.0.0.1/x.pem#f", "https:///x.pem", "ftp://127.0.0.1/x",
    ])
    func refusesForbiddenURLsWithoutFetching(target: String) throws {
        let provider = CertificateProvider(validator: try pki.validator(), requester: pki.requester())
        let result = provider.lookup(target)
        if case .failure(let failure)? = result { #expect(failure.code == "forbidden_url") } else { Issue.record("\(String(describing: result))") }
        #expect(provider.counters.fetches == 0)
    }

    @Test func thousandConcurrentColdLookupsMakeOneFetch() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let provider = try provider(server)
        let target = url(server, "count/leaf-spc-chain.pem")
        let results = Collector<Result<ValidatedChain, CertificateFailure>>()
        let queues = (0..<8).map { DispatchQueue(label: "caller\($0)") }
        let finished = waitFor(1000, timeout: 20) { done in
            DispatchQueue.concurrentPerform(iterations: 1000) { index in
                provider.certificate(for: target, at: Date(), queue: queues[index % 8]) { results.add($0); done() }
            }
        }
        #expect(finished)
        #expect(results.all.count == 1000)
        #expect(results.all.allSatisfy { (try? $0.get())?.spc == "1234" })
        #expect(provider.counters.fetches == 1)
        let hits = provider.lookup(url(server, "hits/leaf-spc-chain.pem"))
        #expect(hits.map { $0.map(\.spc) } == .failure(.malformed("no PEM certificate")))  // body "1", not PEM
        let counted = try fetchText(url(server, "hits/leaf-spc-chain.pem"))
        #expect(counted == "1")
    }

    /// Plain GET through the production requester, for server-side counters.
    func fetchText(_ target: String) throws -> String {
        let box = Collector<Result<HTTPResponse, CertificateFailure>>()
        let requester = pki.requester()
        _ = waitFor { done in
            requester.send(HTTPRequest(url: target, timeout: 2, maximumBodyBytes: 1000)) { box.add($0); done() }
        }
        return String(decoding: try #require(box.all.first).get().body, as: UTF8.self)
    }

    /// Another URL is fetched and answered while a hung fetch is still
    /// pending: decided by order (the hung lookup has not completed when the
    /// other one has), not by how long the other one took.
    @Test func hungServerDoesNotDelayOtherURLs() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        // `slow` answers after 30 s; these bounds keep it pending throughout.
        let provider = try provider(server) { $0.fetchTimeout = 60; $0.deadline = 60 }
        let queue = DispatchQueue(label: "hung")
        let hung = Collector<Result<ValidatedChain, CertificateFailure>>()
        provider.certificate(for: url(server, "slow"), at: Date(), queue: queue) { hung.add($0) }
        // The hung request must be in flight before the other one is asked for.
        #expect(eventually(timeout: 20, pollEvery: 20_000) { (try? fetchText(url(server, "seen/slow"))) == "1" })
        let result = provider.lookup(url(server, "plain/leaf-one-chain.pem"), timeout: 20)
        #expect((try? result?.get())?.covers(tn: "12155551212") == true)
        #expect(hung.all.isEmpty, "the hung lookup finished first")
        #expect(provider.counters.fetches == 2)
    }

    @Test func checksEachWaiterAtItsOwnTime() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let provider = try provider(server)
        let target = url(server, "plain/leaf-short-chain.pem")
        #expect(provider.lookup(target, at: Date().addingTimeInterval(3 * 86400)).map { $0.map(\.spc) } == .failure(.expired))
        #expect(provider.cachedCertificate(for: target, at: Date().addingTimeInterval(-86400))?.map(\.spc) == .failure(.notYetValid))
        #expect(provider.cachedCertificate(for: target, at: Date())?.map(\.spc) == .success("1234"))
        #expect(provider.counters.fetches == 1)
    }
}
