import Testing
@testable import STIRCore

@Suite struct TNCanonicalizerTests {
    let nanp = SIPIdentityExtractor(policy: .init(canonicalizer: .nanp))

    /// RFC 8224 §8.3 canonicalization (and §8.1 TN detection) with the NANP policy.
    @Test(arguments: [
        ("tel:+1-215-555-1212", "12155551212"),
        ("sip:+1(215)555.1212@gw.example.com;user=phone", "12155551212"),
        ("sip:2155551212@gw;user=phone", "12155551212"),
        ("sip:0112125551212@gw;user=phone", "2125551212"),
        ("tel:911", "911"),
        ("sip:*67+12155551212@x;user=phone", "*6712155551212"),
        ("tel:+1-215-555-1212;phone-context=example.com", "12155551212"),
        // More: RFC 4904 user parameters, national trunk prefix, sips, passwords and ports.
        ("sip:+12155551212;tgrp=TG-1;trunk-context=example.com@gw.example.com;user=phone", "12155551212"),
        ("sip:12155551212@gw.example.com", "12155551212"),
        ("sips:+1 215 555 1212@gw.example.com:5061;user=phone", "12155551212"),
        ("sip:+12155551212:secret@gw.example.com", "12155551212"),
        ("tel:+44-20-7946-0000", "442079460000"),
        ("sip:+1-215-555-1212@gw.example.com", "12155551212"),
        ("tel:#31#2155551212", "#31#2155551212"),
    ])
    func canonicalizesTelephoneNumbers(uri: String, expected: String) {
        #expect(nanp.identity(ofURI: uri) == .tn(expected))
    }

    @Test func appliesEuropeanTrunkAndInternationalPrefixes() {
        let uk = TNCanonicalizer(defaultCountryCode: "44", nationalPrefix: "0", internationalPrefixes: ["00"],
                                 nationalNumberLengths: [10])
        #expect(uk.canonicalize("020 7946 0000") == "442079460000")
        #expect(uk.canonicalize("0033 1 23 45 67 89") == "33123456789")
        #expect(uk.canonicalize("+44 (0)20") == "44020")
        #expect(uk.canonicalize("999") == "999")
    }

    @Test func appliesLocalRewriteRulesFirst() {
        let policy = TNCanonicalizer(defaultCountryCode: "1", nationalPrefix: "1", internationalPrefixes: ["011"],
                                     nationalNumberLengths: [10], rewrites: [.init(match: "*67", replacement: "")])
        #expect(policy.canonicalize("*672155551212") == "12155551212")
    }

    @Test func rejectsEmptyAndOverlongNumbers() {
        #expect(TNCanonicalizer.nanp.canonicalize("abc") == nil)
        #expect(TNCanonicalizer.nanp.canonicalize("+1234567890123456") == nil)
        var long = TNCanonicalizer.nanp
        long.maxLength = 20
        #expect(long.canonicalize("+1234567890123456") == "1234567890123456")
    }

    @Test func strictDetectionNeedsUserPhoneOrTel() {
        let strict = SIPIdentityExtractor(policy: .init(tnDetection: .strict))
        #expect(strict.identity(ofURI: "sip:+12155551212@example.com") == .uri("sip:+12155551212@example.com"))
        #expect(strict.identity(ofURI: "sip:+12155551212@example.com;user=phone") == .tn("12155551212"))
        #expect(strict.identity(ofURI: "tel:+12155551212") == .tn("12155551212"))
    }

    /// RFC 8224 §8.5 URI normalization.
    @Test(arguments: [
        ("SIP:Alice:pw@Example.COM:5061;transport=tls?x=y", "sip:alice@example.com"),
        ("sips:Bob@[2001:DB8::1]:5061", "sips:bob@[2001:db8::1]"),
        ("sip:%61lice@example.com", "sip:alice@example.com"),
        ("sip:a%2cb@example.com", "sip:a%2Cb@example.com"),
        ("sip:example.com;lr", "sip:example.com"),
        ("sip:alice@example.com", "sip:alice@example.com"),
    ])
    func normalizesNonTelephoneURIs(uri: String, expected: String) {
        #expect(nanp.identity(ofURI: uri) == .uri(expected))
    }

    @Test func ignoresUnusableURIs() {
        #expect(nanp.identity(ofURI: "") == nil)
        #expect(nanp.identity(ofURI: "no-scheme") == nil)
        #expect(nanp.identity(ofURI: "tel:") == nil)
    }
}
