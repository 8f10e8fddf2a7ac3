import Testing
@testable import STIRCore

/// The byte-built `SIPDate.format` against the interpolated reference, and
/// back through `parse`.
@Suite struct SIPDateFormatTests {
    @Test func equalsTheInterpolatedFormEverywhere() {
        var edges: [Int64] = [0, 59, 86_399, 86_400, 951_782_400, 951_868_799, 1_443_208_345, 4_102_444_799, 4_102_444_800,
                              253_402_300_799, 253_402_300_800, -1, -86_400, -62_135_596_800, -30_610_224_000, -30_610_224_001]
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0..<50_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Years from about 1000 BC to about AD 10,500.
            edges.append(Int64(bitPattern: state >> 1) % 300_000_000_000 - 31_000_000_000)
        }
        for epoch in edges {
            #expect(SIPDate.format(epoch) == SIPDate.formatInterpolated(epoch), "epoch \(epoch)")
        }
        #expect(SIPDate.format(1_443_208_345) == "Fri, 25 Sep 2015 19:12:25 GMT")
        #expect(SIPDate.format(951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(SIPDate.format(253_402_300_800) == "Sat, 01 Jan 10000 00:00:00 GMT")
    }

    @Test func parsesBackWhatItWrites() {
        var state: UInt64 = 7
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let epoch = Int64(state >> 30) % 253_402_300_800  // 1970 to 9999
            #expect(SIPDate.parse(SIPDate.format(epoch)) == epoch)
        }
    }
}
