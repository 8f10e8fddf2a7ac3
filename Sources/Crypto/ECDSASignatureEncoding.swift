/// Conversions between the two encodings of an ECDSA P-256 signature:
/// JWS raw `R || S` (RFC 7518 §3.4, 32 + 32 bytes) and DER
/// `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (RFC 3279 §2.2.3)
/// which OpenSSL produces and consumes.
public enum ECDSASignatureEncoding {
    /// Length of one coordinate for P-256.
    public static let coordinateLength = 32

    /// Converts a DER signature to raw 64-byte `R || S`. Strict: rejects
    /// trailing bytes, long-form lengths, negative or oversize integers.
    public static func rawFromDER(_ der: [UInt8]) -> [UInt8]? {
        var i = 0
        guard der.count >= 8, der[0] == 0x30 else { return nil }
        let seqLen = Int(der[1])
        guard seqLen < 0x80, seqLen + 2 == der.count else { return nil }
        i = 2
        var out = [UInt8](repeating: 0, count: 2 * coordinateLength)
        for part in 0..<2 {
            guard i + 2 <= der.count, der[i] == 0x02 else { return nil }
            let len = Int(der[i + 1])
            i += 2
            guard len > 0, len <= coordinateLength + 1, i + len <= der.count else { return nil }
            var start = i
            var n = len
            // A leading 0x00 is only allowed to keep the integer positive.
            if der[start] == 0x00 {
                guard n > 1, der[start + 1] & 0x80 != 0 else { return nil }
                start += 1
                n -= 1
            } else if der[start] & 0x80 != 0 {
                return nil
            }
            guard n <= coordinateLength else { return nil }
            let offset = part * coordinateLength + (coordinateLength - n)
            for k in 0..<n { out[offset + k] = der[start + k] }
            i += len
        }
        guard i == der.count else { return nil }
        return out
    }

    /// Converts raw 64-byte `R || S` to DER. Returns nil unless exactly 64 bytes.
    public static func derFromRaw(_ raw: [UInt8]) -> [UInt8]? {
        guard raw.count == 2 * coordinateLength else { return nil }
        var body: [UInt8] = []
        body.reserveCapacity(70)
        for part in 0..<2 {
            let base = part * coordinateLength
            var start = base
            let end = base + coordinateLength
            while start < end - 1 && raw[start] == 0 { start += 1 }
            let pad = raw[start] & 0x80 != 0
            body.append(0x02)
            body.append(UInt8(end - start + (pad ? 1 : 0)))
            if pad { body.append(0) }
            body.append(contentsOf: raw[start..<end])
        }
        return [0x30, UInt8(body.count)] + body
    }
}
