import Testing
@testable import STIRCore

@Suite struct IdentityHeaderTests {
    @Test func parsesFullFormWithAllParameters() throws {
        let h = try IdentityHeader.parse("\(Vectors.shakenDerived);info=<https://cert.example.org/passport.cer>;alg=ES256;ppt=shaken")
        #expect(h.token == Vectors.shakenDerived)
        #expect(h.info == "https://cert.example.org/passport.cer")
        #expect(h.alg == "ES256")
        #expect(h.ppt == "shaken")
        #expect(!h.isCompact)
    }

    @Test func parsesCompactFormAndDefaultsAlg() throws {
        let h = try IdentityHeader.parse("..\(Vectors.rfc8224CompactSignature);info=<https://cert.example.org/passport.cer>")
        #expect(h.isCompact)
        #expect(h.alg == nil)
        #expect(h.effectiveAlg == "ES256")
    }

    @Test func acceptsQuotedPptWhitespaceAndExtensionParams() throws {
        let h = try IdentityHeader.parse(" abc.def.ghi ;\tINFO = <https://www.example.com/cert.cer> ; ppt=\"div\" ;x=1;flag ")
        #expect(h.ppt == "div")
        #expect(h.info == "https://www.example.com/cert.cer")
        #expect(h.parameters == [.init(name: "x", value: "1"), .init(name: "flag", value: nil)])
    }

    @Test func acceptsCompactHeaderNameY() {
        #expect(IdentityHeader.isHeaderName("y"))
        #expect(IdentityHeader.isHeaderName("Identity"))
        #expect(IdentityHeader.isHeaderName("IDENTITY"))
        #expect(!IdentityHeader.isHeaderName("Identity-Info"))
    }

    @Test func formatsAndReparsesByteForByte() throws {
        let h = IdentityHeader(token: "a.b.c", info: "https://x.example/c.pem", alg: "ES256", ppt: "shaken")
        #expect(h.formatted == "a.b.c;info=<https://x.example/c.pem>;alg=ES256;ppt=shaken")
        #expect(try IdentityHeader.parse(h.formatted) == h)
    }

    @Test(arguments: [
        ("", IdentityHeaderError.empty),
        ("   ", .empty),
        ("a.b.c", .missingInfo),
        ("a.b.c;alg=ES256", .missingInfo),
        ("a.b.c;info=https://x/y", .invalidInfo),
        ("a.b.c;info=<relative/path>", .invalidInfo),
        ("a.b.c;info=<https://x/y", .malformedParameter(offset: 11)),
        ("a.b.c;info=<https://x/y>;info=<https://x/z>", .duplicateParameter("info")),
        ("a.b.c;info=<https://x/y>;ppt=shaken;ppt=div", .duplicateParameter("ppt")),
        ("a.b.c;info=<https://x/y>;ppt=", .malformedParameter(offset: 29)),
        ("a.b.c;info=<https://x/y>;ppt=\"div", .malformedParameter(offset: 29)),
        ("a.b!c;info=<https://x/y>", .invalidCharacter(offset: 3)),
        ("a.b.c info=<https://x/y>", .invalidCharacter(offset: 6)),
        ("a.b.c;;info=<https://x/y>", .malformedParameter(offset: 6)),
        (";info=<https://x/y>", .invalidCharacter(offset: 0)),
    ])
    func rejectsMalformedValues(text: String, error: IdentityHeaderError) {
        #expect(throws: error) { try IdentityHeader.parse(text) }
    }

    @Test func rejectsOverlongValues() {
        let long = String(repeating: "a", count: 20_000) + ";info=<https://x/y>"
        #expect(throws: IdentityHeaderError.tooLong) { try IdentityHeader.parse(long) }
    }
}
