import Logging
import SIPProxy

/// One SIGHUP, prepared: the file re-read and validated, the new route table
/// and a complete new STIR generation built (keys and certificates re-read
/// and checked against each other, trust anchors loaded). Creating it throws
/// on any problem, before anything is shared, so a failed reload leaves the
/// running configuration whole; `apply` then swaps routes and STIR together
/// on each loop's queue.
struct ConfigurationReload {
    /// The file as read now.
    let file: DaemonConfiguration
    let generation: StirGeneration
    let cache: CertificateCacheFate
    /// One line for the log: what changed.
    let summary: String
    /// Sections whose new values only a restart applies.
    let restartOnly: [String]
    /// The `[tls]` certificate, key and trust re-read: new TLS connections
    /// use it, open ones keep theirs. nil when TLS is not configured.
    let tls: TLSContext?

    init(path: String, running: DaemonConfiguration, previous: StirGeneration, logger: Logger) throws {
        file = try DaemonConfiguration.load(path: path)
        (generation, cache) = try StirPipeline.generation(for: file.stir, previous: previous, logger: logger)
        tls = file.transport.tlsSettings.isConfigured ? try TLSContext(settings: file.transport.tlsSettings) : nil
        summary = Self.summary(before: running, after: file, old: previous, new: generation, cache: cache)
        restartOnly = Self.restartOnlyChanges(running: running, file: file)
    }

    /// Installs the routes and the generation on every loop, each on its own
    /// queue (never call from a loop's queue). Requests already past routing
    /// or pinned to the old generation finish with what they started with.
    func apply(to loops: [StirLoop], cores: [ProxyCore]) {
        let routes = file.proxy.routes
        for (loop, core) in zip(loops, cores) {
            core.queue.sync {
                core.updateRoutes(routes)
                loop.install(generation)
            }
        }
    }

    /// "routes 2→2, peers 2→3, credentials 1→1 (edited), verify on, sign off→on, cache kept, stir generation 2".
    static func summary(before: DaemonConfiguration, after: DaemonConfiguration, old: StirGeneration, new: StirGeneration,
                        cache: CertificateCacheFate) -> String {
        func onOff(_ b: Bool) -> String { b ? "on" : "off" }
        /// "peers 2→3", or "peers 2→2 (edited)" when the same count hides a change.
        func count<T: Equatable>(_ name: String, _ a: [T], _ b: [T]) -> String {
            "\(name) \(a.count)→\(b.count)" + (a.count == b.count && a != b ? " (edited)" : "")
        }
        func side(_ name: String, _ a: Bool, _ b: Bool) -> String { a == b ? "\(name) \(onOff(b))" : "\(name) \(onOff(a))→\(onOff(b))" }
        return [count("routes", before.proxy.routes.routes, after.proxy.routes.routes),
                count("peers", before.stir.peers, after.stir.peers),
                count("credentials", before.stir.credentials, after.stir.credentials),
                side("verify", old.verify != nil, new.verify != nil),
                side("sign", old.sign != nil, new.sign != nil),
                "cache \(cache.rawValue)",
                "stir generation \(new.number)"].joined(separator: ", ")
    }

    /// Sections whose new values a reload does not apply.
    static func restartOnlyChanges(running: DaemonConfiguration, file: DaemonConfiguration) -> [String] {
        var out: [String] = []
        var a = running.proxy
        let b = file.proxy
        a.routes = b.routes
        if a != b { out.append("[proxy]/[transaction]/[hosts]") }
        // The [tls] files and settings are re-read (see `tls`), except the
        // handshake timeout, which the running transport layer keeps.
        var transport = running.transport
        transport.tlsSettings = file.transport.tlsSettings
        transport.tlsSettings.handshakeTimeout = running.transport.tlsSettings.handshakeTimeout
        if transport != file.transport { out.append("[listen]/[transport]/[tls] handshake_timeout_ms") }
        if running.loops != file.loops || running.maxQueuedPerLoop != file.maxQueuedPerLoop
            || running.shedInvitesAbove != file.shedInvitesAbove { out.append("loops") }
        if running.metrics != file.metrics { out.append("[metrics]") }
        if running.debugSuspend != file.debugSuspend { out.append("[debug]") }
        // The service re-reads only its api_keys_file on SIGHUP (revocation).
        if running.rue != file.rue { out.append("[rue]") }
        if running.logLevel != file.logLevel || running.drainTimeout != file.drainTimeout { out.append("[general]") }
        // Whatever a reload applies (routes, STIR) set equal, the rest must
        // match: a setting added later without a line above still counts.
        var applied = running
        applied.file = file.file
        applied.proxy.routes = file.proxy.routes
        applied.stir = file.stir
        applied.transport.tlsSettings = file.transport.tlsSettings
        if out.isEmpty && applied != file { out.append("other settings") }
        return out
    }
}
