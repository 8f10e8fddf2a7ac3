/// base64url without padding (RFC 4648 §5; RFC 7515 §2 "Base64url Encoding"),
/// as used by every PASSporT segment (RFC 8225 §6–7).
///
/// Decoding is strict: padding (`=`), the standard-alphabet `+` and `/`,
/// whitespace, or a length of 1 mod 4 are rejected, and so are non-zero
/// unused trailing bits (so every token has exactly one encoding).
public enum Base64URL {
    /// Alphabet value → ASCII (RFC 4648 Table 2), computed rather than
    /// looked up so the hot loop touches no global state.
    @inline(__always)
    private static func symbol(_ v: UInt8) -> UInt8 {
        switch v {
        case 0..<26: return v &+ 65          // A-Z
        case 26..<52: return v &+ 71         // a-z
        case 52..<62: return v &- 4          // 0-9
        case 62: return 45                   // -
        default: return 95                   // _
        }
    }

    /// ASCII → alphabet value, or 0xFF for anything outside the alphabet.
    @inline(__always)
    private static func value(_ c: UInt8) -> UInt8 {
        switch c {
        case 65...90: return c &- 65
        case 97...122: return c &- 71
        case 48...57: return c &+ 4
        case 45: return 62
        case 95: return 63
        default: return 0xFF
        }
    }

    /// Encodes `bytes` without padding.
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(decoding: encodeToBytes(bytes), as: UTF8.self)
    }

    /// Encodes `bytes` without padding, returning ASCII bytes.
    public static func encodeToBytes<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var it = bytes.makeIterator()
        while let b0 = it.next() {
            let b1 = it.next()
            let b2 = b1 == nil ? nil : it.next()
            out.append(symbol(b0 >> 2))
            out.append(symbol((b0 & 0x03) << 4 | (b1 ?? 0) >> 4))
            if let b1 {
                out.append(symbol((b1 & 0x0F) << 2 | (b2 ?? 0) >> 6))
                if let b2 { out.append(symbol(b2 & 0x3F)) }
            }
        }
        return out
    }

    /// Decodes unpadded base64url text; nil on any invalid input.
    public static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        var copy = Array(text.utf8)
        return copy.withUnsafeMutableBufferPointer { decode(bytes: UnsafeBufferPointer($0)) }
    }

    /// Decodes unpadded base64url from ASCII bytes; nil on any invalid input.
    public static func decode(bytes input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let n = input.count
        if n % 4 == 1 { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(n * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in input {
            let v = value(c)
            if v == 0xFF { return nil }
            acc = (acc << 6) | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
                acc &= (1 << UInt32(bits)) - 1
            }
        }
        // Leftover bits must be zero (RFC 4648 §3.5 canonical encoding).
        if acc != 0 { return nil }
        return out
    }

    /// Decodes a slice of an array of ASCII bytes.
    public static func decode(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        bytes.withUnsafeBufferPointer { decode(bytes: $0) }
    }
}
