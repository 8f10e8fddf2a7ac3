import Dispatch
import Foundation
import SIPProxy
import Testing
@testable import StirDaemon
#if canImport(Glibc)
import Glibc
#endif

/// `GET /health` on the metrics listener, live on loopback (port 0), with
/// proxy loops stood in for by plain serial queues.
@Suite(.timeLimit(.minutes(1))) struct HealthEndpointTests {
    private static let anyPort = MetricsConfiguration(listen: SocketAddress(host: "127.0.0.1", port: 0)!)

    private func running(_ health: HealthCheck?) throws -> (MetricsServer, SocketAddress) {
        let server = MetricsServer(config: Self.anyPort, metrics: StirdMetrics(), health: health)
        try server.start()
        return (server, try #require(server.boundAddress))
    }

    private func loops(_ count: Int) -> [DispatchQueue] {
        (0..<count).map { DispatchQueue(label: "test.loop.\($0)") }
    }

    @Test func answers200WhileEveryLoopRunsTheNoOp() throws {
        let (server, address) = try running(HealthCheck(loops: loops(3)))
        defer { server.stop() }
        let reply = try MetricsTestClient.exchange(address, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(reply.statusLine == "HTTP/1.1 200 OK")
        #expect(reply.body == "serving\n")
        #expect(reply.header("Cache-Control") == "no-store")
        #expect(reply.end == .eof)
    }

    @Test func answers503OnceDrainingStarts() throws {
        let health = HealthCheck(loops: loops(2))
        let (server, address) = try running(health)
        defer { server.stop() }
        #expect(try MetricsTestClient.exchange(address, "GET /health HTTP/1.0\r\n\r\n").statusLine == "HTTP/1.1 200 OK")
        health.beginDrain()
        let reply = try MetricsTestClient.exchange(address, "GET /health HTTP/1.0\r\n\r\n")
        #expect(reply.statusLine == "HTTP/1.1 503 Service Unavailable")
        #expect(reply.body == "draining\n")
    }

    /// A stuck loop makes /health 503 after the deadline, naming the loop,
    /// and the metrics queue keeps serving scrapes meanwhile.
    @Test func answers503NamingALoopThatDoesNotRunTheNoOp() throws {
        let queues = loops(3)
        let release = DispatchSemaphore(value: 0)
        queues[1].async { release.wait() }
        defer { release.signal() }
        let (server, address) = try running(HealthCheck(loops: queues, deadline: .milliseconds(300)))
        defer { server.stop() }

        // Loop 1 stays blocked until the test ends, so a 503 naming it can
        // only come from the check's deadline; the client's read timeout is
        // a generous bound, not the thing tested.
        let waiting = try MetricsTestClient(address, timeoutSeconds: 20)
        defer { waiting.close() }
        try waiting.send("GET /health HTTP/1.0\r\n\r\n")
        // While that check waits for loop 1, a scrape is answered at once.
        let scrape = try MetricsTestClient.exchange(address, "GET /metrics HTTP/1.0\r\n\r\n")
        #expect(scrape.statusLine == "HTTP/1.1 200 OK")

        let reply = waiting.readToEnd()
        #expect(reply.statusLine == "HTTP/1.1 503 Service Unavailable")
        #expect(reply.body == "proxy loop 1 not answering\n")
    }

    @Test func headHasNoBodyAndOtherMethodsAre405() throws {
        let (server, address) = try running(HealthCheck(loops: loops(1)))
        defer { server.stop() }
        let head = try MetricsTestClient.exchange(address, "HEAD /health HTTP/1.0\r\n\r\n")
        #expect(head.statusLine == "HTTP/1.1 200 OK")
        #expect(head.header("Content-Length") == "8")
        #expect(head.body.isEmpty)
        let post = try MetricsTestClient.exchange(address, "POST /health HTTP/1.0\r\n\r\n")
        #expect(post.statusLine == "HTTP/1.1 405 Method Not Allowed")
    }

    @Test func withoutAHealthCheckThePathIs404() throws {
        let (server, address) = try running(nil)
        defer { server.stop() }
        #expect(try MetricsTestClient.exchange(address, "GET /health HTTP/1.0\r\n\r\n").statusLine == "HTTP/1.1 404 Not Found")
    }

    @Test func noLoopsMeansServing() {
        let queue = DispatchQueue(label: "test.metrics")
        let answered = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var status: HealthStatus?
        queue.async {
            HealthCheck(loops: []).check(on: queue) { status = $0; answered.signal() }
        }
        #expect(answered.wait(timeout: .now() + 10) == .success)
        #expect(status == .serving)
    }
}
