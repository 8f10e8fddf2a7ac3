import Dispatch
import Logging
import SIPCore

/// Transport settings from the `[transport]`, `[listen]` and `[tls]` INI sections.
public struct TransportConfiguration: Equatable, Sendable {
    public var udp: [SocketAddress] = []
    public var tcp: [SocketAddress] = []
    /// TLS listeners (RFC 3261 §26.2.1; 5061 by default, §19.1.2).
    public var tls: [SocketAddress] = []
    /// Certificate, trust and handshake settings (`[tls]`), for accepted
    /// and opened TLS connections alike.
    public var tlsSettings = TLSSettings()
    /// Larger messages are dropped (UDP) or close the connection (TCP, TLS).
    public var maxMessageSize: Int = 65_535
    public var tcpIdleTimeout: Duration = .seconds(300)
    /// Once the first byte of a message has arrived, its header section and
    /// body must be complete within this time, or the connection is closed:
    /// a peer trickling bytes would otherwise keep resetting the idle timer
    /// and hold a connection slot for ever.
    public var tcpMessageTimeout: Duration = .seconds(10)
    public var tcpMaxConnections: Int = 10_000
    /// Accepted connections from one IP address; more are refused at
    /// accept, so one peer cannot take every slot of `tcpMaxConnections`.
    public var tcpMaxConnectionsPerSource: Int = 64
    /// Refused connections are logged at most once per this interval, with
    /// the count refused since the previous line.
    public var tcpRefusalReportInterval: Duration = .seconds(10)
    public var udpReceiveBufferBytes: Int = 4 << 20
    public init() {}
}

/// All sockets: UDP sockets, TCP and TLS listeners and connections.
/// Everything here runs on `queue`; nothing blocks. TLS connections are
/// TCP connections with a `TLSSession` that turns records into plaintext
/// and back; they share the connection caps, timeouts and framing.
public final class TransportLayer: MessageSender {
    public let queue: DispatchQueue
    private let config: TransportConfiguration
    private let logger: Logger
    private var udpSockets: [UDPSocket] = []
    private var listeners: [TCPListener] = []
    private var tlsListeners: [TCPListener] = []
    private var connections: [UInt64: TCPConnection] = [:]
    private struct RemoteKey: Hashable {
        var transport: TransportProtocol
        var address: SocketAddress
    }
    private var connectionByRemote: [RemoteKey: UInt64] = [:]
    /// The TLS context new connections use; replaced on SIGHUP (`installTLS`).
    private var tlsContext: TLSContext?
    /// Completed TLS handshakes ("ok") and refused ones by reason.
    public private(set) var tlsHandshakes: [String: Int] = [:]
    private var handshakeReport: TLSHandshakeReport
    /// Accepted connections per peer IP address (the port set to 0).
    private var inboundBySource: [SocketAddress: Int] = [:]
    private var refusals: TCPRefusalReport
    private var nextConnectionID: UInt64 = 1
    private var sweepTimer: DispatchSourceTimer?
    private struct LocalKey: Hashable {
        var transport: TransportProtocol
        var family: SocketAddress.Family
    }
    /// Fixed at `start()`, read from any thread afterwards.
    private var localAddresses: [LocalKey: SocketAddress] = [:]
    private var udpByFamily: [SocketAddress.Family: UDPSocket] = [:]
    /// The stream connections' read buffers; they all run on `queue`.
    private let readBuffers = StreamReadBuffers()
    /// Watches the stream connections' input (see `StreamPoller`); made at `start()`.
    private var poller: StreamPoller?
    static let queueKey = DispatchSpecificKey<ObjectIdentifier>()
    /// Messages handed to `send` for a stream transport that never left:
    /// no connection could be opened, or the one opened for them failed
    /// (connect, TLS handshake, the next hop's name) before carrying them.
    /// RFC 3261 §18.4: the transport reports the error to its user, here
    /// the transaction that sent the message (§16.9: as if a 503 came
    /// back). Called on `queue`, one message at a time; set before `start()`.
    public var onUndelivered: (([UInt8]) -> Void)?
    /// Receives every message; set before `start()`. Called with what one
    /// socket wake-up produced (one or more messages): on `queue` for TCP,
    /// on a UDP socket's reader thread for UDP. Must be thread-safe.
    public var onMessages: (([ReceivedMessage]) -> Void)?
    /// Told of every stream connection opened and closed, so the proxy
    /// loops can route by flow token (RFC 5626 §5.3); set before `start()`.
    public var flowTable: FlowTable?

    public init(config: TransportConfiguration, queue: DispatchQueue, logger: Logger) {
        self.config = config
        self.queue = queue
        self.logger = logger
        self.refusals = TCPRefusalReport(interval: config.tcpRefusalReportInterval)
        self.handshakeReport = TLSHandshakeReport(interval: config.tcpRefusalReportInterval)
    }

    /// The context new TLS connections use from now on; open ones keep
    /// theirs (SIGHUP re-reads the certificates).
    public func installTLS(_ context: TLSContext) {
        dispatchPrecondition(condition: .onQueue(queue))
        tlsContext = context
    }

    /// Binds every configured address; throws on the first that fails.
    public func start() throws {
        dispatchPrecondition(condition: .onQueue(queue))
        for address in config.udp {
            // Read on the socket's own thread (see UDPSocket); everything the
            // handler touches is fixed at init.
            let handler = DatagramHandler(maxMessageSize: config.maxMessageSize, logger: logger, layer: self)
            let sock = try UDPSocket(bind: address, receiveBufferBytes: config.udpReceiveBufferBytes) { batch, local in
                handler.received(batch, local: local)
            }
            udpSockets.append(sock)
            logger.info("listening", metadata: ["transport": "udp", "address": "\(sock.local)"])
        }
        poller = StreamPoller(queue: queue, name: "stird-streams")
        if poller == nil { logger.warning("epoll unavailable: stream connections use Dispatch read sources") }
        for address in config.tcp {
            let listener = try TCPListener(bind: address, queue: queue) { [weak self] fd, remote in
                self?.accepted(fd: fd, remote: remote, tls: false)
            }
            listeners.append(listener)
            logger.info("listening", metadata: ["transport": "tcp", "address": "\(listener.local)"])
        }
        if tlsContext == nil && config.tlsSettings.isConfigured {
            do {
                tlsContext = try TLSContext(settings: config.tlsSettings)
            } catch {
                throw TransportError(address: "tls", reason: "\(error)")
            }
        }
        for address in config.tls {
            guard tlsContext != nil else {
                throw TransportError(address: "tls:\(address)", reason: "a TLS listener needs [tls] certificate and private_key")
            }
            let listener = try TCPListener(bind: address, queue: queue) { [weak self] fd, remote in
                self?.accepted(fd: fd, remote: remote, tls: true)
            }
            tlsListeners.append(listener)
            logger.info("listening", metadata: ["transport": "tls", "address": "\(listener.local)"])
        }
        queue.setSpecific(key: TransportLayer.queueKey, value: ObjectIdentifier(self))
        for t in TransportProtocol.allCases {
            for f in [SocketAddress.Family.inet, .inet6] {
                let a: SocketAddress?
                switch t {
                case .udp: a = udpSockets.first { $0.local.family == f }?.local ?? udpSockets.first?.local
                case .tcp: a = listeners.first { $0.local.family == f }?.local ?? listeners.first?.local
                case .tls: a = tlsListeners.first { $0.local.family == f }?.local ?? tlsListeners.first?.local
                }
                localAddresses[LocalKey(transport: t, family: f)] = a
            }
        }
        for f in [SocketAddress.Family.inet, .inet6] {
            udpByFamily[f] = udpSockets.first { $0.local.family == f }
        }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let sweep = Self.sweepInterval(messageTimeout: min(config.tcpMessageTimeout, config.tlsSettings.handshakeTimeout))
        timer.schedule(deadline: .now() + sweep, repeating: sweep)
        timer.setEventHandler { [weak self] in self?.sweepConnections() }
        timer.resume()
        sweepTimer = timer
    }

    /// Stops accepting new connections and datagrams (drain).
    public func stopListening() {
        dispatchPrecondition(condition: .onQueue(queue))
        listeners.forEach { $0.close() }
        listeners.removeAll()
        tlsListeners.forEach { $0.close() }
        tlsListeners.removeAll()
    }

    /// Closes everything.
    public func shutdown() {
        dispatchPrecondition(condition: .onQueue(queue))
        stopListening()
        udpSockets.forEach { $0.close() }
        udpSockets.removeAll()
        for c in connections.values { c.close(reason: "shutdown") }
        poller?.close()
        sweepTimer?.cancel()
    }

    /// Bound addresses (useful when port 0 was configured).
    public var boundUDP: [SocketAddress] { udpSockets.map(\.local) }
    public var boundTCP: [SocketAddress] { listeners.map(\.local) }
    public var boundTLS: [SocketAddress] { tlsListeners.map(\.local) }
    public var openConnectionCount: Int { connections.count }
    /// Open TLS connections, handshaking or established.
    public var openTLSConnectionCount: Int { connections.values.reduce(0) { $0 + ($1.transport == .tls ? 1 : 0) } }

    public func localAddress(transport: TransportProtocol, family: SocketAddress.Family) -> SocketAddress? {
        localAddresses[LocalKey(transport: transport, family: family)]
    }

    public func send(_ bytes: [UInt8], to destination: SocketAddress, transport: TransportProtocol, connectionID: UInt64?) {
        send(bytes, to: destination, transport: transport, connectionID: connectionID, serverName: nil)
    }

    /// Sends from any thread: UDP goes out at once (`sendto` on a socket that
    /// never changes after `start`); TCP and TLS hop to the transport queue,
    /// which owns the connections. A new TLS connection checks the next
    /// hop's certificate against `serverName` (else the numeric address).
    public func send(_ bytes: [UInt8], to destination: SocketAddress, transport: TransportProtocol, connectionID: UInt64?,
                     serverName: String?) {
        switch transport {
        case .udp:
            guard let sock = udpByFamily[destination.family] else {
                logger.warning("no UDP socket for address family", metadata: ["to": "\(destination)"])
                return
            }
            if !sock.send(bytes, to: destination) {
                logger.debug("UDP send failed", metadata: ["to": "\(destination)", "error": "\(errnoText())"])
            }
        case .tcp, .tls:
            if DispatchQueue.getSpecific(key: TransportLayer.queueKey) == ObjectIdentifier(self) {
                sendStream(bytes, to: destination, transport: transport, connectionID: connectionID, serverName: serverName)
            } else {
                queue.async {
                    self.sendStream(bytes, to: destination, transport: transport, connectionID: connectionID, serverName: serverName)
                }
            }
        }
    }

    public func send(_ bytes: [UInt8], overFlow connectionID: UInt64, to destination: SocketAddress, transport: TransportProtocol) {
        if DispatchQueue.getSpecific(key: TransportLayer.queueKey) == ObjectIdentifier(self) {
            sendOverFlow(bytes, connectionID, destination, transport)
        } else {
            queue.async { self.sendOverFlow(bytes, connectionID, destination, transport) }
        }
    }

    /// On `queue`: over that connection only, or undelivered (RFC 5626 §5.3).
    private func sendOverFlow(_ bytes: [UInt8], _ connectionID: UInt64, _ destination: SocketAddress, _ transport: TransportProtocol) {
        if let c = connections[connectionID], c.usable, c.transport == transport, c.remote == destination {
            c.send(bytes)
        } else {
            logger.debug("flow gone", metadata: ["conn": "\(connectionID)", "remote": "\(destination)"])
            onUndelivered?(bytes)
        }
    }

    private func sendStream(_ bytes: [UInt8], to destination: SocketAddress, transport: TransportProtocol, connectionID: UInt64?,
                            serverName: String?) {
        if let id = connectionID, let c = connections[id], c.usable, c.transport == transport {
            c.send(bytes)
            return
        }
        if let id = connectionByRemote[RemoteKey(transport: transport, address: destination)], let c = connections[id], c.usable {
            c.send(bytes)
            return
        }
        // No open connection to where the request came from: a response goes
        // where RFC 3261 §18.2.2 says (received, sent-by port), not to
        // `destination`, the closed connection's far end (or its rport);
        // over TLS it must then prove the sent-by host's name (RFC 3261
        // §26.3.2.1, RFC 5922 §7.2).
        let reconnect = StreamResponseRouting.reconnectTarget(forResponse: bytes, transport: transport)
        let target = reconnect?.address ?? destination
        let name = reconnect == nil ? serverName : reconnect?.name
        if target != destination, let id = connectionByRemote[RemoteKey(transport: transport, address: target)],
           let c = connections[id], c.usable {
            c.send(bytes)
        } else if let c = openConnection(to: target, transport: transport, serverName: name) {
            c.send(bytes)
        } else {
            logger.warning("\(transport.rawValue) connect failed", metadata: ["to": "\(target)"])
            onUndelivered?(bytes)
        }
    }

    private func accepted(fd: Int32, remote: SocketAddress, tls: Bool) {
        let source = remote.withPort(0) ?? remote
        var refused: TCPRefusalReport.Cause?
        if connections.count >= config.tcpMaxConnections {
            refused = .totalLimit
        } else if inboundBySource[source, default: 0] >= config.tcpMaxConnectionsPerSource {
            refused = .perSourceLimit
        }
        if let refused {
            closeDescriptor(fd)
            if let summary = refusals.note(refused, from: remote, now: DispatchTime.now().uptimeNanoseconds) {
                reportRefusals(summary)
            }
            return
        }
        var session: TLSSession?
        if tls {
            guard let context = tlsContext, let s = TLSSession(context: context, role: .server(verify: context.settings.verifyClient)) else {
                closeDescriptor(fd)
                handshakeRefused(TLSHandshakeFailure(.error, "cannot allocate a TLS session"), remote: remote)
                return
            }
            session = s
        }
        let c = TCPConnection(id: allocateID(), fd: fd, remote: remote, inbound: true, connecting: false, queue: queue,
                              maxMessageSize: config.maxMessageSize, tls: session, buffers: readBuffers, poller: poller,
                              onMessage: { [weak self] conn, bytes in self?.receivedStream(bytes, on: conn) },
                              onClose: { [weak self] conn, why in self?.closed(conn, why) })
        inboundBySource[source, default: 0] += 1
        register(c)
    }

    /// One warning line for the refusals counted since the last one (see
    /// `TCPRefusalReport`).
    private func reportRefusals(_ s: TCPRefusalReport.Summary) {
        let since = s.seconds.map { String(format: "in the %.1f s since the last report", $0) } ?? "(first report)"
        logger.warning("""
            TCP connections refused: \(s.totalLimit) at tcp_max_connections \(config.tcpMaxConnections), \
            \(s.perSourceLimit) past tcp_max_connections_per_source \(config.tcpMaxConnectionsPerSource) \
            \(since); last from \(s.lastSource)
            """)
    }

    /// RFC 3261 §18.3: a stream whose framing failed is closed; a request
    /// whose header section could be read gets its 400 (or 513) first.
    private func framingFailed(_ c: TCPConnection, _ error: SIPParseError, _ headerSection: [UInt8]?) {
        logger.debug("TCP framing error", metadata: ["conn": "\(c.id)", "remote": "\(c.remote)", "reason": "\(error)"])
        guard let headerSection,
              let response = StreamResponseRouting.framingRejection(headerSection: headerSection, error: error, source: c.remote)
        else { return }
        c.finish(sending: response, reason: "framing error: \(error)")
    }

    private func openConnection(to remote: SocketAddress, transport: TransportProtocol, serverName: String?) -> TCPConnection? {
        guard connections.count < config.tcpMaxConnections else { return nil }
        var session: TLSSession?
        if transport == .tls {
            guard let context = tlsContext,
                  let s = TLSSession(context: context, role: .client(name: serverName ?? remote.host)) else { return nil }
            session = s
        }
        guard let c = TCPConnection.connect(id: allocateID(), to: remote, queue: queue, maxMessageSize: config.maxMessageSize,
                                            tls: session, buffers: readBuffers, poller: poller, onMessage: { [weak self] conn, bytes in self?.receivedStream(bytes, on: conn) },
                                            onClose: { [weak self] conn, why in self?.closed(conn, why) }) else { return nil }
        register(c)
        return c
    }

    private func register(_ c: TCPConnection) {
        c.onFramingError = { [weak self] conn, error, header in self?.framingFailed(conn, error, header) }
        c.onHandshake = { [weak self] conn, failure in self?.handshakeEnded(conn, failure) }
        if !c.inbound { c.onUndelivered = { [weak self] _, bytes in self?.undelivered(bytes) } }
        connections[c.id] = c
        connectionByRemote[RemoteKey(transport: c.transport, address: c.remote)] = c.id
        flowTable?.opened(FlowToken(connectionID: c.id, remote: c.remote, transport: c.transport))
        logger.debug("\(c.transport.rawValue) connection open", metadata: ["conn": "\(c.id)", "remote": "\(c.remote)"])
    }

    private func handshakeEnded(_ c: TCPConnection, _ failure: TLSHandshakeFailure?) {
        guard let failure else {
            tlsHandshakes["ok", default: 0] += 1
            logger.debug("TLS handshake completed", metadata: ["conn": "\(c.id)", "remote": "\(c.remote)",
                                                             "identities": "\(c.peerIdentities)"])
            return
        }
        handshakeRefused(failure, remote: c.remote)
    }

    /// Counts a refused handshake and logs it with its reason, unless too
    /// many were logged in this interval (`TLSHandshakeReport`).
    private func handshakeRefused(_ failure: TLSHandshakeFailure, remote: SocketAddress) {
        tlsHandshakes[failure.reason.rawValue, default: 0] += 1
        let now = DispatchTime.now().uptimeNanoseconds
        guard let suppressed = handshakeReport.admit(now: now) else { return }
        let note = suppressed > 0 ? " (\(suppressed) more refused since the last line were not logged)" : ""
        logger.warning("TLS handshake refused: \(failure.reason.rawValue) from \(remote): \(failure.detail)\(note)")
    }

    /// Splits what a failed connection never sent into its messages.
    private func undelivered(_ bytes: [UInt8]) {
        guard let report = onUndelivered else { return }
        var framer = SIPStreamFramer(maxMessageSize: max(config.maxMessageSize, bytes.count))
        framer.append(bytes)
        while let message = try? framer.next() { report(message) }
    }

    private func receivedStream(_ bytes: [UInt8], on c: TCPConnection) {
        onMessages?([ReceivedMessage(bytes: bytes, source: c.remote, local: c.local, transport: c.transport, connectionID: c.id,
                                     tlsPeerIdentities: c.peerIdentities)])
    }

    private func closed(_ c: TCPConnection, _ why: String) {
        connections[c.id] = nil
        flowTable?.closed(connectionID: c.id)
        let key = RemoteKey(transport: c.transport, address: c.remote)
        if connectionByRemote[key] == c.id { connectionByRemote[key] = nil }
        if c.inbound, let source = c.remote.withPort(0) {
            let left = inboundBySource[source, default: 1] - 1
            inboundBySource[source] = left > 0 ? left : nil
        }
        logger.debug("\(c.transport.rawValue) connection closed", metadata: ["conn": "\(c.id)", "remote": "\(c.remote)", "reason": "\(why)"])
    }

    /// Closes connections past a deadline: idle (no byte either way for
    /// `tcpIdleTimeout`), a message begun and not completed within
    /// `tcpMessageTimeout`, a finished connection whose peer never closed.
    /// Also logs refusals counted since the last line once it is due.
    private func sweepConnections() {
        let now = DispatchTime.now()
        let idle = Self.nanoseconds(config.tcpIdleTimeout)
        let message = Self.nanoseconds(config.tcpMessageTimeout)
        let handshake = Self.nanoseconds(config.tlsSettings.handshakeTimeout)
        func age(_ t: DispatchTime) -> UInt64 { now.uptimeNanoseconds &- min(t.uptimeNanoseconds, now.uptimeNanoseconds) }
        for c in Array(connections.values) {
            if let deadline = c.lingerDeadline {
                if deadline <= now { c.lingerExpired() }
            } else if let started = c.handshakeStarted, age(started) > handshake {
                c.handshakeFailed(TLSHandshakeFailure(.timeout, "no complete handshake within \(config.tlsSettings.handshakeTimeout)"))
            } else if let started = c.messageStarted, age(started) > message {
                c.close(reason: "message timeout")
            } else if age(c.lastActivity) > idle {
                c.close(reason: "idle timeout")
            }
        }
        if let summary = refusals.flush(now: now.uptimeNanoseconds) { reportRefusals(summary) }
        if let suppressed = handshakeReport.flush(now: now.uptimeNanoseconds) {
            logger.warning("TLS handshakes refused and not logged in the last interval: \(suppressed)")
        }
    }

    /// A quarter of the message timeout, between 50 ms and 1 s, so that a
    /// connection is closed at most a quarter late.
    static func sweepInterval(messageTimeout: Duration) -> DispatchTimeInterval {
        let quarter = Int(nanoseconds(messageTimeout) / 4_000_000)
        return .milliseconds(min(1_000, max(50, quarter)))
    }

    static func nanoseconds(_ d: Duration) -> UInt64 {
        let c = d.components
        return UInt64(max(0, c.seconds)) * 1_000_000_000 + UInt64(max(0, c.attoseconds) / 1_000_000_000)
    }

    private func allocateID() -> UInt64 {
        defer { nextConnectionID += 1 }
        return nextConnectionID
    }
}

/// Turns datagrams into messages on a UDP reader thread: filters keep-alives
/// and oversized datagrams, then hands the batch to `onMessages`.
private final class DatagramHandler: @unchecked Sendable {
    let maxMessageSize: Int
    let logger: Logger
    weak var layer: TransportLayer?

    init(maxMessageSize: Int, logger: Logger, layer: TransportLayer) {
        self.maxMessageSize = maxMessageSize
        self.logger = logger
        self.layer = layer
    }

    func received(_ batch: [(bytes: [UInt8], from: SocketAddress)], local: SocketAddress) {
        var messages: [ReceivedMessage] = []
        messages.reserveCapacity(batch.count)
        for (bytes, from) in batch {
            // RFC 5626 §3.5.1 keep-alives (CRLF) carry no message.
            if bytes.allSatisfy({ $0 == 13 || $0 == 10 }) { continue }
            guard bytes.count <= maxMessageSize else {
                logger.notice("oversized datagram dropped", metadata: ["from": "\(from)", "bytes": "\(bytes.count)"])
                continue
            }
            messages.append(ReceivedMessage(bytes: bytes, source: from, local: local, transport: .udp, connectionID: nil))
        }
        if !messages.isEmpty, let deliver = layer?.onMessages { deliver(messages) }
    }
}
