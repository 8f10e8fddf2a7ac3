import Dispatch
import Foundation
@testable import Certificates
import TestSupport

/// Injectable "now" for cache TTL tests.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date = Date()) { current = start }
    var now: Date { lock.lock(); defer { lock.unlock() }; return current }
    func advance(_ seconds: TimeInterval) { lock.lock(); current += seconds; lock.unlock() }
    var function: @Sendable () -> Date { { [self] in now } }
}

/// Collects completions from many threads.
final class Collector<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func add(_ item: T) { lock.lock(); items.append(item); lock.unlock() }
    var all: [T] { lock.lock(); defer { lock.unlock() }; return items }
}

/// Blocks the test (never the provider) until `count` completions or timeout.
func waitFor(_ count: Int = 1, timeout: TimeInterval = 10,
             _ body: (@escaping @Sendable () -> Void) -> Void) -> Bool {
    let group = DispatchGroup()
    for _ in 0..<count { group.enter() }
    body { group.leave() }
    return group.wait(timeout: .now() + timeout) == .success
}

extension TestPKI {
    func requester(allowLoopback: Bool = true) -> CurlRequester {
        var configuration = CurlRequester.Configuration()
        configuration.allowSpecialPurposeAddresses = allowLoopback
        configuration.caFile = path("web-ca.pem")
        return CurlRequester(configuration: configuration)
    }

    func providerConfiguration(port: Int) -> CertificateProvider.Configuration {
        var configuration = CertificateProvider.Configuration()
        configuration.urlPolicy.ports = [port]
        configuration.fetchTimeout = 1
        configuration.deadline = 2
        return configuration
    }
}

extension CertificateProvider {
    /// Blocking helper for tests only.
    func lookup(_ url: String, at time: Date = Date(), timeout: TimeInterval = 10) -> Result<ValidatedChain, CertificateFailure>? {
        let box = Collector<Result<ValidatedChain, CertificateFailure>>()
        let queue = DispatchQueue(label: "test")
        _ = waitFor(timeout: timeout) { done in
            certificate(for: url, at: time, queue: queue) { box.add($0); done() }
        }
        return box.all.first
    }
}
