import Testing
@testable import StirDaemon

@Suite struct MetricsHTTPTests {
    private func head(_ text: String) -> MetricsHTTP.Head {
        MetricsHTTP.parseHead(Array(text.utf8))
    }

    @Test(arguments: [
        ("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", MetricsHTTP.Head.request(method: "GET", path: "/metrics")),
        ("GET /metrics?name[]=x HTTP/1.0\r\n\r\n", .request(method: "GET", path: "/metrics")),
        ("HEAD / HTTP/1.1\n\n", .request(method: "HEAD", path: "/")),
        ("POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", .request(method: "POST", path: "/metrics")),
        ("GET /metrics HTTP/1.1\r\nHost: x\r\n", .incomplete),
        ("GET /metr", .incomplete),
        ("", .incomplete),
        ("GET /metrics\r\n\r\n", .malformed),
        ("get /metrics HTTP/1.1\r\n\r\n", .malformed),
        ("GET metrics HTTP/1.1\r\n\r\n", .malformed),
        ("GET /metrics HTTP/2\r\n\r\n", .malformed),
        ("GET  /metrics HTTP/1.1\r\n\r\n", .malformed),
        ("\r\n\r\n", .malformed),
    ])
    func parsesTheRequestLineOnceTheHeadIsComplete(text: String, expected: MetricsHTTP.Head) {
        #expect(head(text) == expected)
    }

    private func status(_ head: MetricsHTTP.Head) -> (line: String, scraped: Bool) {
        var scraped = false
        let bytes = MetricsHTTP.response(to: head, path: "/metrics") { scraped = true; return Array("m 1\n".utf8) }
        let text = String(decoding: bytes, as: UTF8.self)
        return (String(text.split(separator: "\r\n").first ?? ""), scraped)
    }

    @Test(arguments: [
        (MetricsHTTP.Head.request(method: "GET", path: "/metrics"), "HTTP/1.1 200 OK", true),
        (.request(method: "HEAD", path: "/metrics"), "HTTP/1.1 200 OK", true),
        (.request(method: "GET", path: "/"), "HTTP/1.1 404 Not Found", false),
        (.request(method: "POST", path: "/other"), "HTTP/1.1 404 Not Found", false),
        (.request(method: "POST", path: "/metrics"), "HTTP/1.1 405 Method Not Allowed", false),
        (.request(method: "DELETE", path: "/metrics"), "HTTP/1.1 405 Method Not Allowed", false),
        (.malformed, "HTTP/1.1 400 Bad Request", false),
    ])
    func mapsRequestsToStatusAndScrapesOnlyWhenServing(head: MetricsHTTP.Head, line: String, scrapes: Bool) {
        let result = status(head)
        #expect(result.line == line)
        #expect(result.scraped == scrapes)
    }

    @Test func getCarriesTheBodyAndHeadOnlyItsLength() {
        let body = Array("m 1\n".utf8)
        let get = String(decoding: MetricsHTTP.response(to: .request(method: "GET", path: "/metrics"), path: "/metrics") { body },
                         as: UTF8.self)
        let head = String(decoding: MetricsHTTP.response(to: .request(method: "HEAD", path: "/metrics"), path: "/metrics") { body },
                          as: UTF8.self)
        let headers = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            + "Content-Length: 4\r\nConnection: close\r\n\r\n"
        #expect(get == headers + "m 1\n")
        #expect(head == headers)
    }

    @Test func methodNotAllowedListsTheAllowedMethods() {
        let text = String(decoding: MetricsHTTP.response(to: .request(method: "PUT", path: "/metrics"), path: "/metrics") { [] },
                          as: UTF8.self)
        #expect(text.contains("\r\nAllow: GET, HEAD\r\n"))
    }
}
