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
        if let encoded = bytes.withContiguousStorageIfAvailable({ encode(buffer: $0) }) { return encoded }
        return Array(bytes).withUnsafeBufferPointer { encode(buffer: $0) }
    }

    /// Three bytes at a time into a buffer sized up front (a payload is
    /// encoded for every call signed).
    private static func encode(buffer input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let n = input.count
        let tail = n % 3
        let outCount = n / 3 * 4 + (tail == 0 ? 0 : tail + 1)
        return [UInt8](unsafeUninitializedCapacity: outCount) { out, initialized in
            var i = 0
            var o = 0
            while i + 3 <= n {
                let b0 = input[i], b1 = input[i + 1], b2 = input[i + 2]
                out[o] = symbol(b0 >> 2)
                out[o + 1] = symbol((b0 & 0x03) << 4 | b1 >> 4)
                out[o + 2] = symbol((b1 & 0x0F) << 2 | b2 >> 6)
                out[o + 3] = symbol(b2 & 0x3F)
                i += 3
                o += 4
            }
            if tail > 0 {
                let b0 = input[i]
                let b1: UInt8 = tail == 2 ? input[i + 1] : 0
                out[o] = symbol(b0 >> 2)
                out[o + 1] = symbol((b0 & 0x03) << 4 | b1 >> 4)
                if tail == 2 { out[o + 2] = symbol((b1 & 0x0F) << 2) }
            }
            initialized = outCount
        }
    }

    /// Decodes unpadded base64url text; nil on any invalid input.
    public static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        var copy = Array(text.utf8)
        return copy.withUnsafeMutableBufferPointer { decode(bytes: UnsafeBufferPointer($0)) }
    }

    /// Decodes unpadded base64url from ASCII bytes; nil on any invalid input.
    public static func decode(bytes input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let n = input.count
        let tail = n % 4
        if tail == 1 { return nil }
        let outCount = n / 4 * 3 + (tail == 0 ? 0 : tail - 1)
        var ok = true
        let out = [UInt8](unsafeUninitializedCapacity: outCount) { buf, initialized in
            var i = 0
            var o = 0
            // Whole quanta: 4 symbols → 3 bytes; any invalid symbol sets a high bit.
            while i + 4 <= n {
                let a = UInt32(value(input[i])), b = UInt32(value(input[i + 1]))
                let c = UInt32(value(input[i + 2])), d = UInt32(value(input[i + 3]))
                if (a | b | c | d) & 0x80 != 0 { ok = false; break }
                let v = a << 18 | b << 12 | c << 6 | d
                buf[o] = UInt8(truncatingIfNeeded: v >> 16)
                buf[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                buf[o + 2] = UInt8(truncatingIfNeeded: v)
                i += 4
                o += 3
            }
            if ok && tail >= 2 {
                let a = UInt32(value(input[i])), b = UInt32(value(input[i + 1]))
                let c = tail == 3 ? UInt32(value(input[i + 2])) : 0
                // Unused trailing bits must be zero (RFC 4648 §3.5 canonical encoding).
                if (a | b | c) & 0x80 != 0 || (tail == 2 && b & 0x0F != 0) || (tail == 3 && c & 0x03 != 0) {
                    ok = false
                } else {
                    let v = a << 18 | b << 12 | c << 6
                    buf[o] = UInt8(truncatingIfNeeded: v >> 16)
                    o += 1
                    if tail == 3 {
                        buf[o] = UInt8(truncatingIfNeeded: v >> 8)
                        o += 1
                    }
                }
            }
            // Fill on failure too, so the buffer is fully initialized.
            while o < outCount {
                buf[o] = 0
                o += 1
            }
            initialized = outCount
        }
        return ok ? out : nil
    }

    /// Decodes a slice of an array of ASCII bytes.
    public static func decode(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        bytes.withUnsafeBufferPointer { decode(bytes: $0) }
    }
}
