import Dispatch
import INIConfig
import Logging
import SIPProxy
#if canImport(Glibc)
import Glibc
#endif

/// Wires configuration, transports, the proxy core and signals together.
public final class Daemon {
    private let configPath: String?
    private var config: DaemonConfiguration
    private let logger: Logger
    /// The transport queue: sockets, signals; the proxy loops have their own.
    public let queue = DispatchQueue(label: "stird.transport", qos: .userInitiated)
    private var transport: TransportLayer!
    private var shards: ProxyShards!
    private var signalSources: [DispatchSourceSignal] = []
    private var draining = false
    private var metricsServer: MetricsServer?
    private var processors: [RequestProcessor] = []

    public init(config: DaemonConfiguration, configPath: String?, logger: Logger) {
        self.config = config
        self.configPath = configPath
        self.logger = logger
    }

    /// Binds sockets and installs signal handlers; call then `dispatchMain()`.
    public func start() throws {
        try queue.sync {
            transport = TransportLayer(config: config.transport, queue: queue, logger: logger)
            var processors: [RequestProcessor] = []
            if let d = config.debugSuspend { processors.append(DelayProcessor(delay: d)) }
            processors += try StirPipeline.processors(for: config.stir, logger: logger)
            // Processors are built once and shared by the loops (they are
            // thread-safe: immutable tables, locked caches, own queues).
            let shared = processors
            shards = ProxyShards(count: config.loops, config: config.proxy, sender: transport, maxQueued: config.maxQueuedPerLoop,
                                 makeProcessors: { shared }, logger: logger)
            self.processors = processors
            transport.onMessages = { [shards] batch in shards!.receive(batch) }
            try transport.start()
        }
        try startMetrics()
        installSignals()
        logger.info("stird started", metadata: ["config": "\(config.file)", "routes": "\(config.proxy.routes.routes.count)"])
    }

    /// Prometheus endpoint on its own queue; proxy counters are read on the SIP loop.
    private func startMetrics() throws {
        guard config.metrics.enabled else { return }
        let metrics = StirdMetrics.shared
        // ProxyShards reads each loop's counters on that loop.
        metrics.register { [weak self] in
            guard let self, let shards = self.shards else { return [] }
            return StirdMetrics.samples(for: shards.stats, activeTransactions: shards.activeTransactionCount)
        }
        // The certificate cache's counters (its own lock; no hop to the loop).
        for case let verifier as VerificationProcessor in processors {
            if let source = verifier.source as? CertificateSource {
                let provider = source.provider
                metrics.register { StirdMetrics.samples(for: provider.counters) }
            }
        }
        let server = MetricsServer(config: config.metrics, metrics: metrics)
        try server.start()
        metricsServer = server
        if let address = server.boundAddress {
            logger.info("metrics endpoint", metadata: ["listen": "\(address)", "path": "\(config.metrics.path)"])
        }
    }

    private func installSignals() {
        for sig in [SIGTERM, SIGINT, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [weak self] in
                if sig == SIGHUP { self?.reload() } else { self?.drain() }
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// SIGHUP: re-read the file; only the route table changes, transactions stay.
    private func reload() {
        guard let path = configPath else { return }
        do {
            // The whole file must still be valid; only its routes are applied.
            let routes = try DaemonConfiguration.load(path: path).proxy.routes
            shards.forEach { $0.updateRoutes(routes) }
            logger.notice("routes reloaded", metadata: ["routes": "\(routes.routes.count)", "active-transactions": "\(shards.activeTransactionCount)"])
        } catch {
            logger.error("reload failed, keeping the old routes: \(error)")
        }
    }

    /// SIGTERM/SIGINT: stop accepting, answer new requests 503, wait until
    /// every transaction has its final response (bounded), then exit.
    private func drain() {
        if draining {
            logger.warning("second signal: exiting now")
            exit(1)
        }
        draining = true
        shards.forEach { $0.beginDrain() }
        transport.stopListening()
        logger.notice("draining", metadata: ["pending": "\(shards.pendingTransactionCount)", "timeout": "\(config.drainTimeout)"])
        let deadline = DispatchTime.now() + .milliseconds(Int(config.drainTimeout.components.seconds * 1000))
        exitWhenDrained(by: deadline)
    }

    /// Polls every 50 ms on the transport queue until nothing is pending or the deadline passes.
    private func exitWhenDrained(by deadline: DispatchTime) {
        let pending = shards.pendingTransactionCount
        if pending == 0 || DispatchTime.now() >= deadline {
            logger.notice("stopped", metadata: ["pending": "\(pending)"])
            transport.shutdown()
            exit(0)
        }
        queue.asyncAfter(deadline: .now() + .milliseconds(50)) { self.exitWhenDrained(by: deadline) }
    }
}
