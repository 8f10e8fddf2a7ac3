import Dispatch
import SIPProxy
import Testing
import TestSupport
@testable import StirDaemon
#if canImport(Glibc)
import Glibc
#endif

/// The scrape endpoint live on loopback, port 0, with a plain socket client.
@Suite(.timeLimit(.minutes(1))) struct MetricsServerTests {
    private static let anyPort = MetricsConfiguration(listen: SocketAddress(host: "127.0.0.1", port: 0)!)

    private func running(_ metrics: StirdMetrics = StirdMetrics(), config: MetricsConfiguration = anyPort,
                         limits: MetricsServer.Limits = .init()) throws -> (MetricsServer, SocketAddress) {
        let server = MetricsServer(config: config, metrics: metrics, limits: limits)
        try server.start()
        let address = try #require(server.boundAddress)
        return (server, address)
    }

    @Test func servesTheExpositionWithThePrometheusContentType() throws {
        let metrics = StirdMetrics()
        metrics.verificationOutcome(label: "valid")
        metrics.signed(attestation: "B")
        metrics.register { [(name: "stird_probe", help: "Probe.", labels: [], value: 42)] }
        let (server, address) = try running(metrics)
        defer { server.stop() }
        #expect(address.host == "127.0.0.1" && address.port != 0)

        let reply = try MetricsTestClient.exchange(address, "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(reply.end == .eof)
        #expect(reply.statusLine == "HTTP/1.1 200 OK")
        #expect(reply.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        #expect(reply.header("Connection") == "close")
        #expect(reply.header("Content-Length") == "\(reply.body.utf8.count)")
        #expect(reply.body == metrics.expositionText())
        #expect(reply.body.contains(#"stird_verification_total{outcome="valid"} 1"#))
        #expect(reply.body.contains(#"stird_signed_total{attest="B"} 1"#))
        #expect(reply.body.contains("stird_probe 42\n"))
    }

    @Test func eachScrapeSeesTheCurrentValues() throws {
        let metrics = StirdMetrics()
        let (server, address) = try running(metrics)
        defer { server.stop() }
        for expected in 1...3 {
            metrics.verificationOutcome(label: "valid")
            let body = try MetricsTestClient.exchange(address, "GET /metrics HTTP/1.0\r\n\r\n").body
            #expect(body.contains(#"stird_verification_total{outcome="valid"} \#(expected)"#))
        }
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found"),
        ("GET /metricsx HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found"),
        ("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 405 Method Not Allowed"),
        ("DELETE /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed"),
        ("HELLO\r\n\r\n", "HTTP/1.1 400 Bad Request"),
    ])
    func answersOtherRequestsWithAnErrorAndCloses(request: String, status: String) throws {
        let (server, address) = try running()
        defer { server.stop() }
        let reply = try MetricsTestClient.exchange(address, request)
        #expect(reply.statusLine == status)
        #expect(reply.end == .eof)
        #expect(!reply.body.contains("stird_signed_total"))
    }

    @Test func aLargeExpositionReachesASlowReaderWhole() throws {
        let metrics = StirdMetrics()
        let count = 250_000
        metrics.register { (0..<count).map { (name: "stird_big", help: "", labels: [("i", "\($0)")], value: Double($0)) } }
        let (server, address) = try running(metrics)
        defer { server.stop() }
        // Rendering 250k samples before the first byte takes ~0.7 s on an idle
        // machine but over 5 s on a loaded 2-core one: the default 3 s read
        // timeout then saw no bytes at all. A wrong server still fails (.timeout or a short body).
        let client = try MetricsTestClient(address, timeoutSeconds: 30, receiveBuffer: 4096)
        defer { client.close() }
        try client.send("GET /metrics HTTP/1.1\r\n\r\n")
        // Read nothing until the server has filled the socket and waits for
        // writability: that is the path under test, so the test asserts it
        // was reached rather than hoping a pause was long enough.
        #expect(eventually(timeout: 25) { server.connectionsWaitingToWrite == 1 }, "the server never had to wait")
        let reply = client.readToEnd()
        #expect(reply.end == .eof)
        #expect(reply.header("Content-Length") == "\(reply.body.utf8.count)")
        #expect(reply.body.utf8.count > 6_000_000, "more than the kernel takes in one send")
        #expect(reply.body.hasSuffix("stird_big{i=\"\(count - 1)\"} \(count - 1)\n"))
    }

    @Test func headGetsTheHeadersWithoutABody() throws {
        let (server, address) = try running()
        defer { server.stop() }
        let reply = try MetricsTestClient.exchange(address, "HEAD /metrics HTTP/1.1\r\n\r\n")
        #expect(reply.statusLine == "HTTP/1.1 200 OK")
        #expect(Int(reply.header("Content-Length") ?? "0")! > 0)
        #expect(reply.body.isEmpty)
    }

    @Test func oversizedRequestIsRefusedAndClosed() throws {
        let (server, address) = try running()
        defer { server.stop() }
        let client = try MetricsTestClient(address)
        defer { client.close() }
        // A head that never ends: 9 KiB of one header line, no blank line.
        try client.send("GET /metrics HTTP/1.1\r\nX-Filler: " + String(repeating: "a", count: 9 * 1024))
        let reply = client.readToEnd()
        #expect(reply.end != .timeout, "the server must close, not wait for more")
        // Everything sent has been read by then, so the close is clean (no reset) and the 431 arrives.
        #expect(reply.statusLine == "HTTP/1.1 431 Request Header Fields Too Large")
        #expect(eventually { server.openConnections == 0 })
    }

    @Test func silentClientIsDroppedAtTheReadTimeout() throws {
        var limits = MetricsServer.Limits()
        limits.timeout = .milliseconds(200)
        let (server, address) = try running(limits: limits)
        defer { server.stop() }
        // The client waits far longer than the server's 200 ms: an end of
        // file with no bytes is the server dropping it; a broken deadline
        // shows as `.timeout`, however fast or slow the machine.
        let client = try MetricsTestClient(address, timeoutSeconds: 20)
        defer { client.close() }
        try client.send("GET /metr")
        let reply = client.readToEnd()
        #expect(reply.end == .eof && reply.bytes.isEmpty)
        #expect(eventually { server.openConnections == 0 })
    }

    @Test func connectionsBeyondTheLimitAreClosedAtOnce() throws {
        var limits = MetricsServer.Limits()
        limits.maxConnections = 2
        let (server, address) = try running(limits: limits)
        defer { server.stop() }
        let idle = try (0..<2).map { _ in try MetricsTestClient(address) }
        defer { idle.forEach { $0.close() } }
        #expect(eventually { server.openConnections == 2 })

        let extra = try MetricsTestClient(address, timeoutSeconds: 2)
        defer { extra.close() }
        let refused = extra.readToEnd()
        #expect(refused.end != .timeout && refused.bytes.isEmpty)

        // A held connection is still served, and once it is done a new one is welcome.
        try idle[0].send("GET /metrics HTTP/1.1\r\n\r\n")
        #expect(idle[0].readToEnd().statusLine == "HTTP/1.1 200 OK")
        #expect(eventually { server.openConnections == 1 })
        #expect(try MetricsTestClient.exchange(address, "GET /metrics HTTP/1.1\r\n\r\n").statusLine == "HTTP/1.1 200 OK")
    }

    @Test func stopClosesTheListenerAndOpenConnections() throws {
        let (server, address) = try running()
        let held = try MetricsTestClient(address)
        defer { held.close() }
        #expect(eventually { server.openConnections == 1 })
        server.stop()
        #expect(server.boundAddress == nil)
        #expect(server.openConnections == 0)
        #expect(held.readToEnd().end != .timeout)
        #expect(throws: MetricsTestClient.Failure.self) { try MetricsTestClient(address) }
        server.stop()  // idempotent
    }

    /// The daemon's hooks read SIP-loop state with `sipQueue.sync`; stopping the
    /// server from that loop during a scrape must not deadlock.
    @Test func stopFromTheLoopAHookWaitsForDoesNotDeadlock() throws {
        let sipQueue = DispatchQueue(label: "test.sip")
        let entered = DispatchSemaphore(value: 0)
        let metrics = StirdMetrics()
        metrics.register {
            entered.signal()
            return sipQueue.sync { [(name: "stird_from_loop", help: "", labels: [], value: 1)] }
        }
        let (server, address) = try running(metrics)
        let stopped = DispatchSemaphore(value: 0)
        sipQueue.async {
            guard entered.wait(timeout: .now() + 10) == .success else { return }
            server.stop()
            stopped.signal()
        }
        let client = try MetricsTestClient(address)
        defer { client.close() }
        try client.send("GET /metrics HTTP/1.1\r\n\r\n")
        #expect(stopped.wait(timeout: .now() + 10) == .success, "stop() blocked on the scrape")
        #expect(client.readToEnd().end != .timeout)
        #expect(server.boundAddress == nil)
    }

    @Test func servesAgainAfterARestart() throws {
        let (server, _) = try running()
        server.stop()
        try server.start()
        defer { server.stop() }
        let address = try #require(server.boundAddress)
        #expect(try MetricsTestClient.exchange(address, "GET /metrics HTTP/1.1\r\n\r\n").statusLine == "HTTP/1.1 200 OK")
    }

    @Test func disabledServerBindsNothing() throws {
        var config = Self.anyPort
        config.enabled = false
        let server = MetricsServer(config: config, metrics: StirdMetrics())
        try server.start()
        #expect(server.boundAddress == nil)
        server.stop()
    }

    @Test func addressInUseIsAnErrorNamingTheAddress() throws {
        let (first, address) = try running()
        defer { first.stop() }
        let second = MetricsServer(config: MetricsConfiguration(listen: address), metrics: StirdMetrics())
        #expect {
            try second.start()
        } throws: { error in
            let failure = error as? MetricsServerError
            return failure?.address == address.description && failure?.description.hasPrefix("metrics listen \(address): bind: ") == true
        }
    }

    @Test(.enabled(if: MetricsServerTests.ipv6LoopbackWorks()))
    func servesOnIPv6Loopback() throws {
        let config = MetricsConfiguration(listen: SocketAddress(host: "::1", port: 0)!)
        let (server, address) = try running(config: config)
        defer { server.stop() }
        #expect(address.description.hasPrefix("[::1]:"))
        #expect(try MetricsTestClient.exchange(address, "GET /metrics HTTP/1.1\r\n\r\n").statusLine == "HTTP/1.1 200 OK")
    }

    static func ipv6LoopbackWorks() -> Bool {
        guard let fd = try? MetricsSocket.listen(SocketAddress(host: "::1", port: 0)!, backlog: 1) else { return false }
        Glibc.close(fd)
        return true
    }
}
