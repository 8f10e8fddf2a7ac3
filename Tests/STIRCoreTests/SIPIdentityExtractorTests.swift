import Testing
@testable import STIRCore

@Suite struct SIPIdentityExtractorTests {
    @Test func takesRFC8224Section51RequestIdentities() {
        let ctx = SIPIdentityExtractor().context(
            from: "Bob <sip:12155551212@example.com;user=phone>;tag=1928301774",
            to: "Alice <sip:alice@example.com>", date: "Fri, 25 Sep 2015 19:12:25 GMT", now: 1443208345)
        #expect(ctx.originating == [.tn("12155551212")])
        #expect(ctx.destinations == [.uri("sip:alice@example.com")])
    }

    @Test func prefersPAssertedIdentityByDefaultAndListsEveryPAIValue() {
        let e = SIPIdentityExtractor()
        let ctx = e.context(from: "<sip:anonymous@anonymous.invalid>;tag=1",
                            pAssertedIdentity: ["\"Bob, Jr\" <sip:+12155551212@gw;user=phone>, <tel:+12155550000>"],
                            to: "sip:+12155550131@example.com;tag=x", date: nil, now: 0)
        #expect(ctx.originating == [.tn("12155551212"), .tn("12155550000")])
        #expect(ctx.destinations == [.tn("12155550131")])
    }

    @Test(arguments: [
        (OriginatingIdentitySource.pAssertedIdentityThenFrom, ["12155550002"]),
        (.fromThenPAssertedIdentity, ["12155550001"]),
        (.fromOnly, ["12155550001"]),
        (.pAssertedIdentityOnly, ["12155550002"]),
    ])
    func originatingSourceIsPolicy(source: OriginatingIdentitySource, expected: [String]) {
        let e = SIPIdentityExtractor(policy: .init(originatingSource: source))
        let ctx = e.context(from: "<tel:+12155550001>", pAssertedIdentity: ["<tel:+12155550002>"], to: nil, date: nil, now: 0)
        #expect(ctx.originating == expected.map { .tn($0) })
    }

    @Test func fallsBackWhenPreferredHeaderAbsent() {
        let e = SIPIdentityExtractor(policy: .init(originatingSource: .pAssertedIdentityThenFrom))
        #expect(e.context(from: "<tel:+12155550001>", to: nil, date: nil, now: 0).originating == [.tn("12155550001")])
        let only = SIPIdentityExtractor(policy: .init(originatingSource: .pAssertedIdentityOnly))
        #expect(only.context(from: "<tel:+12155550001>", to: nil, date: nil, now: 0).originating.isEmpty)
    }

    @Test func destinationSourceIsPolicy() {
        let both = SIPIdentityExtractor(policy: .init(destinationSource: .toOrRequestURI))
        let ctx = both.context(from: nil, to: "<sip:+12155550131@a>", requestURI: "sip:+12155550199@b;user=phone", date: nil, now: 0)
        #expect(ctx.destinations == [.tn("12155550131"), .tn("12155550199")])
        let ruri = SIPIdentityExtractor(policy: .init(destinationSource: .requestURI))
        #expect(ruri.context(from: nil, to: "<sip:1@a>", requestURI: "tel:+12155550199", date: nil, now: 0).destinations == [.tn("12155550199")])
    }

    @Test func parsesAddrSpecForms() {
        #expect(SIPIdentityExtractor.addrSpec("sip:a@b;tag=1") == "sip:a@b")
        #expect(SIPIdentityExtractor.addrSpec("\"x <y>\" <sip:a@b;user=phone>;tag=1") == "sip:a@b;user=phone")
        #expect(SIPIdentityExtractor.addrSpec("<sip:a@b") == nil)
        #expect(SIPIdentityExtractor.addrSpec("  ") == nil)
    }

    @Test(arguments: [
        ("Fri, 25 Sep 2015 19:12:25 GMT", Int64(1443208345)),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
        ("29 Feb 2024 23:59:59 GMT", 1709251199),
        ("Fri, 31 Dec 2399 12:00:00 GMT", 13569422400),
    ])
    func parsesAndFormatsSIPDates(text: String, epoch: Int64) {
        #expect(SIPDate.parse(text) == epoch)
        if text.contains(",") { #expect(SIPDate.format(epoch) == text) }
    }

    @Test(arguments: ["", "Fri, 25 Sep 2015 19:12:25", "Fri, 25 Sep 2015 19:12:25 PST", "Fri, 32 Sep 2015 19:12:25 GMT",
                      "Fri, 30 Feb 2015 19:12:25 GMT", "Fri, 25 Sept 2015 19:12:25 GMT", "Fri, 25 Sep 15 19:12:25 GMT",
                      "Fri, 25 Sep 2015 24:00:00 GMT", "Fri, 25 Sep 2015 1:2:3 GMT"])
    func rejectsMalformedSIPDates(text: String) {
        #expect(SIPDate.parse(text) == nil)
    }
}

/// The URI → identity cache must give what a parse gives, stay bounded and
/// step aside when the policy changes.
@Suite struct URIIdentityCacheTests {
    static let uris = [
        "sip:+12155551212@example.com;user=phone", "sip:12155551212@example.com", "tel:+1-215-555-1212",
        "sip:alice@example.com", "sips:+442071234567@gw.example.net;user=phone", "tel:911", "sip:2155551212@gw",
        "sip:%2B12155551212@example.com;user=phone", "urn:service:sos", "sip:example.com", "", "sip:@",
        "SIP:+12155551212@EXAMPLE.COM;USER=PHONE", "sip:011442071234567@gw", "sip:(215)555-1212@gw",
    ]

    @Test func cachedAnswersEqualParsedAnswers() {
        for policy in [IdentityExtractionPolicy(), IdentityExtractionPolicy(tnDetection: .strict, canonicalizer: .stepOneOnly)] {
            let extractor = SIPIdentityExtractor(policy: policy)
            for round in 0..<3 {
                for uri in Self.uris {
                    #expect(extractor.identity(ofURI: uri) == extractor.uncachedIdentity(ofURI: uri), "\(uri), round \(round)")
                }
            }
        }
    }

    @Test func aChangedPolicyIsNotAnsweredFromTheOldOne() {
        var extractor = SIPIdentityExtractor(policy: IdentityExtractionPolicy(tnDetection: .lenient))
        let uri = "sip:2155551212@gw"
        let lenient = extractor.identity(ofURI: uri)
        #expect(lenient != nil && lenient != .uri("sip:2155551212@gw"))
        extractor.policy.tnDetection = .strict
        // Strict: only user=phone makes a TN.
        #expect(extractor.identity(ofURI: uri) == .uri("sip:2155551212@gw"))
        #expect(extractor.identity(ofURI: uri) == extractor.uncachedIdentity(ofURI: uri))
    }

    @Test func theCacheStaysBounded() {
        let cache = URIIdentityCache(policy: .init())
        for i in 0..<(URIIdentityCache.capacity * 3 + 7) {
            cache.store("sip:user\(i)@example.com", .uri("sip:user\(i)@example.com"))
            #expect(cache.count <= URIIdentityCache.capacity)
        }
        #expect(cache.lookup("sip:user\(URIIdentityCache.capacity * 3 + 6)@example.com") == .some(.uri("sip:user\(URIIdentityCache.capacity * 3 + 6)@example.com")))
        // A stored nil (unusable URI) is an answer, not a miss.
        cache.store("sip:@", nil)
        #expect(cache.lookup("sip:@") == .some(nil))
        #expect(cache.lookup("sip:never@example.com") == nil)
    }
}
