/// The little HTTP/1.1 the metrics endpoint speaks (RFC 9112): read one
/// request head, answer, close. No keep-alive, no request bodies, no chunking.
enum MetricsHTTP {
    /// Prometheus' text exposition format (version 0.0.4).
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// What the bytes received so far amount to.
    enum Head: Equatable {
        /// The blank line that ends the head has not arrived yet.
        case incomplete
        /// Request line parsed; `path` is the target without its query.
        case request(method: String, path: String)
        /// Not an HTTP/1.x request line: answered 400.
        case malformed
    }

    /// Looks for the end of the head (CRLF CRLF, or bare LF LF as RFC 9112
    /// §2.2 allows a recipient to accept) and parses the request line.
    /// Header fields are not needed to answer, so they are not parsed.
    static func parseHead(_ bytes: [UInt8]) -> Head {
        guard let end = headEnd(bytes) else { return .incomplete }
        let firstLine = bytes[..<end].split(separator: UInt8(ascii: "\n"), maxSplits: 1,
                                            omittingEmptySubsequences: false).first ?? []
        var line = String(decoding: firstLine, as: UTF8.self)
        if line.hasSuffix("\r") { line.removeLast() }
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1."),
              !parts[0].isEmpty, parts[0].allSatisfy({ ("A"..."Z").contains($0) }),
              parts[1].hasPrefix("/") else { return .malformed }
        let path = parts[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return .request(method: String(parts[0]), path: String(path))
    }

    /// Index just past the head's terminating blank line, if present.
    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        let lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var index = 0
        while index < bytes.count {
            if bytes[index] == lf {
                if index + 1 < bytes.count, bytes[index + 1] == lf { return index + 2 }
                if index + 2 < bytes.count, bytes[index + 1] == cr, bytes[index + 2] == lf { return index + 3 }
            }
            index += 1
        }
        return nil
    }

    /// The full response for a parsed head: 200 with `body()` for GET/HEAD on
    /// `path`, 404 for any other path, 405 for other methods, 400 when malformed.
    /// `body` is only evaluated when it is sent, so a 404 costs no scrape.
    static func response(to head: Head, path: String, body: () -> [UInt8]) -> [UInt8] {
        switch head {
        case .incomplete, .malformed:
            return response(400, "Bad Request")
        case .request(_, let target) where target != path:
            return response(404, "Not Found")
        case .request(let method, _) where method != "GET" && method != "HEAD":
            return response(405, "Method Not Allowed", extraHeaders: "Allow: GET, HEAD\r\n")
        case .request(let method, _):
            let content = body()
            // HEAD gets GET's headers, Content-Length included, and no body (RFC 9110 §9.3.2).
            return response(200, "OK", contentType: contentType, body: content, sendBody: method == "GET")
        }
    }

    /// The readiness path, served beside the metrics path when the server
    /// has a `HealthCheck`.
    static let healthPath = "/health"

    /// The method of a request for `healthPath`, nil for anything else.
    static func healthRequestMethod(_ head: Head) -> String? {
        guard case .request(let method, let target) = head, target == healthPath else { return nil }
        return method
    }

    /// The answer to `method` on `healthPath` when the check found `status`:
    /// 200 `serving`, 503 `draining` or `proxy loop N not answering`; 405
    /// for methods other than GET and HEAD. `Cache-Control: no-store`, since
    /// an old answer is a wrong one.
    static func healthResponse(method: String, status: HealthStatus) -> [UInt8] {
        guard method == "GET" || method == "HEAD" else {
            return response(405, "Method Not Allowed", extraHeaders: "Allow: GET, HEAD\r\n")
        }
        let code: Int, reason: String, text: String
        switch status {
        case .serving:
            (code, reason, text) = (200, "OK", "serving")
        case .draining:
            (code, reason, text) = (503, "Service Unavailable", "draining")
        case .loopsNotAnswering(let loops):
            (code, reason, text) = (503, "Service Unavailable",
                                    "proxy loop \(loops.map(String.init).joined(separator: ", ")) not answering")
        }
        return response(code, reason, extraHeaders: "Cache-Control: no-store\r\n",
                        body: Array((text + "\n").utf8), sendBody: method == "GET")
    }

    /// A complete response with `Connection: close`.
    static func response(_ status: Int, _ reason: String, contentType: String = "text/plain; charset=utf-8",
                         extraHeaders: String = "", body: [UInt8]? = nil, sendBody: Bool = true) -> [UInt8] {
        let content = body ?? Array("\(status) \(reason)\n".utf8)
        var out = Array(("HTTP/1.1 \(status) \(reason)\r\n"
            + "Content-Type: \(contentType)\r\n"
            + "Content-Length: \(content.count)\r\n"
            + extraHeaders
            + "Connection: close\r\n\r\n").utf8)
        if sendBody { out += content }
        return out
    }
}
