import Dispatch
import Foundation
import Logging
import SIPCore
import Testing
import TestSupport
@testable import SIPProxy
#if canImport(Glibc)
import Glibc
#endif

/// SIP over TLS in `TransportLayer` (memory BIOs under the TCP connection
/// code), in-process on loopback with the test PKI: a layer listening on
/// TLS and a second layer opening connections to it as a next hop would.
@Suite(.serialized) struct TLSTransportTests {
    private static let pki = TestPKI.shared

    /// A started layer on its own queue, with what it received and logged.
    private final class Layer: @unchecked Sendable {
        let queue = DispatchQueue(label: "test.tls")
        let layer: TransportLayer
        let received = Inbox()
        let log = Log()

        /// `listen`: a TLS listener on 127.0.0.1 with sip-server; else a
        /// client-only layer presenting `certificate` (nil: none).
        init(listen: Bool, certificate: String? = "sip-server", _ configure: (inout TransportConfiguration) -> Void = { _ in }) throws {
            var config = TransportConfiguration()
            var tls = TLSSettings()
            if let certificate {
                tls.certificate = TLSTransportTests.pki.path("\(certificate).pem")
                tls.privateKey = TLSTransportTests.pki.path("\(certificate).key")
            }
            tls.caFile = TLSTransportTests.pki.path("sip-ca.pem")
            config.tlsSettings = tls
            if listen { config.tls = [SocketAddress(host: "127.0.0.1", port: 0)!] }
            configure(&config)
            var logger = Logger(label: "test") { [log] _ in Log.Handler(log: log) }
            logger.logLevel = .info
            layer = TransportLayer(config: config, queue: queue, logger: logger)
            layer.onMessages = { [received] batch in received.add(batch) }
            let settings = config.tlsSettings
            try queue.sync {
                if !settings.isConfigured { layer.installTLS(try TLSContext(settings: settings)) }
                try layer.start()
            }
        }

        deinit { queue.sync { layer.shutdown() } }

        var address: SocketAddress { queue.sync { layer.boundTLS[0] } }
        var openConnections: Int { queue.sync { layer.openTLSConnectionCount } }
        var handshakes: [String: Int] { queue.sync { layer.tlsHandshakes } }
        var warnings: [String] { log.lines.filter { $0.level == .warning }.map(\.message) }

        func send(_ bytes: [UInt8], to: SocketAddress, serverName: String?, connectionID: UInt64? = nil) {
            layer.send(bytes, to: to, transport: .tls, connectionID: connectionID, serverName: serverName)
        }
    }

    final class Inbox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [ReceivedMessage] = []
        var messages: [ReceivedMessage] { lock.withLock { stored } }
        func add(_ batch: [ReceivedMessage]) { lock.withLock { stored.append(contentsOf: batch) } }
    }

    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [(level: Logger.Level, message: String)] = []
        var lines: [(level: Logger.Level, message: String)] { lock.withLock { stored } }

        struct Handler: LogHandler {
            let log: Log
            var logLevel: Logger.Level = .info
            var metadata: Logger.Metadata { get { [:] } set { _ = newValue } }
            subscript(metadataKey _: String) -> Logger.Metadata.Value? { get { nil } set { _ = newValue } }
            func log(event: LogEvent) {
                log.lock.withLock { log.stored.append((event.level, event.message.description)) }
            }
        }
    }

    private static func wait(_ seconds: Double, until condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    private static func request(callID: String = "tls1@test", body: Int = 0) -> [UInt8] {
        let text = "OPTIONS sip:u@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKtls\r\nMax-Forwards: 70\r\n"
            + "From: <sip:a@127.0.0.1>;tag=f1\r\nTo: <sip:u@127.0.0.1>\r\nCall-ID: \(callID)\r\nCSeq: 1 OPTIONS\r\n"
            + "Content-Length: \(body)\r\n\r\n" + String(repeating: "x", count: body)
        return Array(text.utf8)
    }

    /// A plain TCP socket to `to` (for peers that do not speak TLS, or stop).
    private static func connect(to: SocketAddress) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let rc = to.withSockAddr { Glibc.connect(fd, $0, $1) }
        #expect(rc == 0)
        return fd
    }

    private static func peerClosed(_ fd: Int32) -> Bool {
        var b: UInt8 = 0
        let n = recv(fd, &b, 1, Int32(MSG_DONTWAIT) | Int32(MSG_PEEK))
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    // MARK: calls over TLS

    /// A request over a new TLS connection arrives as TLS with the client
    /// certificate's identities; the response goes back on that connection
    /// (RFC 3261 §18.2.2), and the next request reuses it.
    @Test func requestAndResponseOverOneConnection() throws {
        let server = try Layer(listen: true) { $0.tlsSettings.verifyClient = .optional }
        let client = try Layer(listen: false, certificate: "sip-client")
        client.send(Self.request(), to: server.address, serverName: "localhost")
        #expect(Self.wait(3) { server.received.messages.count == 1 })
        let rx = try #require(server.received.messages.first)
        #expect(rx.transport == .tls)
        #expect(rx.bytes == Self.request())
        #expect(rx.tlsPeerIdentities.contains("carrier.test"))
        #expect(rx.tlsPeerIdentities.contains("sip:carrier.test"))
        #expect(rx.tlsPeerIdentities.contains { $0.hasPrefix("sha256:") && $0.count == 7 + 64 })
        let response = try SIPMessage.parse(rx.bytes).makeResponse(status: 200, reason: "OK", toTag: "t").serialize()
        server.layer.send(response, to: rx.source, transport: .tls, connectionID: rx.connectionID)
        #expect(Self.wait(3) { client.received.messages.count == 1 })
        #expect(client.received.messages.first?.bytes == response)
        #expect(client.received.messages.first?.transport == .tls)
        client.send(Self.request(callID: "tls2@test"), to: server.address, serverName: "localhost")
        #expect(Self.wait(3) { server.received.messages.count == 2 })
        #expect(server.received.messages.last?.connectionID == rx.connectionID, "the open connection is reused")
        #expect(server.handshakes == ["ok": 1])
        #expect(client.handshakes == ["ok": 1])
    }

    /// RFC 3261 §18.2.2 over TLS: the connection the request came on has
    /// closed, so the response goes on a new TLS connection to the Via's
    /// sent-by port (5061 when it has none), whose certificate must name
    /// the sent-by host (here its address).
    @Test(arguments: [true, false]) func responseAfterClientClosedReconnectsOverTLS(withConnectionID: Bool) throws {
        let server = try Layer(listen: true)
        let clientSide = try Layer(listen: true)
        var sender: Layer? = try Layer(listen: false, certificate: nil)
        let via = "SIP/2.0/TLS 127.0.0.1:\(clientSide.address.port);branch=z9hG4bKre"
        let request = Array(String(decoding: Self.request(), as: UTF8.self)
            .replacingOccurrences(of: "SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKtls", with: via).utf8)
        sender?.send(request, to: server.address, serverName: "localhost")
        #expect(Self.wait(3) { server.received.messages.count == 1 })
        let rx = try #require(server.received.messages.first)
        sender = nil  // shuts its layer down: the connection closes
        #expect(Self.wait(3) { server.openConnections == 0 })
        let response = try SIPMessage.parse(rx.bytes).makeResponse(status: 200, reason: "OK", toTag: "t").serialize()
        server.layer.send(response, to: rx.source, transport: .tls, connectionID: withConnectionID ? rx.connectionID : nil)
        #expect(Self.wait(3) { clientSide.received.messages.count == 1 }, "the response reached the Via sent-by over TLS")
        #expect(clientSide.received.messages.first?.bytes == response)
        #expect(server.handshakes["ok"] == 2, "one handshake in, one out: \(server.handshakes)")
    }

    /// A TLS connection with no traffic is closed at the idle timeout, as over TCP.
    @Test func idleTLSConnectionIsClosed() throws {
        let server = try Layer(listen: true) { $0.tcpIdleTimeout = .seconds(1) }
        let client = try Layer(listen: false, certificate: nil)
        client.send(Self.request(), to: server.address, serverName: "localhost")
        #expect(Self.wait(3) { server.received.messages.count == 1 })
        #expect(server.openConnections == 1)
        #expect(Self.wait(3) { server.openConnections == 0 && client.openConnections == 0 })
    }

    /// RFC 5922 §7.1: a SIP URI subjectAltName names the host too; a
    /// numeric next hop is checked against the iPAddress entries.
    @Test(arguments: [("sip-urionly", "localhost"), ("sip-server", nil as String?)])
    func serverIdentityBySIPURIOrAddress(certificate: String, name: String?) throws {
        let server = try Layer(listen: true, certificate: certificate)
        let client = try Layer(listen: false, certificate: nil)
        client.send(Self.request(), to: server.address, serverName: name)
        #expect(Self.wait(3) { server.received.messages.count == 1 })
        #expect(client.handshakes == ["ok": 1])
    }

    /// A next hop whose certificate names another host is refused before
    /// anything is sent to it (RFC 5922 §7.2), and the refusal is logged
    /// with its reason.
    @Test(arguments: ["other.test", nil as String?])
    func nextHopWithTheWrongNameIsRefused(name: String?) throws {
        let server = try Layer(listen: true, certificate: "sip-wrongname")
        let client = try Layer(listen: false, certificate: nil)
        client.send(Self.request(), to: server.address, serverName: name)
        #expect(Self.wait(3) { client.handshakes["name_mismatch"] == 1 })
        usleep(200_000)
        #expect(server.received.messages.isEmpty, "nothing is sent to a next hop with the wrong name")
        #expect(client.warnings.contains { $0.hasPrefix("TLS handshake refused: name_mismatch from 127.0.0.1:") }, "\(client.warnings)")
        #expect(Self.wait(2) { client.openConnections == 0 })
    }

    /// RFC 3261 §18.4: what a failed connection never sent is reported,
    /// one message at a time, so its transaction can answer 503 at once.
    @Test func messagesOfAFailedConnectionAreReportedUndelivered() throws {
        let server = try Layer(listen: true, certificate: "sip-wrongname")
        let client = try Layer(listen: false, certificate: nil)
        let undelivered = Inbox()
        client.layer.onUndelivered = { bytes in
            undelivered.add([ReceivedMessage(bytes: bytes, source: server.address, local: server.address, transport: .tls,
                                             connectionID: nil)])
        }
        client.send(Self.request(callID: "u1@test"), to: server.address, serverName: "localhost")
        client.send(Self.request(callID: "u2@test"), to: server.address, serverName: "localhost")
        #expect(Self.wait(3) { undelivered.messages.count == 2 })
        #expect(undelivered.messages.map(\.bytes) == [Self.request(callID: "u1@test"), Self.request(callID: "u2@test")])
        // Nothing listens on a closed port: the connect fails.
        let closed = SocketAddress(host: "127.0.0.1", port: LoopbackPort.free())!
        client.layer.send(Self.request(callID: "u3@test"), to: closed, transport: .tls, connectionID: nil, serverName: nil)
        #expect(Self.wait(3) { undelivered.messages.count == 3 })
        #expect(server.received.messages.isEmpty)
    }

    /// TLS 1.3 finishes the client's handshake before the server has
    /// checked the client certificate (RFC 8446 §4.4.2): a next hop that
    /// then refuses ours answers with an alert, after our messages left.
    /// They never reached it, so they are reported undelivered (for a 503)
    /// and the refusal is counted with its reason.
    @Test func nextHopRefusingOurCertificateIsReported() throws {
        let server = try Layer(listen: true) {
            $0.tlsSettings.verifyClient = .yes
            $0.tlsSettings.minVersion = .tls13
        }
        let client = try Layer(listen: false, certificate: "sip-other")
        let undelivered = Inbox()
        client.layer.onUndelivered = { bytes in
            undelivered.add([ReceivedMessage(bytes: bytes, source: server.address, local: server.address, transport: .tls,
                                             connectionID: nil)])
        }
        client.send(Self.request(), to: server.address, serverName: "localhost")
        #expect(Self.wait(3) { undelivered.messages.count == 1 }, "\(client.handshakes)")
        #expect(undelivered.messages.first?.bytes == Self.request())
        #expect(Self.wait(2) { client.handshakes["peer_alert"] == 1 }, "\(client.handshakes)")
        #expect(server.received.messages.isEmpty)
    }

    // MARK: mutual TLS

    /// `verify_client = yes`: no certificate, one from another CA, an
    /// expired one are refused with their reasons; the right one passes.
    @Test(arguments: [
        (nil as String?, "no_client_certificate"),
        ("sip-other", "unknown_ca"),
        ("sip-client-expired", "expired"),
        ("sip-client", "ok"),
    ])
    func clientCertificateRequired(certificate: String?, outcome: String) throws {
        let server = try Layer(listen: true) { $0.tlsSettings.verifyClient = .yes }
        let client = try Layer(listen: false, certificate: certificate)
        client.send(Self.request(), to: server.address, serverName: "localhost")
        #expect(Self.wait(3) { server.handshakes[outcome] == 1 }, "\(server.handshakes)")
        usleep(200_000)
        #expect(server.received.messages.count == (outcome == "ok" ? 1 : 0))
        if outcome != "ok" {
            #expect(server.warnings.contains { $0.hasPrefix("TLS handshake refused: \(outcome) from 127.0.0.1:") }, "\(server.warnings)")
            #expect(Self.wait(2) { server.openConnections == 0 })
        }
    }

    // MARK: hostile peers

    /// Bytes that are not TLS close the connection at once (not_tls).
    @Test func plainSIPOnTheTLSPortIsRefused() throws {
        let server = try Layer(listen: true)
        let fd = Self.connect(to: server.address)
        defer { _ = close(fd) }
        let bytes = Self.request()
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        #expect(Self.wait(2) { Self.peerClosed(fd) })
        #expect(server.handshakes == ["not_tls": 1])
        #expect(server.received.messages.isEmpty)
        #expect(server.warnings.first?.hasPrefix("TLS handshake refused: not_tls from 127.0.0.1:") == true, "\(server.warnings)")
    }

    /// A handshake that stops half-way (a ClientHello cut short, then
    /// nothing) is closed at `handshake_timeout_ms`; a call on another
    /// connection meanwhile goes through.
    @Test func stalledHandshakeIsClosedAtTheTimeout() throws {
        let server = try Layer(listen: true) {
            $0.tlsSettings.handshakeTimeout = .milliseconds(400)
            $0.tcpIdleTimeout = .seconds(60)
        }
        let fd = Self.connect(to: server.address)
        defer { _ = close(fd) }
        // The first bytes of a TLS 1.2 ClientHello record header and body.
        let partial: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]
        _ = partial.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        let start = Date()
        let client = try Layer(listen: false, certificate: nil)
        client.send(Self.request(), to: server.address, serverName: "localhost")
        #expect(Self.wait(2) { server.received.messages.count == 1 }, "another call is served meanwhile")
        #expect(Self.wait(2) { Self.peerClosed(fd) })
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed >= 0.3 && elapsed < 1.5, "closed after \(elapsed) s")
        #expect(server.handshakes["timeout"] == 1)
        #expect(server.openConnections == 1, "the other connection stays")
    }

    /// A message past `max_message_size` in a TLS stream closes that
    /// connection only (513 first, as over TCP); another stays up.
    @Test func oversizeMessageClosesOnlyItsConnection() throws {
        let server = try Layer(listen: true) { $0.maxMessageSize = 2_048 }
        let good = try Layer(listen: false, certificate: nil)
        let bad = try Layer(listen: false, certificate: "sip-client")
        good.send(Self.request(callID: "good@test"), to: server.address, serverName: "localhost")
        #expect(Self.wait(3) { server.received.messages.count == 1 })
        bad.send(Self.request(callID: "big@test", body: 4_000), to: server.address, serverName: "localhost")
        #expect(Self.wait(3) { bad.received.messages.first.map { String(decoding: $0.bytes, as: UTF8.self).hasPrefix("SIP/2.0 513 ") } == true })
        #expect(Self.wait(4) { server.openConnections == 1 })
        good.send(Self.request(callID: "good2@test"), to: server.address, serverName: "localhost")
        #expect(Self.wait(3) { server.received.messages.count == 2 })
        #expect(server.received.messages.map { try! SIPMessage.parse($0.bytes).callID } == ["good@test", "good2@test"])
    }

    /// At most `burst` refusal lines per interval; the rest are counted.
    @Test func handshakeRefusalLinesAreRateLimited() {
        var r = TLSHandshakeReport(interval: .seconds(10), burst: 2)
        let s = 1_000_000_000 as UInt64
        #expect(r.admit(now: 1 * s) == 0)
        #expect(r.admit(now: 2 * s) == 0)
        #expect(r.admit(now: 3 * s) == nil)
        #expect(r.admit(now: 4 * s) == nil)
        #expect(r.flush(now: 5 * s) == nil)
        #expect(r.admit(now: 12 * s) == 2, "the next line says how many were not logged")
        #expect(r.admit(now: 13 * s) == 0)
        #expect(r.admit(now: 14 * s) == nil)
        #expect(r.flush(now: 22 * s) == 1)
    }
}
