import Testing
@testable import Certificates

@Suite struct TNAuthListTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    // DER built from the RFC 8226 Appendix A module (EXPLICIT tags).
    @Test(arguments: [
        ("3008a006160431323334", [TNAuthList.Entry.spc("1234")]),
        ("300fa20d160b3132313535353531323132", [.one("12155551212")]),
        ("3015a1133011160b3132313535353531303030020203e8", [.range(start: "12155551000", count: 1000)]),
        ("302ca00616043730394aa1133011160b3132313535353531303030020203e8a20d160b3132313535353531323132",
         [.spc("709J"), .range(start: "12155551000", count: 1000), .one("12155551212")]),
    ])
    func decodesSpecVectors(hex: String, entries: [TNAuthList.Entry]) throws {
        #expect(try TNAuthList(der: Self.bytes(hex)).entries == entries)
    }

    @Test func rangeCoversItsSpanAtSameLength() throws {
        let list = try TNAuthList(entries: [.range(start: "12155551000", count: 1000)])
        #expect(list.covers(tn: "12155551000"))
        #expect(list.covers(tn: "12155551999"))
        #expect(!list.covers(tn: "12155552000"))
        #expect(!list.covers(tn: "12155550999"))
        #expect(!list.covers(tn: "121555519990"))
        #expect(!list.covers(tn: "1215555199"))
    }

    @Test func oneMatchesExactlyAndSPCCoversAll() throws {
        let one = try TNAuthList(entries: [.one("12155551212")])
        #expect(one.covers(tn: "12155551212"))
        #expect(!one.covers(tn: "12155551213"))
        #expect(one.spc == nil)
        let spc = try TNAuthList(entries: [.spc("1234")])
        #expect(spc.covers(tn: "15555550100"))
        #expect(spc.spc == "1234")
    }

    @Test func rejectsRangeThatChangesLength() {
        #expect(throws: DERError.self) { try TNAuthList(entries: [.range(start: "10", count: 91)]) }
        #expect(throws: DERError.self) { try TNAuthList(entries: [.range(start: "10", count: 1)]) }
        #expect(throws: DERError.self) { try TNAuthList(entries: [.range(start: "1*", count: 5)]) }
        #expect((try? TNAuthList(entries: [.range(start: "10", count: 90)])) != nil)
    }

    @Test(arguments: [
        "", "3000", "3008a006160431323334ff", "3008a306160431323334", "3008a0061604313233", "0408a006160431323334",
        "300fa20d160b31323135353535313231ff",
    ])
    func rejectsMalformedDER(hex: String) {
        #expect(throws: DERError.self) { try TNAuthList(der: Self.bytes(hex)) }
    }
}
