import Dispatch
import Foundation
import Testing
@testable import Certificates
import TestSupport

/// Certificate-path numbers for docs/PERFORMANCE.md. Run with Scripts/bench-certs
/// (release build); skipped in the normal test run.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["STIRD_BENCH"] != nil))
struct BenchmarkTests {
    let pki = TestPKI.shared

    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    @Test func cacheHitIncludingCoversTN() throws {
        let urls = (0..<1000).map { "https://cr\($0).example.net/sp.pem" }
        var table: [String: HTTPResponse] = [:]
        for url in urls { table[url] = HTTPResponse(status: 200, body: pki.bytes("leaf-range-chain.pem")) }
        var configuration = CertificateProvider.Configuration()
        configuration.refreshAhead = 0
        let provider = CertificateProvider(configuration: configuration, validator: try pki.validator(),
                                           requester: TableRequester(table))
        for url in urls { _ = try #require(provider.lookup(url)).get() }
        let iterations = 1_000_000
        let now = Date()
        var covered = 0
        let elapsed = Self.seconds {
            for index in 0..<iterations {
                if case .success(let chain)? = provider.cachedCertificate(for: urls[index % 1000], at: now),
                   chain.covers(tn: "12155551212") { covered += 1 }
            }
        }
        let perLookup = elapsed / Double(iterations) * 1e9
        print("BENCH cache hit + covers(tn): \(Int(perLookup)) ns/lookup over \(iterations) lookups, 1000 URLs")
        #expect(covered == iterations)
        #expect(perLookup < 2000)
    }

    @Test func validationAndColdFetchCost() throws {
        let validator = try pki.validator()
        let pem = pki.bytes("leaf-spc-chain.pem")
        let rounds = 2000
        let validation = Self.seconds { for _ in 0..<rounds { _ = validator.validate(pem: pem, at: Date()) } }
        print("BENCH chain validation (parse + path + TNAuthList): \(Int(validation / Double(rounds) * 1e6)) µs/chain")

        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        let provider = CertificateProvider(configuration: pki.providerConfiguration(port: server.port),
                                           validator: validator, requester: pki.requester())
        let cold = 200
        let sequential = Self.seconds {
            for index in 0..<cold { _ = provider.lookup("https://127.0.0.1:\(server.port)/cc/\(index + 1000)/leaf-spc-chain.pem") }
        }
        print("BENCH cold lookup over loopback HTTPS (new TLS connection each): \(Int(sequential / Double(cold) * 1e6)) µs/lookup")
        let parallel = Self.seconds {
            _ = waitFor(cold, timeout: 60) { done in
                for index in 0..<cold {
                    provider.certificate(for: "https://127.0.0.1:\(server.port)/cc/\(index + 5000)/leaf-spc-chain.pem",
                                         at: Date(), queue: .global()) { _ in done() }
                }
            }
        }
        print("BENCH \(cold) concurrent cold lookups: \(Int(parallel * 1000)) ms total")
        #expect(provider.counters.fetches == 2 * cold)
    }

    @Test func hungServerDoesNotDelayOtherURLs() throws {
        let server = try LoopbackServer.x5u(pki: pki)
        defer { server.stop() }
        var configuration = pki.providerConfiguration(port: server.port)
        configuration.fetchTimeout = 5
        configuration.deadline = 6
        let provider = CertificateProvider(configuration: configuration, validator: try pki.validator(),
                                           requester: pki.requester())
        for index in 0..<50 {
            provider.certificate(for: "https://127.0.0.1:\(server.port)/slow/\(index)", at: Date(), queue: .global()) { _ in }
        }
        usleep(200_000)
        var worst = 0.0
        for index in 0..<20 {
            let elapsed = Self.seconds { _ = provider.lookup("https://127.0.0.1:\(server.port)/cc/\(index + 1)/leaf-one-chain.pem") }
            worst = max(worst, elapsed)
        }
        print("BENCH with 50 hung x5u fetches in flight, 20 other cold lookups: worst \(Int(worst * 1000)) ms")
        #expect(worst < 0.5)
    }
}
