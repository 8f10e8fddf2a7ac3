import Dispatch
import Foundation
import Testing
@testable import Certificates
import TestSupport

/// TTL, negative cache, refresh-ahead, disk and import against the live
/// loopback x5u server with an injected clock.
@Suite(.serialized) struct CacheBehaviourTests {
    let pki = TestPKI.shared

    func make(_ server: LoopbackServer, clock: ManualClock,
              configure: (inout CertificateProvider.Configuration) -> Void = { _ in }) throws -> CertificateProvider {
        var configuration = pki.providerConfiguration(port: server.port)
        configure(&configuration)
        return CertificateProvider(configuration: configuration, validator: try pki.validator(),
                                   requester: pki.requester(), clock: clock.function)
    }

    func url(_ server: LoopbackServer, _ path: String) -> String { "https://127.0.0.1:\(server.port)/\(path)" }

    func ttl(_ provider: CertificateProvider, _ url: String, now: Date) throws -> TimeInterval {
        try #require(provider.entries().first { $0.url == url }).expires.timeIntervalSince(now)
    }

    @Test(arguments: [
        ("cc/3600/leaf-spc-chain.pem", 3600.0),        // Cache-Control max-age
        ("cc/5/leaf-spc-chain.pem", 300.0),            // floor
        ("cc/99999999/leaf-spc-chain.pem", 604800.0),  // ceiling
        ("expires/7200/leaf-spc-chain.pem", 7200.0),   // Expires - Date
        ("plain/leaf-spc-chain.pem", 86400.0),         // default 24 h
    ])
    func ttlFromHeadersWithinFloorAndCeiling(path: String, expected: TimeInterval) throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let clock = ManualClock()
        let provider = try make(server, clock: clock)
        let target = url(server, path)
        _ = try #require(provider.lookup(target)).get()
        #expect(abs(try ttl(provider, target, now: clock.now) - expected) < 3)
    }

    @Test func ttlNeverPassesNotAfter() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let clock = ManualClock()
        let provider = try make(server, clock: clock)
        let target = url(server, "cc/604800/leaf-short-chain.pem")
        let chain = try #require(provider.lookup(target)).get()
        #expect(abs(try ttl(provider, target, now: clock.now) - chain.notAfter.timeIntervalSince(clock.now)) < 1)
        #expect(try ttl(provider, target, now: clock.now) < 2 * 86400 + 1)
    }

    @Test func entryExpiresAndIsFetchedAgain() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let clock = ManualClock()
        let provider = try make(server, clock: clock) { $0.refreshAhead = 0 }
        let target = url(server, "cc/600/leaf-spc-chain.pem")
        _ = try #require(provider.lookup(target)).get()
        clock.advance(599)
        #expect(provider.cachedCertificate(for: target, at: clock.now) != nil)
        clock.advance(2)
        #expect(provider.cachedCertificate(for: target, at: clock.now) == nil)
        _ = try #require(provider.lookup(target, at: clock.now)).get()
        #expect(provider.counters.fetches == 2)
    }

    @Test func negativeCacheBacksOffThenRetries() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let clock = ManualClock()
        let provider = try make(server, clock: clock) { $0.negativeTTL = 10; $0.negativeTTLMaximum = 25 }
        let target = url(server, "status/503")
        #expect(provider.lookup(target).map { $0.map(\.spc) } == .failure(.fetchFailed("HTTP 503")))
        #expect(provider.cachedCertificate(for: target, at: clock.now)?.map(\.spc) == .failure(.fetchFailed("HTTP 503")))
        #expect(provider.counters.fetches == 1)
        #expect(abs(try ttl(provider, target, now: clock.now) - 10) < 1)
        clock.advance(11)
        _ = provider.lookup(target)
        #expect(provider.counters.fetches == 2)
        #expect(abs(try ttl(provider, target, now: clock.now) - 20) < 1)
        clock.advance(21)
        _ = provider.lookup(target)
        #expect(abs(try ttl(provider, target, now: clock.now) - 25) < 1)  // capped
        #expect(provider.counters.negativeHits == 1)
    }

    @Test func refreshAheadFetchesInBackgroundWhileServingHits() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let clock = ManualClock()
        let provider = try make(server, clock: clock) { $0.refreshAhead = 0.5 }
        let target = url(server, "cc/1000/leaf-spc-chain.pem")
        _ = try #require(provider.lookup(target)).get()
        clock.advance(400)
        #expect(try provider.cachedCertificate(for: target, at: clock.now)?.get() != nil)
        #expect(provider.counters.refreshes == 0)
        clock.advance(200)
        #expect(try provider.cachedCertificate(for: target, at: clock.now)?.get() != nil)
        #expect(provider.counters.refreshes == 1)
        // The refreshed entry lives 1000 s from the refresh.
        _ = eventually(timeout: 20) { ((try? ttl(provider, target, now: clock.now)) ?? 0) >= 900 }
        #expect(abs(try ttl(provider, target, now: clock.now) - 1000) < 3)
    }

    /// Cache files are named by the SHA-256 of the URL (FIPS 180-4 test
    /// vector "abc"), so a cache written by an earlier build is found again.
    @Test func diskCacheFileIsNamedBySHA256OfTheURL() {
        #expect(CertificateProvider.fileName(for: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.pem")
        #expect(CertificateProvider.fileName(for: "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.pem")
    }

    @Test func diskCacheSurvivesRestartAndIgnoresCorruptFiles() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let directory = pki.path("disk-\(UUID().uuidString)")
        let clock = ManualClock()
        let target = url(server, "cc/3600/leaf-range-chain.pem")
        let first = try make(server, clock: clock) { $0.persistenceDirectory = directory }
        _ = try #require(first.lookup(target)).get()
        try Data("junk".utf8).write(to: URL(fileURLWithPath: directory + "/" + String(repeating: "0", count: 64) + ".pem"))
        let truncated = directory + "/" + CertificateProvider.fileName(for: "https://x/y.pem")
        try Data("# stird x5u cache v1\n# url: https://x/y.pem\n".utf8).write(to: URL(fileURLWithPath: truncated))
        server.stop()
        let second = try make(server, clock: clock) { $0.persistenceDirectory = directory }
        let hit = try #require(second.cachedCertificate(for: target, at: clock.now)).get()
        #expect(hit.covers(tn: "12155551500"))
        #expect(second.counters.fetches == 0)
        #expect(second.entries().count == 1)
        #expect(abs(try ttl(second, target, now: clock.now) - 3600) < 3)
        second.purge()
        #expect(second.entries().isEmpty)
        let third = try make(server, clock: clock) { $0.persistenceDirectory = directory }
        #expect(third.entries().isEmpty)
    }

    @Test func importValidatesBeforeCaching() throws {
        let provider = CertificateProvider(validator: try pki.validator(), requester: pki.requester())
        let results = Collector<Result<ValidatedChain, CertificateFailure>>()
        _ = waitFor(2) { done in
            provider.importChain(pem: pki.bytes("leaf-one-chain.pem"), for: "https://cr.example/one.pem") {
                results.add($0); done()
            }
            provider.importChain(pem: pki.bytes("leaf-untrusted-chain.pem"), for: "https://cr.example/bad.pem") {
                results.add($0); done()
            }
        }
        #expect(results.all.filter { (try? $0.get()) != nil }.count == 1)
        #expect(try provider.cachedCertificate(for: "https://cr.example/one.pem", at: Date())?.get().covers(tn: "12155551212") == true)
        #expect(provider.cachedCertificate(for: "https://cr.example/bad.pem", at: Date())?.map(\.spc) == .failure(.untrustedRoot))
        let lines = provider.entries().map(\.summary).sorted()
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("https://cr.example/bad.pem untrusted_root expires="))
        #expect(lines[1].hasPrefix("https://cr.example/one.pem ok expires="))
        #expect(lines[1].contains("cn=\"SHAKEN one\"") && lines[1].contains("revocation=notApplicable"))
    }
}
