import Testing
@testable import Crypto

@Suite struct RandomUUIDTests {
    @Test func formatSetsVersionAndVariantBits() {
        #expect(RandomUUID.format([UInt8](repeating: 0xFF, count: 16)) == "ffffffff-ffff-4fff-bfff-ffffffffffff")
        #expect(RandomUUID.format([UInt8](repeating: 0x00, count: 16)) == "00000000-0000-4000-8000-000000000000")
        #expect(RandomUUID.format(Array(0..<16)) == "00010203-0405-4607-8809-0a0b0c0d0e0f")
    }

    @Test func madeUUIDsAreVersion4AndDistinct() {
        var seen = Set<String>()
        for _ in 0..<1_000 {
            let u = RandomUUID.make()
            let chars = Array(u)
            #expect(u.split(separator: "-", omittingEmptySubsequences: false).map(\.count) == [8, 4, 4, 4, 12], "\(u)")
            #expect(u.allSatisfy { "0123456789abcdef-".contains($0) }, "\(u)")
            #expect(chars[14] == "4", "\(u)")
            #expect("89ab".contains(chars[19]), "\(u)")
            seen.insert(u)
        }
        #expect(seen.count == 1_000)
    }
}
