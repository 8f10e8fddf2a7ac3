import Dispatch
import Foundation
import Logging
import SIPCore
import Testing
@testable import SIPProxy
#if canImport(Glibc)
import Glibc
#endif

/// The TCP side of `TransportLayer` on loopback sockets: the limits that
/// keep one peer from holding every connection, the §18.2.2 reconnect for a
/// response whose connection has gone, and the 400 before a framing error
/// closes a stream (RFC 3261 §18.3).
@Suite(.serialized) struct TCPTransportTests {
    /// A started layer on its own queue, listening on 127.0.0.1 (port 0),
    /// with what it received and what it logged.
    private final class Layer: @unchecked Sendable {
        let queue = DispatchQueue(label: "test.transport")
        let layer: TransportLayer
        let received = Inbox()
        let log = TransportLog()

        init(_ configure: (inout TransportConfiguration) -> Void) throws {
            var config = TransportConfiguration()
            config.tcp = [SocketAddress(host: "127.0.0.1", port: 0)!]
            configure(&config)
            var logger = Logger(label: "test") { [log] _ in TransportLog.Handler(log: log) }
            logger.logLevel = .info
            layer = TransportLayer(config: config, queue: queue, logger: logger)
            layer.onMessages = { [received] batch in received.add(batch) }
            try queue.sync { try layer.start() }
        }

        deinit { queue.sync { layer.shutdown() } }

        var address: SocketAddress { queue.sync { layer.boundTCP[0] } }
        var openConnections: Int { queue.sync { layer.openConnectionCount } }
        var warnings: [String] { log.lines.filter { $0.level == .warning }.map(\.message) }

        /// Waits up to `seconds` for `condition`.
        func wait(_ seconds: Double, until condition: () -> Bool) -> Bool {
            let end = Date().addingTimeInterval(seconds)
            while Date() < end {
                if condition() { return true }
                usleep(10_000)
            }
            return condition()
        }
    }

    /// What the layer delivered.
    final class Inbox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [ReceivedMessage] = []
        var messages: [ReceivedMessage] { lock.withLock { stored } }
        func add(_ batch: [ReceivedMessage]) { lock.withLock { stored.append(contentsOf: batch) } }
    }

    /// Level and text of what the layer logs.
    final class TransportLog: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [(level: Logger.Level, message: String)] = []
        var lines: [(level: Logger.Level, message: String)] { lock.withLock { stored } }

        struct Handler: LogHandler {
            let log: TransportLog
            var logLevel: Logger.Level = .info
            var metadata: Logger.Metadata { get { [:] } set { _ = newValue } }
            subscript(metadataKey _: String) -> Logger.Metadata.Value? { get { nil } set { _ = newValue } }

            func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?,
                     source: String, file: String, function: String, line: UInt) {
                log.lock.withLock { log.stored.append((level, message.description)) }
            }
        }
    }

    // MARK: client sockets

    /// A blocking client socket connected to `to`, bound to `from` first when given.
    private static func connect(to: SocketAddress, from: String? = nil) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if let from, let local = SocketAddress(host: from, port: 0) {
            _ = local.withSockAddr { bind(fd, $0, $1) }
        }
        let rc = to.withSockAddr { Glibc.connect(fd, $0, $1) }
        #expect(rc == 0, "connect to \(to): \(String(cString: strerror(errno)))")
        return fd
    }

    private static func send(_ fd: Int32, _ bytes: [UInt8]) {
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        #expect(n == bytes.count)
    }

    /// Everything `fd` receives until the peer closes (EOF or reset) or
    /// `seconds` pass; `closed` says which.
    private static func readUntilClosed(_ fd: Int32, seconds: Double) -> (bytes: [UInt8], closed: Bool) {
        var out: [UInt8] = []
        let end = Date().addingTimeInterval(seconds)
        var buf = [UInt8](repeating: 0, count: 65_536)
        while Date() < end {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(max(1, end.timeIntervalSinceNow * 1_000))
            guard poll(&p, 1, ms) > 0 else { continue }
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return (out, true) }
            out.append(contentsOf: buf[0..<n])
        }
        return (out, false)
    }

    /// True when the peer has closed `fd` (a read gives EOF or a reset).
    private static func peerClosed(_ fd: Int32) -> Bool {
        var b: UInt8 = 0
        let n = recv(fd, &b, 1, Int32(MSG_DONTWAIT) | Int32(MSG_PEEK))
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    private static func request(via: String, callID: String = "c1@test", contentLength: String? = "0",
                                method: String = "OPTIONS") -> [UInt8] {
        var text = "\(method) sip:u@127.0.0.1 SIP/2.0\r\nVia: \(via)\r\nMax-Forwards: 70\r\n"
            + "From: <sip:a@127.0.0.1>;tag=f1\r\nTo: <sip:u@127.0.0.1>\r\nCall-ID: \(callID)\r\nCSeq: 1 \(method)\r\n"
        if let contentLength { text += "Content-Length: \(contentLength)\r\n" }
        return Array((text + "\r\n").utf8)
    }

    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SIPCoreTests/Fixtures/rfc4475")

    private static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    // MARK: A: slow and greedy peers

    /// Past `tcpMaxConnectionsPerSource` accepted connections from one IP
    /// address, more from it are closed at accept; another address still
    /// gets in; a closed connection frees its slot.
    @Test func perSourceLimitRefusesAtAccept() throws {
        let t = try Layer { $0.tcpMaxConnectionsPerSource = 3 }
        let clients = (0..<5).map { _ in Self.connect(to: t.address) }
        defer { clients.forEach { _ = close($0) } }
        #expect(t.wait(2) { t.openConnections == 3 })
        usleep(100_000)
        #expect(t.openConnections == 3)
        #expect(t.wait(2) { clients.filter(Self.peerClosed).count == 2 })
        let other = Self.connect(to: t.address, from: "127.0.0.2")
        defer { _ = close(other) }
        #expect(t.wait(2) { t.openConnections == 4 })
        #expect(!Self.peerClosed(other))
        // One of the three accepted from 127.0.0.1 leaves: a new one fits.
        let accepted = clients.filter { !Self.peerClosed($0) }
        #expect(accepted.count == 3)
        _ = shutdown(accepted[0], Int32(SHUT_RDWR))
        #expect(t.wait(2) { t.openConnections == 3 })
        let again = Self.connect(to: t.address)
        defer { _ = close(again) }
        #expect(t.wait(2) { t.openConnections == 4 })
        usleep(100_000)
        #expect(!Self.peerClosed(again))
    }

    /// Every refusal used to log a line (a flood of connections became a
    /// flood of log lines). Now the first refusal is logged at once and the
    /// rest of an interval as one line with their count.
    @Test func refusalsAreLoggedOncePerIntervalWithACount() throws {
        let t = try Layer {
            $0.tcpMaxConnections = 2
            $0.tcpRefusalReportInterval = .milliseconds(500)
        }
        let kept = (0..<2).map { _ in Self.connect(to: t.address) }
        defer { kept.forEach { _ = close($0) } }
        #expect(t.wait(2) { t.openConnections == 2 })
        let refused = (0..<20).map { _ in Self.connect(to: t.address) }
        defer { refused.forEach { _ = close($0) } }
        #expect(t.wait(2) { refused.allSatisfy(Self.peerClosed) })
        let first = t.warnings
        #expect(first.count == 1, "\(first)")
        #expect(first.first?.hasPrefix("TCP connections refused: 1 at tcp_max_connections 2, 0 past tcp_max_connections_per_source 64 (first report)") == true,
                "\(first)")
        // The sweep reports the other 19 once the interval has passed.
        #expect(t.wait(3) { t.warnings.count == 2 })
        let second = t.warnings.last ?? ""
        #expect(second.hasPrefix("TCP connections refused: 19 at tcp_max_connections 2, 0 past tcp_max_connections_per_source 64 in the "),
                "\(second)")
        usleep(700_000)
        #expect(t.warnings.count == 2, "nothing refused since: no further line")
    }

    /// The counting itself: one summary per interval, counts reset after it.
    @Test func refusalReportCountsBetweenLines() {
        var r = TCPRefusalReport(interval: .seconds(10))
        let a = SocketAddress(host: "192.0.2.1", port: 5)!
        let s = 1_000_000_000 as UInt64
        #expect(r.note(.perSourceLimit, from: a, now: 100 * s)
            == TCPRefusalReport.Summary(totalLimit: 0, perSourceLimit: 1, lastSource: a, seconds: nil))
        for i in 0..<499 { #expect(r.note(i % 2 == 0 ? .totalLimit : .perSourceLimit, from: a, now: 101 * s) == nil) }
        #expect(r.flush(now: 109 * s) == nil)
        #expect(r.flush(now: 110 * s) == TCPRefusalReport.Summary(totalLimit: 250, perSourceLimit: 249, lastSource: a, seconds: 10))
        #expect(r.flush(now: 200 * s) == nil)
    }

    /// A peer sending a message one byte at a time keeps resetting the idle
    /// timer; the message deadline closes it. An idle connection and one
    /// sending whole messages slowly stay open.
    @Test func messageDeadlineClosesATricklingPeer() throws {
        let t = try Layer {
            $0.tcpMessageTimeout = .milliseconds(400)
            $0.tcpIdleTimeout = .seconds(60)
        }
        let trickler = Self.connect(to: t.address)
        let idle = Self.connect(to: t.address)
        let slow = Self.connect(to: t.address)
        defer { [trickler, idle, slow].forEach { _ = close($0) } }
        #expect(t.wait(2) { t.openConnections == 3 })
        let message = Self.request(via: "SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKslow")
        var closedAfter: Double?
        var i = 0
        let start = Date()
        // 50 ms a byte: the 158-byte message would take 8 s. The slow
        // sender's whole messages, one every 0.5 s, span 4 message timeouts.
        while Date().timeIntervalSince(start) < 1.6 {
            if closedAfter == nil, i < message.count {
                let b = [message[i]]
                _ = b.withUnsafeBytes { Glibc.send(trickler, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }
            }
            if i % 10 == 0 { Self.send(slow, message) }
            i += 1
            usleep(50_000)
            if closedAfter == nil, Self.peerClosed(trickler) { closedAfter = Date().timeIntervalSince(start) }
        }
        #expect(closedAfter != nil, "the trickling connection stayed open")
        #expect((closedAfter ?? 99) < 1.0)
        #expect(!Self.peerClosed(idle))
        #expect(!Self.peerClosed(slow))
        #expect(t.openConnections == 2)
        #expect(t.wait(1) { t.received.messages.count == 4 }, "the slow sender's 4 messages arrive")
    }

    // MARK: B: reconnect to the Via sent-by port

    /// RFC 3261 §18.2.2: the client closed the connection its request came
    /// on; the response goes on a new connection to `received` and the
    /// sent-by port, where the client listens, not to the closed
    /// connection's source port. Also for a response sent without the
    /// connection's id (forwarded statelessly by Via, to the source port
    /// that `rport` names: RFC 3581 §4 applies rport to UDP only).
    @Test(arguments: [true, false]) func responseAfterClientClosedGoesToViaSentByPort(withConnectionID: Bool) throws {
        let t = try Layer { _ in }
        // The client's listening socket: its Via sent-by port.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { _ = close(listener) }
        let any = SocketAddress(host: "127.0.0.1", port: 0)!
        #expect(any.withSockAddr { bind(listener, $0, $1) } == 0)
        #expect(listen(listener, 4) == 0)
        let listenPort = UDPSocket.boundAddress(listener)!.port
        // Sent-by names another host; `received` (set by the core) says where it really is.
        let client = Self.connect(to: t.address)
        Self.send(client, Self.request(via: "SIP/2.0/TCP 192.0.2.7:\(listenPort);branch=z9hG4bKreconnect;rport"))
        #expect(t.wait(2) { !t.received.messages.isEmpty })
        let rx = try #require(t.received.messages.first)
        #expect(rx.connectionID != nil)
        _ = close(client)
        #expect(t.wait(2) { t.openConnections == 0 })
        let request = try SIPMessage.parse(rx.bytes)
        request.setTopViaReceived(rx.source.host, rport: rx.source.port)
        let response = request.makeResponse(status: 200, reason: "OK", toTag: "t1").serialize()
        t.layer.send(response, to: rx.source, transport: .tcp, connectionID: withConnectionID ? rx.connectionID : nil)
        var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        #expect(poll(&p, 1, 2_000) == 1, "no connection to the Via sent-by port")
        guard p.revents & Int16(POLLIN) != 0 else { return }
        let conn = accept(listener, nil, nil)
        defer { _ = close(conn) }
        var buf = [UInt8](repeating: 0, count: 4_096)
        var q = pollfd(fd: conn, events: Int16(POLLIN), revents: 0)
        _ = poll(&q, 1, 2_000)
        let n = buf.withUnsafeMutableBytes { recv(conn, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        #expect(n > 0 && Array(buf[0..<max(0, n)]) == response)
    }

    // MARK: C: a 400 before a framing error closes the stream

    /// RFC 4475 §3.3.9 mcl01 and §3.1.2.3 ncl, and a request without the
    /// Content-Length streams require: the header section is complete, so
    /// the request gets a 400 naming the error, then the connection closes.
    /// A Content-Length past `maxMessageSize` (65,535) gets 513 (RFC 3261
    /// §21.5.9).
    @Test(arguments: [
        ("mcl01.dat", "SIP/2.0 400 Bad Request (Multiple Content-Length)", "mcl01.fhn2323orihawfdoa3o4r52o3irsdf"),
        ("ncl.dat", "SIP/2.0 400 Bad Request (Bad Content-Length)", "ncl.0ha0isndaksdj2193423r542w35"),
        ("", "SIP/2.0 400 Bad Request (Missing Content-Length)", "c1@test"),
        ("large", "SIP/2.0 513 Message Too Large", "c1@test"),
    ])
    func framingErrorIsAnswered400BeforeClose(file: String, statusLine: String, callID: String) throws {
        let t = try Layer { _ in }
        let bytes: [UInt8]
        switch file {
        case "": bytes = Self.request(via: "SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKnocl", contentLength: nil)
        case "large": bytes = Self.request(via: "SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKbig", contentLength: "70000")
        default: bytes = try Self.fixture(file)
        }
        let client = Self.connect(to: t.address)
        defer { _ = close(client) }
        Self.send(client, bytes)
        // The client closes only after reading the answer, like a real peer.
        let (reply, closed) = Self.readUntilClosed(client, seconds: 3)
        #expect(closed, "connection still open")
        _ = shutdown(client, Int32(SHUT_RDWR))
        #expect(t.wait(0.5) { t.openConnections == 0 }, "the server closes once the client has")
        let text = String(decoding: reply, as: UTF8.self)
        #expect(text.hasPrefix(statusLine + "\r\n"), "got: \(text)")
        let response = try #require(try? SIPMessage.parse(reply))
        #expect(response.callID == callID)
        #expect(response.to?.tag != nil)
        #expect(t.received.messages.isEmpty, "a message that cannot be framed is not passed on")
    }

    /// A peer that reads the 400 but never closes its side does not keep
    /// the connection: it is closed `lingerTimeout` (2 s) after the 400.
    @Test func finishedConnectionIsClosedWhenThePeerStaysOpen() throws {
        let t = try Layer { _ in }
        let client = Self.connect(to: t.address)
        defer { _ = close(client) }
        Self.send(client, try Self.fixture("mcl01.dat"))
        let (reply, closed) = Self.readUntilClosed(client, seconds: 1)
        #expect(closed, "the 400 is followed by our FIN")
        #expect(String(decoding: reply, as: UTF8.self).hasPrefix("SIP/2.0 400 "))
        #expect(t.openConnections == 1, "waiting for the peer's FIN")
        #expect(t.wait(3.5) { t.openConnections == 0 })
    }

    /// A response or an ACK that cannot be framed gets nothing back (RFC
    /// 3261 §17: neither is answered); the connection closes.
    @Test(arguments: ["SIP/2.0 200 OK", "ACK sip:u@127.0.0.1 SIP/2.0"])
    func unanswerableFramingErrorJustCloses(startLine: String) throws {
        let t = try Layer { _ in }
        let text = "\(startLine)\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKr\r\nFrom: <sip:a@x>;tag=1\r\n"
            + "To: <sip:b@x>;tag=2\r\nCall-ID: r@x\r\nCSeq: 1 ACK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"
        let client = Self.connect(to: t.address)
        defer { _ = close(client) }
        Self.send(client, Array(text.utf8))
        let (reply, closed) = Self.readUntilClosed(client, seconds: 3)
        #expect(closed)
        #expect(reply.isEmpty, "got: \(String(decoding: reply, as: UTF8.self))")
    }
}
