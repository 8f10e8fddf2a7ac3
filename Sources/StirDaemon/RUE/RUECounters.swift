import Foundation

/// Counters of the configuration service for `/metrics`: fetches by
/// result and refused API keys by reason (fixed label sets: never a key
/// or an account name).
public final class RUECounters: @unchecked Sendable {
    public static let shared = RUECounters()

    public enum Result: String, CaseIterable, Sendable {
        case providerConfig = "provider_config"
        case rueConfig = "rue_config"
        case badRequest = "bad_request"
        case unauthorized
        case forbiddenKey = "forbidden_key"
        case notFound = "not_found"
        case error
    }

    public enum KeyRefusal: String, CaseIterable, Sendable { case missing, unknown, revoked }

    private let lock = NSLock()
    private var results: [Result: Int] = [:]
    private var refusals: [KeyRefusal: Int] = [:]

    public init() {}

    func fetched(_ r: Result) {
        lock.lock()
        results[r, default: 0] += 1
        lock.unlock()
    }

    func refusedKey(_ r: KeyRefusal) {
        lock.lock()
        refusals[r, default: 0] += 1
        lock.unlock()
    }

    /// `stird_rue_config_fetches_total{result}`, `stird_rue_api_keys_refused_total{reason}`
    /// and `stird_rue_credentials` (instances holding a generated password).
    public func samples(credentials: Int) -> [MetricSample] {
        lock.lock()
        defer { lock.unlock() }
        return Result.allCases.map {
            (name: "stird_rue_config_fetches_total", help: "RUE configuration service requests by result (RFC 9248 §9)",
             labels: [("result", $0.rawValue)], value: Double(results[$0] ?? 0))
        } + KeyRefusal.allCases.map {
            (name: "stird_rue_api_keys_refused_total", help: "RUE configuration requests refused for their API key",
             labels: [("reason", $0.rawValue)], value: Double(refusals[$0] ?? 0))
        } + [(name: "stird_rue_credentials", help: "RUE instances holding a generated SIP password", labels: [], value: Double(credentials))]
    }
}
