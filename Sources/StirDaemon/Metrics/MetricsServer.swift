import Dispatch
import Foundation
import SIPProxy
#if canImport(Glibc)
import Glibc
#endif

/// The Prometheus scrape endpoint: a deliberately tiny HTTP/1.1 server that
/// answers `GET <path>` with `StirdMetrics.exposition()` and closes. With a
/// `HealthCheck` it also answers `GET /health` (200 serving, 503 otherwise).
///
/// It runs on its own serial queue, never on the SIP loop (docs/ARCHITECTURE.md
/// rule 1): a slow scraper or a scan of the port cannot delay a call. Every
/// connection is bounded in request size, time and number.
public final class MetricsServer {
    /// Bounds on what one client can hold.
    struct Limits {
        /// Largest request head read; a bigger one is answered 431 and closed.
        var maxRequestBytes = 8 * 1024
        /// Time allowed to send the request head, and again to take the response.
        var timeout: Duration = .seconds(5)
        /// Connections served at once; more are accepted and closed at once so
        /// they neither queue in the backlog nor keep the listener readable.
        var maxConnections = 64
    }

    /// The settings this server was made with.
    public let config: MetricsConfiguration
    /// Whose exposition is served.
    public let metrics: StirdMetrics
    /// Answers `GET /health` when set; without it that path is 404.
    public let health: HealthCheck?
    let limits: Limits
    private let queue = DispatchQueue(label: "stird.metrics", qos: .utility)
    /// Guards `listener`, `bound` and `paused`, so that `start`, `stop` and
    /// `boundAddress` never wait for the queue (see `stop()`).
    private let lock = NSLock()
    private var listener: DispatchSourceRead?
    private var bound: SocketAddress?
    /// The listener source is suspended after running out of descriptors.
    private var paused = false
    /// Only touched on `queue`.
    private var connections: [ObjectIdentifier: MetricsConnection] = [:]

    /// A server for `config` serving `metrics`; nothing is bound until `start()`.
    public convenience init(config: MetricsConfiguration, metrics: StirdMetrics, health: HealthCheck? = nil) {
        self.init(config: config, metrics: metrics, health: health, limits: Limits())
    }

    init(config: MetricsConfiguration, metrics: StirdMetrics, health: HealthCheck? = nil, limits: Limits) {
        self.config = config
        self.metrics = metrics
        self.health = health
        self.limits = limits
    }

    /// Binds `config.listen` and starts serving. Does nothing when
    /// `config.enabled` is false or the server already runs. Throws
    /// `MetricsServerError` when the address cannot be bound (in use, not local).
    public func start() throws {
        lock.lock()
        defer { lock.unlock() }
        guard config.enabled, listener == nil else { return }
        let fd = try MetricsSocket.listen(config.listen, backlog: 128)
        bound = MetricsSocket.localAddress(fd) ?? config.listen
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.acceptPending(fd) }
        source.setCancelHandler { Glibc.close(fd) }
        listener = source
        source.resume()
    }

    /// Stops listening at once and drops every open connection on the
    /// server's queue; `start()` may be called again. Never waits for that
    /// queue, so it is safe from any thread, the SIP loop included, even
    /// while a snapshot hook is waiting for that loop.
    public func stop() {
        lock.lock()
        // A suspended source would never run its cancel handler (which closes the socket).
        if paused { listener?.resume() }
        paused = false
        listener?.cancel()
        listener = nil
        bound = nil
        lock.unlock()
        // Queued behind any accept already running, so its connections go too.
        queue.async { [weak self] in
            guard let self else { return }
            for connection in Array(self.connections.values) { connection.close() }
        }
    }

    /// Where the server listens (the real port when `listen` asked for port 0),
    /// or nil when it is not running.
    public var boundAddress: SocketAddress? {
        lock.lock()
        defer { lock.unlock() }
        return bound
    }

    /// Connections being served now (tests; waits for the queue).
    var openConnections: Int {
        queue.sync { connections.count }
    }

    /// Connections whose response the client's socket could not take whole,
    /// now waiting for it to become writable (tests; waits for the queue).
    var connectionsWaitingToWrite: Int {
        queue.sync { connections.values.filter(\.isWaitingToWrite).count }
    }

    /// Accepts in bounded batches so one event cannot monopolise the queue.
    private func acceptPending(_ listenFD: Int32) {
        for _ in 0..<limits.maxConnections {
            let fd: Int32
            switch MetricsSocket.accept(listenFD) {
            case .connection(let accepted): fd = accepted
            case .none: return
            case .exhausted: return pauseAccepting()
            }
            guard connections.count < limits.maxConnections else {
                Glibc.close(fd)
                continue
            }
            let path = config.path
            let connection = MetricsConnection(
                fd: fd, queue: queue, limits: limits,
                respond: { [metrics, health, queue] head, reply in
                    if let health, let method = MetricsHTTP.healthRequestMethod(head) {
                        // Answered when the loops have run the no-op (or the
                        // deadline passed); the queue serves others meanwhile.
                        health.check(on: queue) { reply(MetricsHTTP.healthResponse(method: method, status: $0)) }
                    } else {
                        reply(MetricsHTTP.response(to: head, path: path) { metrics.exposition() })
                    }
                },
                onClose: { [weak self] closed in self?.connections[ObjectIdentifier(closed)] = nil })
            connections[ObjectIdentifier(connection)] = connection
            connection.start()
        }
    }

    /// Out of descriptors: stop watching the listener for a moment instead
    /// of spinning on it, then try again.
    private func pauseAccepting() {
        lock.lock()
        defer { lock.unlock() }
        guard let source = listener, !paused else { return }
        paused = true
        source.suspend()
        queue.asyncAfter(deadline: .now() + .milliseconds(100)) { [weak self] in
            guard let self else { return }
            self.lock.lock()
            defer { self.lock.unlock() }
            // Only the pause this closure belongs to: a stop/start since may have replaced the source.
            guard self.paused, let current = self.listener, current as AnyObject === source as AnyObject else { return }
            self.paused = false
            source.resume()
        }
    }

    deinit {
        if paused { listener?.resume() }
        listener?.cancel()
    }
}
