import Foundation

/// The head of one HTTP/1.1 request to the configuration service
/// (RFC 9112 §3): method, path, query parameters and header fields. No
/// body is read: both operations are GETs (RFC 9248 §9).
struct RUEHTTPRequest: Equatable {
    var method: String
    var path: String
    /// Decoded query parameters; a repeated name keeps its first value.
    var query: [String: String]
    /// Field names lower-cased; a repeated field keeps its first value.
    var headers: [String: String]

    /// The head in `bytes` (up to and without the blank line); nil when it is
    /// not a request line followed by header fields.
    static func parse(_ bytes: [UInt8]) -> RUEHTTPRequest? {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        guard !lines.isEmpty else { return nil }
        let start = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard start.count == 3, start[2].hasPrefix("HTTP/1."), !start[0].isEmpty, start[1].hasPrefix("/") else { return nil }
        var headers: [String: String] = [:]
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].lowercased()
            if headers[name] == nil { headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        let target = String(start[1])
        var path = target
        var query: [String: String] = [:]
        if let q = target.firstIndex(of: "?") {
            path = String(target[..<q])
            for pair in target[target.index(after: q)...].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                func decode(_ s: Substring) -> String { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
                let name = decode(kv[0])
                if query[name] == nil { query[name] = kv.count > 1 ? decode(kv[1]) : "" }
            }
        }
        return RUEHTTPRequest(method: String(start[0]), path: path, query: query, headers: headers)
    }

    /// The index just past the blank line ending the head, if received.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 3..<bytes.count where bytes[i] == 10 && bytes[i - 1] == 13 && bytes[i - 2] == 10 && bytes[i - 3] == 13 { return i + 1 }
        return nil
    }
}
