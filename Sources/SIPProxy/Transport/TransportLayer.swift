import Dispatch
import Logging
import SIPCore

/// Transport settings from the `[transport]` and `[listen]` INI sections.
public struct TransportConfiguration: Equatable, Sendable {
    public var udp: [SocketAddress] = []
    public var tcp: [SocketAddress] = []
    /// Larger messages are dropped (UDP) or close the connection (TCP).
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

/// All sockets of one loop: UDP sockets, TCP listeners and connections.
/// Everything here runs on `queue`; nothing blocks.
public final class TransportLayer: MessageSender {
    public let queue: DispatchQueue
    private let config: TransportConfiguration
    private let logger: Logger
    private var udpSockets: [UDPSocket] = []
    private var listeners: [TCPListener] = []
    private var connections: [UInt64: TCPConnection] = [:]
    private var connectionByRemote: [SocketAddress: UInt64] = [:]
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
    static let queueKey = DispatchSpecificKey<ObjectIdentifier>()
    /// Receives every message; set before `start()`. Called with what one
    /// socket wake-up produced (one or more messages): on `queue` for TCP,
    /// on a UDP socket's reader thread for UDP. Must be thread-safe.
    public var onMessages: (([ReceivedMessage]) -> Void)?

    public init(config: TransportConfiguration, queue: DispatchQueue, logger: Logger) {
        self.config = config
        self.queue = queue
        self.logger = logger
        self.refusals = TCPRefusalReport(interval: config.tcpRefusalReportInterval)
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
        for address in config.tcp {
            let listener = try TCPListener(bind: address, queue: queue) { [weak self] fd, remote in
                self?.accepted(fd: fd, remote: remote)
            }
            listeners.append(listener)
            logger.info("listening", metadata: ["transport": "tcp", "address": "\(listener.local)"])
        }
        queue.setSpecific(key: TransportLayer.queueKey, value: ObjectIdentifier(self))
        for t in TransportProtocol.allCases {
            for f in [SocketAddress.Family.inet, .inet6] {
                let a: SocketAddress?
                switch t {
                case .udp: a = udpSockets.first { $0.local.family == f }?.local ?? udpSockets.first?.local
                case .tcp: a = listeners.first { $0.local.family == f }?.local ?? listeners.first?.local
                }
                localAddresses[LocalKey(transport: t, family: f)] = a
            }
        }
        for f in [SocketAddress.Family.inet, .inet6] {
            udpByFamily[f] = udpSockets.first { $0.local.family == f }
        }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let sweep = Self.sweepInterval(messageTimeout: config.tcpMessageTimeout)
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
    }

    /// Closes everything.
    public func shutdown() {
        dispatchPrecondition(condition: .onQueue(queue))
        stopListening()
        udpSockets.forEach { $0.close() }
        udpSockets.removeAll()
        for c in connections.values { c.close(reason: "shutdown") }
        sweepTimer?.cancel()
    }

    /// Bound addresses (useful when port 0 was configured).
    public var boundUDP: [SocketAddress] { udpSockets.map(\.local) }
    public var boundTCP: [SocketAddress] { listeners.map(\.local) }
    public var openConnectionCount: Int { connections.count }

    public func localAddress(transport: TransportProtocol, family: SocketAddress.Family) -> SocketAddress? {
        localAddresses[LocalKey(transport: transport, family: family)]
    }

    /// Sends from any thread: UDP goes out at once (`sendto` on a socket that
    /// never changes after `start`); TCP hops to the transport queue, which
    /// owns the connections.
    public func send(_ bytes: [UInt8], to destination: SocketAddress, transport: TransportProtocol, connectionID: UInt64?) {
        switch transport {
        case .udp:
            guard let sock = udpByFamily[destination.family] else {
                logger.warning("no UDP socket for address family", metadata: ["to": "\(destination)"])
                return
            }
            if !sock.send(bytes, to: destination) {
                logger.debug("UDP send failed", metadata: ["to": "\(destination)", "error": "\(errnoText())"])
            }
        case .tcp:
            if DispatchQueue.getSpecific(key: TransportLayer.queueKey) == ObjectIdentifier(self) {
                sendTCP(bytes, to: destination, connectionID: connectionID)
            } else {
                queue.async { self.sendTCP(bytes, to: destination, connectionID: connectionID) }
            }
        }
    }

    private func sendTCP(_ bytes: [UInt8], to destination: SocketAddress, connectionID: UInt64?) {
        if let id = connectionID, let c = connections[id], c.usable {
            c.send(bytes)
            return
        }
        if let id = connectionByRemote[destination], let c = connections[id], c.usable {
            c.send(bytes)
            return
        }
        // No open connection to where the request came from: a response goes
        // where RFC 3261 §18.2.2 says (received, sent-by port), not to
        // `destination`, the closed connection's far end (or its rport).
        let target = StreamResponseRouting.reconnectAddress(forResponse: bytes) ?? destination
        if target != destination, let id = connectionByRemote[target], let c = connections[id], c.usable {
            c.send(bytes)
        } else if let c = openConnection(to: target) {
            c.send(bytes)
        } else {
            logger.warning("TCP connect failed", metadata: ["to": "\(target)"])
        }
    }

    private func accepted(fd: Int32, remote: SocketAddress) {
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
        let c = TCPConnection(id: allocateID(), fd: fd, remote: remote, inbound: true, connecting: false, queue: queue,
                              maxMessageSize: config.maxMessageSize,
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

    private func openConnection(to remote: SocketAddress) -> TCPConnection? {
        guard connections.count < config.tcpMaxConnections else { return nil }
        guard let c = TCPConnection.connect(id: allocateID(), to: remote, queue: queue, maxMessageSize: config.maxMessageSize,
                                            onMessage: { [weak self] conn, bytes in self?.receivedStream(bytes, on: conn) },
                                            onClose: { [weak self] conn, why in self?.closed(conn, why) }) else { return nil }
        register(c)
        return c
    }

    private func register(_ c: TCPConnection) {
        c.onFramingError = { [weak self] conn, error, header in self?.framingFailed(conn, error, header) }
        connections[c.id] = c
        connectionByRemote[c.remote] = c.id
        logger.debug("TCP connection open", metadata: ["conn": "\(c.id)", "remote": "\(c.remote)"])
    }

    private func receivedStream(_ bytes: [UInt8], on c: TCPConnection) {
        onMessages?([ReceivedMessage(bytes: bytes, source: c.remote, local: c.local, transport: .tcp, connectionID: c.id)])
    }

    private func closed(_ c: TCPConnection, _ why: String) {
        connections[c.id] = nil
        if connectionByRemote[c.remote] == c.id { connectionByRemote[c.remote] = nil }
        if c.inbound, let source = c.remote.withPort(0) {
            let left = inboundBySource[source, default: 1] - 1
            inboundBySource[source] = left > 0 ? left : nil
        }
        logger.debug("TCP connection closed", metadata: ["conn": "\(c.id)", "remote": "\(c.remote)", "reason": "\(why)"])
    }

    /// Closes connections past a deadline: idle (no byte either way for
    /// `tcpIdleTimeout`), a message begun and not completed within
    /// `tcpMessageTimeout`, a finished connection whose peer never closed.
    /// Also logs refusals counted since the last line once it is due.
    private func sweepConnections() {
        let now = DispatchTime.now()
        let idle = Self.nanoseconds(config.tcpIdleTimeout)
        let message = Self.nanoseconds(config.tcpMessageTimeout)
        func age(_ t: DispatchTime) -> UInt64 { now.uptimeNanoseconds &- min(t.uptimeNanoseconds, now.uptimeNanoseconds) }
        for c in Array(connections.values) {
            if let deadline = c.lingerDeadline {
                if deadline <= now { c.lingerExpired() }
            } else if let started = c.messageStarted, age(started) > message {
                c.close(reason: "message timeout")
            } else if age(c.lastActivity) > idle {
                c.close(reason: "idle timeout")
            }
        }
        if let summary = refusals.flush(now: now.uptimeNanoseconds) { reportRefusals(summary) }
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
