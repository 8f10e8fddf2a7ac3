/// Encodes a message as a delta against a reference message: runs copied
/// from the reference and literal bytes, with no entropy coding.
///
/// Lingering non-INVITE transactions keep their final response for Timer J
/// (32 s over UDP). Responses of one kind are nearly identical (the same
/// header fields, addresses and lengths; only branch, tags, Call-ID and
/// CSeq differ), so against an earlier response SIPp's 348-byte 200 OK to
/// a BYE becomes about 38 bytes: a few copies and the bytes that differ.
///
/// This replaced raw deflate with the reference as a preset dictionary
/// (zlib), which packed such a response into about 30 bytes but took about
/// 2 µs per response here, most of it spent indexing the dictionary and
/// building Huffman codes again for every message. A `Reference` is indexed
/// once, when its generation of the linger table opens, and encoding is a
/// single pass with one hash probe per unmatched byte.
///
/// Format, an op at a time until `length` bytes are produced:
/// - `0x00...0x7F` = n - 1, then n literal bytes (1 to 128);
/// - `0x80...0xFF` = 0x80 | (n - 4), then a 2-byte big-endian offset: copy n
///   bytes (4 to 131) from the reference at that offset.
enum DeltaCoder {
    /// A reference message with an index of where its 4-byte sequences
    /// start. Only its first 65,535 bytes are used (offsets are 16-bit).
    final class Reference {
        let bytes: [UInt8]
        /// Last start + 1 of each hashed 4-byte sequence; 0: none.
        fileprivate let index: [UInt16]

        fileprivate static let slotBits = 10
        fileprivate static let usable = 65_535

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            var index = [UInt16](repeating: 0, count: 1 << Reference.slotBits)
            let count = min(bytes.count, Reference.usable)
            if count >= 4 {
                bytes.withUnsafeBufferPointer { buffer in
                    index.withUnsafeMutableBufferPointer { slots in
                        for start in 0...(count - 4) {
                            slots[Reference.slot(buffer, start)] = UInt16(start + 1)
                        }
                    }
                }
            }
            self.index = index
        }

        @inline(__always)
        fileprivate static func slot(_ buffer: UnsafeBufferPointer<UInt8>, _ at: Int) -> Int {
            let word = UInt32(buffer[at]) | UInt32(buffer[at + 1]) << 8 | UInt32(buffer[at + 2]) << 16
                | UInt32(buffer[at + 3]) << 24
            return Int((word &* 2_654_435_761) >> UInt32(32 - slotBits))
        }
    }

    private static let minimumCopy = 4
    private static let maximumCopy = 131
    private static let maximumLiteral = 128

    /// `bytes` as a delta against `reference`; nil when that is not smaller.
    static func encode(_ bytes: [UInt8], against reference: Reference) -> [UInt8]? {
        let count = bytes.count
        guard count > minimumCopy else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(count / 4 + 16)
        let fits: Bool = bytes.withUnsafeBufferPointer { message in
            reference.bytes.withUnsafeBufferPointer { whole in
                reference.index.withUnsafeBufferPointer { slots in
                    let ref = UnsafeBufferPointer(rebasing: whole[0..<min(whole.count, Reference.usable)])
                    var position = 0
                    var literalStart = 0
                    // Where in the reference the next byte would be, were
                    // the message to go on as the reference does.
                    var expected = -1
                    while position + minimumCopy <= count {
                        var bestLength = 0
                        var bestStart = 0
                        if expected >= 0, expected < ref.count {
                            bestLength = matchLength(message, position, ref, expected)
                            bestStart = expected
                        }
                        if bestLength < 16 {
                            let candidate = Int(slots[Reference.slot(message, position)]) - 1
                            if candidate >= 0, candidate != expected {
                                let length = matchLength(message, position, ref, candidate)
                                if length > bestLength {
                                    bestLength = length
                                    bestStart = candidate
                                }
                            }
                        }
                        if bestLength >= minimumCopy {
                            appendLiterals(message, literalStart..<position, to: &out)
                            var remaining = bestLength
                            var from = bestStart
                            while remaining >= minimumCopy {
                                let run = min(remaining, maximumCopy)
                                out.append(0x80 | UInt8(run - minimumCopy))
                                out.append(UInt8(from >> 8))
                                out.append(UInt8(from & 0xFF))
                                from += run
                                remaining -= run
                            }
                            // A tail shorter than a copy goes out as literals.
                            position += bestLength - remaining
                            expected = from
                            literalStart = position
                            if out.count >= count { return false }
                        } else {
                            position += 1
                            if expected >= 0 { expected += 1 }
                        }
                    }
                    appendLiterals(message, literalStart..<count, to: &out)
                    return out.count < count
                }
            }
        }
        return fits ? out : nil
    }

    /// Restores what `encode` produced; nil when `data` is damaged: an op
    /// past the reference or past `length`, or bytes left over.
    static func decode(_ data: ArraySlice<UInt8>, against reference: Reference, length: Int) -> [UInt8]? {
        guard length > 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(length)
        let ref = reference.bytes.prefix(Reference.usable)
        var index = data.startIndex
        while index < data.endIndex {
            let op = data[index]
            index += 1
            if op < 0x80 {
                let run = Int(op) + 1
                guard data.endIndex - index >= run, out.count + run <= length else { return nil }
                out.append(contentsOf: data[index..<(index + run)])
                index += run
            } else {
                let run = Int(op & 0x7F) + minimumCopy
                guard data.endIndex - index >= 2 else { return nil }
                let from = Int(data[index]) << 8 | Int(data[index + 1])
                index += 2
                guard from + run <= ref.count, out.count + run <= length else { return nil }
                out.append(contentsOf: ref[from..<(from + run)])
            }
        }
        return out.count == length ? out : nil
    }

    /// Bytes in common at `message[position...]` and `ref[start...]`.
    @inline(__always)
    private static func matchLength(_ message: UnsafeBufferPointer<UInt8>, _ position: Int,
                                    _ ref: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int {
        let limit = min(message.count - position, ref.count - start)
        var length = 0
        while length < limit, message[position + length] == ref[start + length] { length += 1 }
        return length
    }

    private static func appendLiterals(_ message: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, to out: inout [UInt8]) {
        var start = range.lowerBound
        while start < range.upperBound {
            let run = min(range.upperBound - start, maximumLiteral)
            out.append(UInt8(run - 1))
            out.append(contentsOf: UnsafeBufferPointer(rebasing: message[start..<(start + run)]))
            start += run
        }
    }
}
