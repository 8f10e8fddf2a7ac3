/// Byte-level helpers for the ASCII grammars of SIP and URIs. Working on
/// UTF-8 bytes instead of `Character`s keeps per-call cost low (no grapheme
/// breaking) on paths run for every request.
enum ASCIIBytes {
    @inline(__always)
    static func isLWS(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }

    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    @inline(__always)
    static func lower(_ c: UInt8) -> UInt8 { (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c }

    /// `bytes[range]` with ASCII letters lowercased, as a String.
    static func lowercased(_ bytes: ArraySlice<UInt8>) -> String {
        if !bytes.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: bytes.map(lower), as: UTF8.self)
    }

    /// The range of `bytes` without leading and trailing LWS.
    static func trimmed(_ bytes: [UInt8]) -> Range<Int> {
        var lo = 0
        var hi = bytes.count
        while lo < hi, isLWS(bytes[lo]) { lo += 1 }
        while hi > lo, isLWS(bytes[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    /// First index of `c` in `bytes[range]`, or nil.
    @inline(__always)
    static func firstIndex(of c: UInt8, in bytes: [UInt8], _ range: Range<Int>) -> Int? {
        var i = range.lowerBound
        while i < range.upperBound {
            if bytes[i] == c { return i }
            i += 1
        }
        return nil
    }
}

extension StringProtocol {
    /// Trims SP, HTAB, CR and LF at both ends.
    func trimmingLWS() -> String {
        let b = Array(utf8)
        guard let f = b.first, let l = b.last else { return "" }
        if !ASCIIBytes.isLWS(f) && !ASCIIBytes.isLWS(l) { return String(self) }
        return String(decoding: b[ASCIIBytes.trimmed(b)], as: UTF8.self)
    }
}
