extension PASSporTClaims.MediaKey {
    /// The `mky` value for an SDP body (RFC 8225 §5.2.2; RFC 8224 §4.1):
    /// one entry per `a=fingerprint:` line (session or media level), `alg`
    /// lowercased, `dig` as uppercase hex without colons, sorted by the UTF-8
    /// of `alg` then `dig`, duplicates removed. Empty when SDP has none.
    public static func fromSDP(_ sdp: String) -> [PASSporTClaims.MediaKey] {
        var keys = Set<[String]>()
        for rawLine in sdp.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingLWS()
            guard line.utf8.starts(with: "a=fingerprint:".utf8) else { continue }
            let value = line.dropFirst("a=fingerprint:".count)
            let parts = value.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count == 2 else { continue }
            let dig = String(decoding: parts[1].utf8.filter { $0 != UInt8(ascii: ":") }.map { c in
                (c >= 0x61 && c <= 0x7A) ? c - 0x20 : c
            }, as: UTF8.self)
            guard !dig.isEmpty else { continue }
            keys.insert([ASCIIBytes.lowercased(Array(parts[0].utf8)[...]), dig])
        }
        return keys.sorted { a, b in
            a[0] == b[0] ? a[1].utf8.lexicographicallyPrecedes(b[1].utf8) : a[0].utf8.lexicographicallyPrecedes(b[0].utf8)
        }.map { PASSporTClaims.MediaKey(alg: $0[0], dig: $0[1]) }
    }
}
