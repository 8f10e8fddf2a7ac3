import Foundation
import INIConfig
import Logging
import SIPProxy

/// Everything `stird` reads from its INI file, typed and validated at load
/// (docs/ARCHITECTURE.md rule 8). Each key is documented in etc/stird.ini.
public struct DaemonConfiguration: Equatable, Sendable {
    public var file: String = "<defaults>"
    public var logLevel: Logger.Level = .info
    /// How long SIGTERM/SIGINT waits for transactions without a final response.
    public var drainTimeout: Duration = .seconds(10)
    public var transport = TransportConfiguration()
    public var proxy = ProxyConfiguration()
    /// Test aid: when set, every request is suspended this long by a processor
    /// before routing (exercises the suspend/resume seam live).
    public var debugSuspend: Duration?
    /// Proxy loops (serial queues) that share the work by Call-ID; 0 in the
    /// file means one per CPU core.
    public var loops = DaemonConfiguration.cores
    /// Messages waiting for one loop before new ones are dropped (overload).
    public var maxQueuedPerLoop = 10_000
    /// Queue depth past which a loop sheds INVITEs (`shed_invites_above`).
    public var shedInvitesAbove = ProxyShards.defaultShedInvitesAbove(maxQueued: 10_000)
    static var cores: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, 64)) }
    /// The Prometheus endpoint (`[metrics]`).
    public var metrics = MetricsConfiguration()
    /// Peers, credentials, signing and verification (`[stir]`, `[sign]`,
    /// `[verify]`, `[peer "…"]`, `[credential "…"]`).
    public var stir = StirConfiguration()
    /// The RUE provider configuration service (`[rue]`, RFC 9248 §9).
    public var rue = RUEConfiguration()

    public init() {}

    public static let sectionNames: Set<String> = ["general", "listen", "transport", "tls", "transaction", "proxy", "route", "hosts", "debug", "metrics", "rue"]

    /// Loads and validates a file; errors read `file:line: key: why`.
    public static func load(path: String) throws -> DaemonConfiguration {
        try DaemonConfiguration(document: INIDocument.load(path: path))
    }

    public init(document doc: INIDocument) throws {
        file = doc.file
        try doc.rejectUnknownSections(allowed: Self.sectionNames.union(StirConfiguration.sectionNames))
        for name in Self.sectionNames where name != "route" {
            let all = doc.sections(named: name)
            if let extra = all.dropFirst().first {
                throw INIError(file: doc.file, line: extra.line, message: "section [\(name)] appears twice (first at line \(all[0].line))")
            }
            if let labeled = all.first(where: { $0.label != nil }) {
                throw INIError(file: doc.file, line: labeled.line, message: "section [\(name)] takes no label")
            }
        }
        try readGeneral(doc)
        try readListen(doc)
        try readTransport(doc)
        try readTLS(doc)
        try readTransaction(doc)
        try readProxy(doc)
        proxy.routes = try Self.readRoutes(doc, defaultMode: proxy.mode)
        try checkTLSRoutes(doc)
        try readDebug(doc)
        metrics = try MetricsConfiguration.read(doc)
        stir = try StirConfiguration(document: doc)
        stir.routes = proxy.routes
        // The retarget runs in the STIR chain, which exists only with a peer.
        if !stir.isEnabled, let index = proxy.routes.routes.firstIndex(where: { $0.retargetTo != nil }) {
            let section = doc.sections(named: "route")[index]
            throw INIError(file: doc.file, line: section.entry("retarget_to")?.line ?? section.line, key: "retarget_to",
                           message: "needs the STIR chain: configure at least one [peer \"name\"]")
        }
        rue = try RUEConfiguration.read(doc)
        proxy.registrar = rue.registrar
        if rue.registrar != nil, transport.tcp.isEmpty, transport.tls.isEmpty, let section = doc.section(named: RUEConfiguration.sectionName) {
            throw INIError(file: doc.file, line: section.entry("registrar")?.line ?? section.line, key: "registrar",
                           message: "needs a [listen] tls or tcp listener: REGISTERs are relayed only from TLS and TCP flows (RFC 5626 §5)")
        }
        if rue.enabled && stir.auth.realm.isEmpty, let section = doc.section(named: RUEConfiguration.sectionName) {
            throw INIError(file: doc.file, line: section.line,
                           message: "[rue] needs [auth] realm: the generated sip-passwords are kept as H(username:realm:password) (RFC 7616 §3.4.2)")
        }
    }

    private func reader(_ doc: INIDocument, _ name: String) -> INISectionReader {
        INISectionReader(doc.section(named: name) ?? INISection(name: name, line: 0), file: doc.file)
    }

    private mutating func readGeneral(_ doc: INIDocument) throws {
        var r = reader(doc, "general")
        let levels: [String: Logger.Level] = ["trace": .trace, "debug": .debug, "info": .info, "notice": .notice,
                                              "warning": .warning, "error": .error, "critical": .critical]
        logLevel = try r.choice("log_level", default: logLevel, levels)
        drainTimeout = try r.duration("drain_timeout_s", default: drainTimeout, range: 0...3600)
        try r.finish()
    }

    private mutating func readListen(_ doc: INIDocument) throws {
        var r = reader(doc, "listen")
        transport.udp = try Self.addresses(&r, "udp", default: ["127.0.0.1:5060"])
        transport.tcp = try Self.addresses(&r, "tcp", default: ["127.0.0.1:5060"])
        // RFC 3261 §19.1.2: 5061 is the default port for TLS.
        transport.tls = try Self.addresses(&r, "tls", default: [], defaultPort: 5061)
        if transport.udp.isEmpty && transport.tcp.isEmpty && transport.tls.isEmpty {
            throw r.error("udp", "no listening address: set udp, tcp and/or tls")
        }
        try r.finish()
    }

    private static func addresses(_ r: inout INISectionReader, _ key: String, default d: [String],
                                  defaultPort: Int = 5060) throws -> [SocketAddress] {
        try r.list(key, default: d).map { item in
            guard let a = SocketAddress(endpoint: item, defaultPort: defaultPort) else {
                throw r.error(key, "'\(item)' is not a numeric IPv4/IPv6 address with optional port (e.g. 127.0.0.1:\(defaultPort), [::1]:\(defaultPort))")
            }
            return a
        }
    }

    private mutating func readTransport(_ doc: INIDocument) throws {
        var r = reader(doc, "transport")
        transport.maxMessageSize = try r.int("max_message_size", default: transport.maxMessageSize, range: 1_024...1_048_576)
        transport.tcpIdleTimeout = try r.duration("tcp_idle_timeout_s", default: transport.tcpIdleTimeout, range: 1...86_400)
        transport.tcpMaxConnections = try r.int("tcp_max_connections", default: transport.tcpMaxConnections, range: 1...1_000_000)
        transport.tcpMessageTimeout = try r.duration("tcp_message_timeout_ms", default: transport.tcpMessageTimeout, range: 100...3_600_000)
        transport.tcpMaxConnectionsPerSource = try r.int("tcp_max_connections_per_source", default: transport.tcpMaxConnectionsPerSource,
                                                         range: 1...1_000_000)
        transport.udpReceiveBufferBytes = try r.int("udp_receive_buffer_bytes", default: transport.udpReceiveBufferBytes, range: 65_536...(256 << 20))
        try r.finish()
    }

    /// `[tls]`: the files are read and the context built here, so that
    /// `--check-config`, start-up and SIGHUP refuse the same bad file
    /// or cipher string at its key.
    private mutating func readTLS(_ doc: INIDocument) throws {
        var r = reader(doc, "tls")
        var t = transport.tlsSettings
        t.certificate = try r.string("certificate", default: t.certificate)
        t.privateKey = try r.string("private_key", default: t.privateKey)
        t.caFile = try r.string("ca_file", default: t.caFile)
        t.verifyClient = try r.choice("verify_client", default: t.verifyClient,
                                      Dictionary(uniqueKeysWithValues: TLSSettings.ClientVerification.allCases.map { ($0.rawValue, $0) }))
        t.handshakeTimeout = try r.duration("handshake_timeout_ms", default: t.handshakeTimeout, range: 100...120_000)
        t.minVersion = try r.choice("min_version", default: t.minVersion,
                                    Dictionary(uniqueKeysWithValues: TLSSettings.MinimumVersion.allCases.map { ($0.rawValue, $0) }))
        t.ciphers = try r.string("ciphers", default: t.ciphers)
        t.ciphersuites = try r.string("ciphersuites", default: t.ciphersuites)
        t.curves = try r.string("curves", default: t.curves)
        transport.tlsSettings = t
        if !transport.tls.isEmpty || t.isConfigured || doc.section(named: "tls") != nil {
            if t.certificate.isEmpty { throw r.error("certificate", "missing: TLS needs certificate = PEM chain file") }
            if t.privateKey.isEmpty { throw r.error("private_key", "missing: TLS needs private_key = PEM key file") }
            do {
                _ = try TLSContext(settings: t)
            } catch let e as TLSContextError {
                throw r.error(e.key == "tls" ? "certificate" : e.key, e.reason)
            }
        }
        try r.finish()
    }

    /// A `transport = tls` route needs the `[tls]` context and a TLS
    /// listener: our Via and Record-Route name it (RFC 3261 §18.1.1, §16.6).
    private func checkTLSRoutes(_ doc: INIDocument) throws {
        guard let route = proxy.routes.routes.first(where: { $0.transport == .tls }), transport.tls.isEmpty else { return }
        let section = doc.sections(named: "route").first { $0.label == route.name }
        throw INIError(file: doc.file, line: section?.line ?? 0, key: "transport",
                       message: "route \"\(route.name)\" uses tls: set [listen] tls and the [tls] certificate")
    }

    private mutating func readTransaction(_ doc: INIDocument) throws {
        var r = reader(doc, "transaction")
        let t1 = try r.duration("t1_ms", default: proxy.timers.t1, range: 10...10_000)
        let t2 = try r.duration("t2_ms", default: proxy.timers.t2, range: 10...60_000)
        let t4 = try r.duration("t4_ms", default: proxy.timers.t4, range: 10...60_000)
        let c = try r.duration("timer_c_s", default: proxy.timers.timerC, range: 1...3_600)
        if t2 < t1 { throw r.error("t2_ms", "must not be smaller than t1_ms") }
        proxy.timers = TransactionTimers(t1: t1, t2: t2, t4: t4, timerC: c)
        let trying = try r.duration("trying_after_ms", default: proxy.autoTrying ?? .zero, range: 0...10_000)
        proxy.autoTrying = trying == .zero ? nil : trying
        try r.finish()
    }

    private mutating func readProxy(_ doc: INIDocument) throws {
        var r = reader(doc, "proxy")
        proxy.recordRoute = try r.bool("record_route", default: proxy.recordRoute)
        proxy.defaultMaxForwards = try r.int("default_max_forwards", default: proxy.defaultMaxForwards, range: 1...255)
        proxy.processorTimeout = try r.duration("processor_timeout_ms", default: proxy.processorTimeout, range: 10...600_000)
        proxy.localNames = try r.list("local_names", default: proxy.localNames)
        proxy.supportedExtensions = Set(try r.list("supported_extensions", default: proxy.supportedExtensions.sorted()))
        proxy.resolveNames = try r.bool("resolve_names", default: proxy.resolveNames)
        let mtu = try r.int("udp_mtu_bytes", default: proxy.udpMTU ?? 0, range: 0...65_535)
        if mtu != 0 && mtu < 576 { throw r.error("udp_mtu_bytes", "must be 0 (unknown) or at least 576 (RFC 791), got \(mtu)") }
        proxy.udpMTU = mtu == 0 ? nil : mtu
        proxy.mode = try r.choice("mode", default: proxy.mode, Self.modes)
        let passed = try r.list("b2bua_pass_headers", default: proxy.b2bua.passHeaders)
        if let owned = passed.first(where: { B2BUASettings.legOwnedHeaders.contains($0.lowercased()) }) {
            throw r.error("b2bua_pass_headers", "'\(owned)' belongs to each leg (RFC 3261 §12) and is never passed")
        }
        let lowered = Set(passed.map { $0.lowercased() })
        if lowered.contains("identity") && !lowered.contains("date") {
            throw r.error("b2bua_pass_headers", "Identity needs Date passed too: the signature covers it (RFC 8224 §4.1)")
        }
        proxy.b2bua.passHeaders = passed
        proxy.b2bua.maxDialogs = try r.int("max_dialogs", default: proxy.b2bua.maxDialogs, range: 1...10_000_000)
        proxy.b2bua.maxDialogDuration = try r.duration("max_dialog_s", default: proxy.b2bua.maxDialogDuration, range: 1...604_800)
        let loopCount = try r.int("loops", default: 0, range: 0...64)
        loops = loopCount == 0 ? Self.cores : loopCount
        maxQueuedPerLoop = try r.int("max_queued_messages", default: maxQueuedPerLoop, range: 100...10_000_000)
        shedInvitesAbove = try r.int("shed_invites_above",
                                     default: ProxyShards.defaultShedInvitesAbove(maxQueued: maxQueuedPerLoop),
                                     range: 1...maxQueuedPerLoop)
        try r.finish()
        if let hosts = doc.section(named: "hosts") {
            for entry in hosts.entries {
                guard SocketAddress(host: entry.value, port: 5060) != nil else {
                    throw INIError(file: doc.file, line: entry.line, key: entry.key,
                                   message: "must be a numeric IPv4/IPv6 address, got '\(entry.value)'")
                }
                proxy.staticHosts[entry.key.lowercased()] = entry.value
            }
        }
    }

    /// Values of `mode` in `[proxy]` and `[route]`.
    static let modes: [String: CallMode] = Dictionary(uniqueKeysWithValues: CallMode.allCases.map { ($0.rawValue, $0) })

    /// `[route "name"]` sections, in file order; a route without `mode`
    /// takes `defaultMode` (`[proxy] mode`).
    public static func readRoutes(_ doc: INIDocument, defaultMode: CallMode = .proxy) throws -> RouteTable {
        var routes: [StaticRoute] = []
        for section in doc.sections(named: "route") {
            var r = INISectionReader(section, file: doc.file)
            guard let name = section.label else {
                throw INIError(file: doc.file, line: section.line, message: "route section needs a name: [route \"name\"]")
            }
            let prefix = try r.optionalString("user_prefix")
            if let p = prefix, p.isEmpty || !p.allSatisfy({ $0.isNumber || $0 == "+" || $0 == "*" || $0 == "#" }) {
                throw r.error("user_prefix", "must be digits (optionally with + * #), got '\(p)'")
            }
            let domain = try r.optionalString("domain")
            guard let hopText = try r.optionalString("next_hop") else {
                throw r.error("next_hop", "missing: every route needs next_hop = address:port")
            }
            guard let hop = SocketAddress(endpoint: hopText, defaultPort: 5060) else {
                throw r.error("next_hop", "'\(hopText)' is not a numeric IPv4/IPv6 address with optional port")
            }
            let fixed = r.contains("transport")
            let transport = try r.choice("transport", default: TransportProtocol.udp, ["udp": .udp, "tcp": .tcp, "tls": .tls])
            let serverName = try r.optionalString("tls_server_name")
            if serverName != nil && transport != .tls { throw r.error("tls_server_name", "only for transport = tls") }
            let retarget = try r.optionalString("retarget_to").flatMap { $0.isEmpty ? nil : $0 }
            if let t = retarget, !RetargetProcessor.isValidTarget(t) {
                throw r.error("retarget_to", "'\(t)' is not a TN (digits, optional +) or a sip:, sips: or tel: URI")
            }
            let mode = try r.choice("mode", default: defaultMode, Self.modes)
            try r.finish()
            routes.append(StaticRoute(name: name, userPrefix: prefix, domain: domain, nextHop: hop, transport: transport,
                                      transportFixed: fixed, tlsServerName: serverName, retargetTo: retarget, mode: mode))
        }
        return RouteTable(routes: routes)
    }

    private mutating func readDebug(_ doc: INIDocument) throws {
        var r = reader(doc, "debug")
        let ms = try r.int("suspend_requests_ms", default: 0, range: 0...60_000)
        debugSuspend = ms == 0 ? nil : .milliseconds(ms)
        try r.finish()
    }
}
