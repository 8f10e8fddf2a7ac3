import Testing
@testable import SIPCore

/// `SIPBytes.isPlainASCII` checks eight bytes at a time; it must answer as
/// the byte loop does for every buffer and range, whatever the alignment.
@Suite struct PlainASCIITests {
    static func reference(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        !bytes[range].contains { $0 >= 0x80 || $0 == 0x0D || $0 == 0x0A }
    }

    @Test func equalsTheByteLoopOnEveryRangeOfMixedBuffers() {
        // Bytes next to CR, LF and the high bit, where a word trick could slip.
        let special: [UInt8] = [0x0A, 0x0D, 0x0B, 0x0C, 0x0E, 0x09, 0x00, 0x01, 0x7F, 0x80, 0x8A, 0x8D, 0xFF, 0x2A, 0x41]
        var random = SplitMix64(state: 0xA5C11)
        var checked = 0
        var plain = 0
        for round in 0..<3_000 {
            let count = random.below(40)
            var bytes = (0..<count).map { _ in UInt8(0x20 + random.below(0x5F)) }
            // Most buffers get zero to two special bytes, so both answers occur.
            for _ in 0..<random.below(3) where count > 0 {
                bytes[random.below(count)] = special[random.below(special.count)]
            }
            if round % 10 == 0, count > 0 { bytes[random.below(count)] = UInt8(random.below(256)) }
            bytes.withUnsafeBufferPointer { buffer in
                for lower in 0...count {
                    for upper in lower...count {
                        let got = SIPBytes.isPlainASCII(buffer, lower..<upper)
                        if got != Self.reference(bytes, lower..<upper) {
                            Issue.record("\(bytes) \(lower)..<\(upper): \(got)")
                            return
                        }
                        if got { plain += 1 }
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 500_000)
        #expect(plain > checked / 10 && plain < checked * 9 / 10)
    }
}
