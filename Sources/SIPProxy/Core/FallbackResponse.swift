/// Builds a 400 for a request libosip2 could not parse at all, from the raw
/// header lines a response needs (RFC 3261 §8.2.6.2: Via, From, To, Call-ID,
/// CSeq). Returns nil for responses, ACKs, and anything missing those
/// headers: such input is dropped, which RFC 4475 allows.
enum FallbackResponse {
    static func badRequest(_ bytes: [UInt8], reason: String) -> [UInt8]? {
        let limit = min(bytes.count, 16_384)
        // Header section only; stop at the first empty line.
        var lines: [String] = []
        var start = 0
        var i = 0
        while i < limit {
            if bytes[i] == 10 {
                var end = i
                if end > start, bytes[end - 1] == 13 { end -= 1 }
                if end == start { break }
                lines.append(String(decoding: bytes[start..<end], as: UTF8.self))
                start = i + 1
            }
            i += 1
        }
        guard let first = lines.first, !first.hasPrefix("SIP/"), !first.hasPrefix("ACK ") else { return nil }
        let wanted: [(String, Set<String>)] = [
            ("Via", ["via", "v"]), ("From", ["from", "f"]), ("To", ["to", "t"]),
            ("Call-ID", ["call-id", "i"]), ("CSeq", ["cseq"]),
        ]
        var out: [String] = []
        for (canonical, names) in wanted {
            let found = lines.dropFirst().compactMap { line -> String? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                let name = String(line[..<colon]).trimmingCharactersInSet().lowercased()
                guard names.contains(name) else { return nil }
                return "\(canonical): " + String(line[line.index(after: colon)...]).trimmingCharactersInSet()
            }
            if found.isEmpty { return nil }
            out.append(contentsOf: found)
        }
        let phrase = "Bad Request (" + String(reason.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7f }.prefix(100).map(Character.init)) + ")"
        let text = "SIP/2.0 400 \(phrase)\r\n" + out.joined(separator: "\r\n") + "\r\nContent-Length: 0\r\n\r\n"
        return Array(text.utf8)
    }
}
