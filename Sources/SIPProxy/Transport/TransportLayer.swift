import Dispatch
import Logging

/// Transport settings from the `[transport]` and `[listen]` INI sections.
public struct TransportConfiguration: Equatable, Sendable {
    public var udp: [SocketAddress] = []
    public var tcp: [SocketAddress] = []
    /// Larger messages are dropped (UDP) or close the connection (TCP).
    public var maxMessageSize: Int = 65_535
    public var tcpIdleTimeout: Duration = .seconds(300)
    public var tcpMaxConnections: Int = 10_000
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
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { [weak self] in self?.sweepIdleConnections() }
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
        if let id = connectionID, let c = connections[id], !c.closed {
            c.send(bytes)
        } else if let id = connectionByRemote[destination], let c = connections[id], !c.closed {
            c.send(bytes)
        } else if let c = openConnection(to: destination) {
            c.send(bytes)
        } else {
            logger.warning("TCP connect failed", metadata: ["to": "\(destination)"])
        }
    }

    private func accepted(fd: Int32, remote: SocketAddress) {
        guard connections.count < config.tcpMaxConnections else {
            logger.warning("TCP connection limit reached; refusing", metadata: ["from": "\(remote)"])
            closeDescriptor(fd)
            return
        }
        let c = TCPConnection(id: allocateID(), fd: fd, remote: remote, connecting: false, queue: queue,
                              maxMessageSize: config.maxMessageSize,
                              onMessage: { [weak self] conn, bytes in self?.receivedStream(bytes, on: conn) },
                              onClose: { [weak self] conn, why in self?.closed(conn, why) })
        register(c)
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
        logger.debug("TCP connection closed", metadata: ["conn": "\(c.id)", "remote": "\(c.remote)", "reason": "\(why)"])
    }

    private func sweepIdleConnections() {
        let limit = DispatchTime.now().uptimeNanoseconds &- UInt64(config.tcpIdleTimeout.components.seconds) * 1_000_000_000
        for c in connections.values where c.lastActivity.uptimeNanoseconds < limit {
            c.close(reason: "idle timeout")
        }
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
