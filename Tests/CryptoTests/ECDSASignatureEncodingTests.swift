import Testing
@testable import Crypto

@Suite struct ECDSASignatureEncodingTests {
    @Test func roundTripsHighBitAndLeadingZeroCoordinates() {
        var raw = [UInt8](repeating: 0, count: 64)
        raw[0] = 0x80          // R needs a 0x00 pad in DER
        raw[31] = 1
        raw[34] = 0x01         // S has two leading zero bytes
        raw[63] = 0x7F
        let der = ECDSASignatureEncoding.derFromRaw(raw)!
        #expect(der[0] == 0x30)
        #expect(der[3] == 33 && der[4] == 0)
        #expect(ECDSASignatureEncoding.rawFromDER(der) == raw)
    }

    @Test func rejectsMalformedDER() {
        #expect(ECDSASignatureEncoding.rawFromDER([]) == nil)
        #expect(ECDSASignatureEncoding.rawFromDER([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00]) == nil) // trailing
        #expect(ECDSASignatureEncoding.rawFromDER([0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01]) == nil) // negative
        #expect(ECDSASignatureEncoding.rawFromDER([0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01]) == nil) // needless pad
        #expect(ECDSASignatureEncoding.rawFromDER([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]) != nil)
        #expect(ECDSASignatureEncoding.derFromRaw([UInt8](repeating: 1, count: 63)) == nil)
    }
}
