import Testing
@testable import Crypto

@Suite struct HMACSHA256Tests {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// RFC 4231 §4.3 (test case 2) and §4.4 (test case 3), each twice from
    /// one instance: the context re-initialised with the key it holds must
    /// give the same MAC every time.
    @Test func rfc4231VectorsRepeatedOnOneInstance() throws {
        let jefe = try #require(HMACSHA256(key: Array("Jefe".utf8)))
        let aa = try #require(HMACSHA256(key: [UInt8](repeating: 0xaa, count: 20)))
        for _ in 0..<3 {
            #expect(hex(jefe.mac(Array("what do ya want for nothing?".utf8)))
                    == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
            #expect(hex(aa.mac([UInt8](repeating: 0xdd, count: 50)))
                    == "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")
        }
    }

    @Test func anEmptyKeyIsRefused() {
        #expect(HMACSHA256(key: []) == nil)
    }
}
