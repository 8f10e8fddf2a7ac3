// The fetch path: one flight per URL (single-flight), validation off the
// caller, revocation under the same deadline, then every waiter resumed.
import Dispatch
public import Foundation

extension CertificateProvider {
    /// Registers the flight for `url`; caller holds `lock` and must call
    /// `launch` after releasing it. A nil waiter is a background refresh-ahead.
    func startFlightLocked(_ url: String, waiter: Waiter?) -> FlightLaunch {
        nextFlightID += 1
        flights[url] = Flight(id: nextFlightID, waiters: waiter.map { [$0] } ?? [])
        stats.fetches += 1
        if waiter == nil { stats.refreshes += 1 }
        return FlightLaunch(url: url, id: nextFlightID, started: clock())
    }

    /// Sends the x5u request of a registered flight.
    func launch(_ flight: FlightLaunch) {
        let (url, id, started) = (flight.url, flight.id, flight.started)
        let deadline = started.addingTimeInterval(configuration.deadline)
        let request = HTTPRequest(url: url, timeout: min(configuration.fetchTimeout, configuration.deadline),
                                  maximumBodyBytes: configuration.maximumChainBytes)
        // Watchdog: whatever happens below, waiters hear back by the deadline.
        workQueue.asyncAfter(deadline: .now() + configuration.deadline + 0.25) { [weak self] in
            self?.finishFlight(url, id: id, result: .failure(.fetchTimeout), ttlHint: nil, fetchedAt: started)
        }
        requester.send(request) { [weak self] result in
            guard let self else { return }
            let elapsed = self.clock().timeIntervalSince(started)
            self.lock.lock()
            self.stats.fetchSecondsTotal += elapsed
            self.stats.fetchSecondsMax = max(self.stats.fetchSecondsMax, elapsed)
            self.lock.unlock()
            self.workQueue.async {
                self.process(url, id: id, result: result, started: started, deadline: deadline)
            }
        }
    }

    private func process(_ url: String, id: UInt64, result: Result<HTTPResponse, CertificateFailure>,
                         started: Date, deadline: Date) {
        let response: HTTPResponse
        switch result {
        case .failure(let failure):
            finishFlight(url, id: id, result: .failure(failure), ttlHint: nil, fetchedAt: started)
            return
        case .success(let value):
            response = value
        }
        if let failure = Self.responseFailure(response) {
            finishFlight(url, id: id, result: .failure(failure), ttlHint: nil, fetchedAt: started)
            return
        }
        let now = clock()
        let ttlHint = HTTPFreshness.lifetime(headers: response.headers, now: now)
        admit(pem: response.body, url: url, id: id, now: now, deadline: deadline, ttlHint: ttlHint)
    }

    /// Validation + revocation, then the cache. Shared with `importChain`.
    func admit(pem: [UInt8], url: String, id: UInt64?, now: Date, deadline: Date, ttlHint: TimeInterval?,
               completion: (@Sendable (Result<ValidatedChain, CertificateFailure>) -> Void)? = nil) {
        switch validator.validate(pem: pem, at: now) {
        case .failure(let failure):
            finishFlight(url, id: id, result: .failure(failure), ttlHint: nil, fetchedAt: now)
            completion?(.failure(failure))
        case .success(let validated):
            revocation.check(validated, now: now, deadline: deadline) { [weak self] outcome in
                guard let self else { return }
                switch outcome {
                case .failure(let failure):
                    self.finishFlight(url, id: id, result: .failure(failure), ttlHint: nil, fetchedAt: now)
                    completion?(.failure(failure))
                case .success(let decision):
                    var chain = validated
                    chain.revocation = decision
                    self.finishFlight(url, id: id, result: .success(chain), ttlHint: ttlHint, fetchedAt: now)
                    completion?(.success(chain))
                }
            }
        }
    }

    /// x5u responses other than a non-empty 200 are fetch failures.
    static func responseFailure(_ response: HTTPResponse) -> CertificateFailure? {
        switch response.status {
        case 200:
            return response.body.isEmpty ? .fetchFailed("empty body") : nil
        case 300..<400:
            return .fetchFailed("HTTP \(response.status): redirects are not followed")
        default:
            return .fetchFailed("HTTP \(response.status)")
        }
    }

    /// Stores the outcome and resumes the flight's waiters. `id` nil = import.
    /// Late completions of a flight the watchdog already ended are dropped.
    func finishFlight(_ url: String, id: UInt64?, result: Result<ValidatedChain, CertificateFailure>,
                      ttlHint: TimeInterval?, fetchedAt: Date) {
        let now = clock()
        lock.lock()
        var waiters: [Waiter] = []
        if let id {
            guard let flight = flights[url], flight.id == id else {
                lock.unlock()
                return
            }
            flights.removeValue(forKey: url)
            waiters = flight.waiters
        }
        var persist: (ValidatedChain, Date)?
        switch result {
        case .success(let chain):
            let expires = expiry(of: chain, ttlHint: ttlHint, now: now)
            let refreshAt = configuration.refreshAhead > 0
                ? now.addingTimeInterval(expires.timeIntervalSince(now) * configuration.refreshAhead) : expires
            cache.set(url, .positive(chain, fetched: fetchedAt, expires: expires, refreshAt: refreshAt))
            persist = (chain, expires)
        case .failure(let failure):
            stats.failures[failure.code, default: 0] += 1
            var failures = 1
            switch cache.peek(url) {
            case .positive(_, _, let expires, _)? where now < expires && failure.isTransient:
                // A failed refresh-ahead keeps serving the still-valid chain.
                failures = 0
            case .negative(_, _, let previous)?:
                failures = previous + 1
            default:
                break
            }
            if failures > 0 {
                let backoff = min(configuration.negativeTTLMaximum,
                                  configuration.negativeTTL * pow(2, Double(min(failures - 1, 30))))
                cache.set(url, .negative(failure, expires: now.addingTimeInterval(backoff), failures: failures))
            }
            if !waiters.isEmpty { stats.failures[failure.code, default: 0] += waiters.count - 1 }
        }
        lock.unlock()
        switch result {
        case .success(let chain):
            logger.debug("x5u chain admitted", metadata: ["url": "\(url)", "serial": "\(chain.leafSerial)",
                                                          "revocation": "\(chain.revocation)"])
        case .failure(let failure):
            logger.info("x5u lookup failed", metadata: ["url": "\(url)", "code": "\(failure.code)", "detail": "\(failure)"])
        }
        if let (chain, expires) = persist { writeToDisk(url: url, chain: chain, expires: expires) }
        for waiter in waiters {
            let answer = result.flatMap { chain -> Result<ValidatedChain, CertificateFailure> in
                chain.validityFailure(at: waiter.time).map { .failure($0) } ?? .success(chain)
            }
            waiter.queue.async { waiter.completion(answer) }
        }
    }

    /// TTL from headers within [floor, ceiling], never past notAfter nor the
    /// revocation status' nextUpdate; soft-fail admissions live briefly.
    func expiry(of chain: ValidatedChain, ttlHint: TimeInterval?, now: Date) -> Date {
        let ttl = min(configuration.maximumTTL, max(configuration.minimumTTL, ttlHint ?? configuration.defaultTTL))
        var expires = min(now.addingTimeInterval(ttl), chain.notAfter)
        switch chain.revocation {
        case .good(let until?):
            expires = min(expires, until)
        case .unknown:
            expires = min(expires, now.addingTimeInterval(configuration.softFailTTL))
        default:
            break
        }
        return expires
    }

    /// Validates `pem` and caches it for `url` as if fetched
    /// (`stirctl cache import`, pre-population per Asterisk #860).
    public func importChain(pem: [UInt8], for url: String, ttl: TimeInterval? = nil,
                            completion: @escaping @Sendable (Result<ValidatedChain, CertificateFailure>) -> Void) {
        let now = clock()
        workQueue.async {
            self.admit(pem: pem, url: url, id: nil, now: now, deadline: now.addingTimeInterval(self.configuration.deadline),
                       ttlHint: ttl, completion: completion)
        }
    }
}
