import Crypto
import Dispatch
import Foundation
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
    private var rueService: RUEConfigService?
    private var rueServer: RUEHTTPSServer?
    /// `GET /health` on the metrics listener; nil when metrics are disabled.
    private var health: HealthCheck?
    /// One per proxy loop, each touched only on its loop's queue.
    private var stirLoops: [StirLoop] = []
    /// The STIR generation the loops run; written on the transport queue,
    /// read by the metrics queue (hence the lock).
    private var stirGeneration: StirGeneration
    private let generationLock = NSLock()

    public init(config: DaemonConfiguration, configPath: String?, logger: Logger) {
        self.config = config
        self.configPath = configPath
        self.logger = logger
        stirGeneration = StirGeneration(number: 0, config: StirConfiguration(), scrub: nil, verify: nil, sign: nil,
                                        certificateSource: nil, cacheIdentity: nil)
    }

    /// The STIR setup in use (metrics, tests).
    public var currentStirGeneration: StirGeneration {
        generationLock.lock()
        defer { generationLock.unlock() }
        return stirGeneration
    }

    /// Binds sockets and installs signal handlers; call then `dispatchMain()`.
    public func start() throws {
        try queue.sync {
            transport = TransportLayer(config: config.transport, queue: queue, logger: logger)
            let generation = try StirPipeline.generation(for: config.stir, logger: logger).generation
            let log = logger
            ES256KeyTables.shared.observe { event in
                switch event {
                case .built(let held, let capacity, let ms):
                    log.info("stir-verify: key table built", metadata: ["tables": "\(held)/\(capacity)", "ms": "\(ms)"])
                case .evicted(let held, let capacity):
                    log.info("stir-verify: key table given up (least recently used)", metadata: ["tables": "\(held)/\(capacity)"])
                case .failed:
                    log.warning("stir-verify: key table could not be built; the key is checked without one")
                }
            }
            setGeneration(generation)
            // Each loop gets its own StirLoop and three fixed stages that
            // forward to the loop's current generation (SIGHUP swaps it on
            // the loop's queue; the processors themselves are thread-safe
            // and shared: immutable tables, locked caches, own queues).
            var loops: [StirLoop] = []
            let debugSuspend = config.debugSuspend
            shards = ProxyShards(count: config.loops, config: config.proxy, sender: transport, maxQueued: config.maxQueuedPerLoop,
                                 shedInvitesAbove: config.shedInvitesAbove, makeProcessors: {
                                     let loop = StirLoop(generation)
                                     loops.append(loop)
                                     return (debugSuspend.map { [DelayProcessor(delay: $0)] } ?? []) + loop.stages()
                                 }, logger: logger)
            for (loop, core) in zip(loops, shards.shards) { loop.queue = core.queue }
            stirLoops = loops
            transport.onMessages = { [shards] batch in shards!.receive(batch) }
            transport.onUndelivered = { [shards] bytes in shards!.undelivered(bytes) }
            if config.proxy.registrar != nil { transport.flowTable = FlowTable.shared }
            try transport.start()
        }
        try startMetrics()
        try startRUE()
        installSignals()
        logger.info("stird started", metadata: ["config": "\(config.file)", "routes": "\(config.proxy.routes.routes.count)"])
        // SIP and metrics sockets are bound and signals handled: tell systemd (Type=notify).
        SDNotify.send(SDNotify.ready)
    }

    /// Prometheus endpoint on its own queue; proxy counters are read on the SIP loop.
    private func startMetrics() throws {
        guard config.metrics.enabled else { return }
        let metrics = StirdMetrics.shared
        // ProxyShards reads each loop's counters on that loop.
        metrics.register { [weak self] in
            guard let self, let shards = self.shards else { return [] }
            let stats = shards.stats
            return StirdMetrics.samples(for: stats, activeTransactions: shards.activeTransactionCount)
                + StirdMetrics.dialogSamples(for: stats)
        }
        // The certificate cache's counters (its own lock; no hop to the
        // loop), from whichever cache the current generation uses.
        metrics.register { [weak self] in
            guard let provider = self?.currentStirGeneration.certificateSource?.provider else { return [] }
            return StirdMetrics.samples(for: provider.counters)
        }
        metrics.register { StirdMetrics.samples(for: ES256KeyTables.shared.counts) }
        if config.proxy.registrar != nil { metrics.register { StirdMetrics.samples(forFlows: FlowTable.shared) } }
        // TLS counters live on the transport queue, which never waits for
        // the metrics queue.
        if !config.transport.tls.isEmpty || config.transport.tlsSettings.isConfigured {
            metrics.register { [weak self] in
                guard let self, let transport = self.transport else { return [] }
                let (handshakes, open) = self.queue.sync { (transport.tlsHandshakes, transport.openTLSConnectionCount) }
                return StirdMetrics.samples(forTLSHandshakes: handshakes, openConnections: open)
            }
        }
        let health = HealthCheck(loops: shards.shards.map(\.queue))
        self.health = health
        let server = MetricsServer(config: config.metrics, metrics: metrics, health: health)
        try server.start()
        metricsServer = server
        if let address = server.boundAddress {
            logger.info("metrics endpoint", metadata: ["listen": "\(address)", "path": "\(config.metrics.path)"])
        }
    }

    /// The RUE configuration service (RFC 9248 §9) on its own threads; it
    /// reads accounts from the current STIR generation.
    private func startRUE() throws {
        guard config.rue.enabled else { return }
        let store = try RUECredentialStore(path: config.rue.storeFile)
        let service = try RUEConfigService(config: config.rue, accounts: { [weak self] in
            let auth = self?.currentStirGeneration.config.auth ?? AuthConfiguration()
            return (auth.realm, auth.accounts)
        }, store: store, logger: logger)
        let server = try RUEHTTPSServer(service: service, logger: logger)
        try server.start()
        rueService = service
        rueServer = server
        if config.metrics.enabled {
            StirdMetrics.shared.register { RUECounters.shared.samples(credentials: RUECredentialTable.shared.count) }
        }
        logger.info("rue configuration service", metadata: ["listen": "\(server.boundAddress.map { "\($0)" } ?? "-")"])
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

    private func setGeneration(_ generation: StirGeneration) {
        // The key-table budget is process-wide (certificates outlive a generation).
        ES256KeyTables.shared.configure(generation.config.verify.keyTablePolicy)
        generationLock.lock()
        stirGeneration = generation
        generationLock.unlock()
    }

    /// SIGHUP: see `ConfigurationReload`. Any failure keeps the whole old
    /// configuration (routes and STIR); transactions in flight keep their
    /// next hop and their STIR generation.
    private func reload() {
        guard let path = configPath else { return }
        SDNotify.send(SDNotify.reloading())
        defer { SDNotify.send(SDNotify.ready) }
        // Revocation must not wait for an unrelated error in the file to be fixed.
        if let rueService {
            do {
                try rueService.reloadKeys()
                logger.notice("rue: api_keys_file re-read")
            } catch { logger.error("reload: rue api_keys_file kept as it was: \(error)") }
        }
        let plan: ConfigurationReload
        do {
            plan = try ConfigurationReload(path: path, running: config, previous: currentStirGeneration, logger: logger)
        } catch {
            logger.error("reload failed, keeping the old configuration (routes and STIR): \(error)")
            return
        }
        plan.apply(to: stirLoops, cores: shards.shards)

        if let tls = plan.tls { transport.installTLS(tls) }
        setGeneration(plan.generation)
        config.proxy.routes = plan.file.proxy.routes
        config.stir = plan.file.stir
        var tlsSettings = plan.file.transport.tlsSettings
        tlsSettings.handshakeTimeout = config.transport.tlsSettings.handshakeTimeout  // restart-only
        config.transport.tlsSettings = tlsSettings
        logger.notice("routes reloaded and STIR rebuilt: \(plan.summary)", metadata: ["active-transactions": "\(shards.activeTransactionCount)"])
        if !plan.restartOnly.isEmpty {
            logger.warning("reload: changes to \(plan.restartOnly.joined(separator: ", ")) take effect on restart")
        }
    }

    /// SIGTERM/SIGINT: stop accepting, answer new requests 503, wait until
    /// every transaction has its final response and every B2BUA call has
    /// ended (bounded), then exit.
    private func drain() {
        if draining {
            logger.warning("second signal: exiting now")
            exit(1)
        }
        draining = true
        health?.beginDrain()
        SDNotify.send(SDNotify.stopping)
        shards.forEach { $0.beginDrain() }
        transport.stopListening()
        logger.notice("draining", metadata: ["pending": "\(shards.pendingDrainCount)", "timeout": "\(config.drainTimeout)"])
        let deadline = DispatchTime.now() + .milliseconds(Int(config.drainTimeout.components.seconds * 1000))
        exitWhenDrained(by: deadline)
    }

    /// Polls every 50 ms on the transport queue until nothing is pending or the deadline passes.
    private func exitWhenDrained(by deadline: DispatchTime) {
        let pending = shards.pendingDrainCount
        if pending == 0 || DispatchTime.now() >= deadline {
            logger.notice("stopped", metadata: ["pending": "\(pending)"])
            transport.shutdown()
            exit(0)
        }
        queue.asyncAfter(deadline: .now() + .milliseconds(50)) { self.exitWhenDrained(by: deadline) }
    }
}
