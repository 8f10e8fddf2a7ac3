import Testing
@testable import SIPCore

/// `FieldNames` looks names up from their bytes; every answer must equal
/// the String route (`Reference.key`: lowercase, then expand a compact
/// form) and its kind, and a shared usual spelling is handed out only for
/// a name written exactly that way.
@Suite struct FieldNamesTests {
    static func key(_ name: String) -> (String, SIPHeaderField.Kind) {
        Array(name.utf8).withUnsafeBufferPointer { SIPHeaderField.key(forName: $0) }
    }

    static func find(_ name: String) -> (index: Int, usual: Bool)? {
        Array(name.utf8).withUnsafeBufferPointer { FieldNames.shared.find($0) }
    }

    static func expect(_ name: String, _ sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = Reference.key(name)
        let (key, kind) = key(name)
        #expect(key == expected, "\(name)", sourceLocation: sourceLocation)
        #expect(kind == SIPHeaderField.Kind(key: expected), "\(name)", sourceLocation: sourceLocation)
    }

    @Test func everyKnownNameInEveryCaseMapsToItsKey() {
        var random = SplitMix64(state: 0xF1E1D)
        for (usual, key) in FieldNames.names {
            #expect(Self.find(usual).map { FieldNames.shared.entries[$0.index].key } == key)
            #expect(Self.find(usual)?.usual == true, "\(usual)")
            #expect(Self.find(key)?.usual == (key == usual), "\(key)")
            for _ in 0..<20 {
                let variant = String(usual.map { random.below(2) == 0 ? Character($0.lowercased()) : Character($0.uppercased()) })
                Self.expect(variant)
                #expect(Self.find(variant)?.usual == (variant == usual), "\(variant)")
            }
        }
        for letter in "abcdefghijklmnopqrstuvwxyz" {
            Self.expect(String(letter))
            Self.expect(String(letter).uppercased())
            let known = FieldNames.compactForms[String(letter)] != nil
            #expect((Self.find(String(letter)) != nil) == known, "\(letter)")
            #expect(Self.find(String(letter))?.usual ?? known == known)
            #expect(Self.find(String(letter).uppercased())?.usual != true)
        }
    }

    /// Near misses share a slot, a length or a prefix with a known name:
    /// one byte changed, dropped or added, and names of the same length and
    /// first and last letters ("call-id" and "contact" collide that way).
    @Test func nearMissesAndOtherNamesGetTheirOwnLowercaseKey() {
        var random = SplitMix64(state: 0x5107)
        let tokenBytes = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~".utf8)
        var checked = 0
        for (usual, _) in FieldNames.names {
            for _ in 0..<200 {
                var bytes = Array(usual.utf8)
                switch random.below(3) {
                case 0: bytes[random.below(bytes.count)] = tokenBytes[random.below(tokenBytes.count)]
                case 1: bytes.remove(at: random.below(bytes.count))
                default: bytes.insert(tokenBytes[random.below(tokenBytes.count)], at: random.below(bytes.count + 1))
                }
                guard !bytes.isEmpty else { continue }
                Self.expect(String(decoding: bytes, as: UTF8.self))
                checked += 1
            }
        }
        for name in ["call-ix", "cxntact", "c-----t", "X-Custom", "Diversion", "History-Info", "P-Charge-Info", "Reason",
                     "Accept", "Event", "vias", "Vi", "T", "!", "~", "Contact-", "Identity-Info"] {
            Self.expect(name)
        }
        #expect(checked > 4_000)
    }

    /// Parsed fields take the shared spelling only when the bytes are that
    /// spelling; otherwise the name is kept as written.
    @Test func parsedFieldsKeepTheNameAsWritten() throws {
        let text = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\ncall-id: 1\r\nCSEQ: 1 OPTIONS\r\n"
            + "From: <sip:a@b>;tag=1\r\nt: <sip:a@b>\r\nMax-Forwards: 70\r\nX-Other: 1\r\nl: 0\r\n\r\n"
        let message = try SIPMessage.parse(Array(text.utf8))
        #expect(message.fields.map(\.name) == ["Via", "call-id", "CSEQ", "From", "t", "Max-Forwards", "X-Other", "l"])
        #expect(message.fields.map(\.key) == ["via", "call-id", "cseq", "from", "to", "max-forwards", "x-other", "content-length"])
        #expect(message.fields.map(\.kind) == [.via, .callID, .cseq, .from, .to, .maxForwards, .other, .contentLength])
    }
}
