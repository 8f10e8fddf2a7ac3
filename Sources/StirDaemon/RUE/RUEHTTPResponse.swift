import Foundation

/// One response of the configuration service; JSON bodies per RFC 9248 §9.
struct RUEHTTPResponse: Equatable {
    var status: Int
    var reason: String
    var headers: [(String, String)] = []
    var body: [UInt8] = []

    static func == (a: RUEHTTPResponse, b: RUEHTTPResponse) -> Bool {
        a.status == b.status && a.body == b.body && a.headers.map { "\($0.0): \($0.1)" } == b.headers.map { "\($0.0): \($0.1)" }
    }

    static func json(_ object: [String: Any]) -> RUEHTTPResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        // A configuration carrying a password must not be kept by any cache (RFC 9111 §5.2.2.5).
        return RUEHTTPResponse(status: 200, reason: "OK", headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
                               body: Array(data))
    }

    static func error(_ status: Int, _ reason: String, _ why: String, headers: [(String, String)] = []) -> RUEHTTPResponse {
        RUEHTTPResponse(status: status, reason: reason, headers: [("Content-Type", "text/plain; charset=utf-8")] + headers,
                        body: Array((why + "\n").utf8))
    }

    /// The bytes on the wire; the connection closes after each response.
    var bytes: [UInt8] {
        var head = "HTTP/1.1 \(status) \(reason)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + body
    }
}
