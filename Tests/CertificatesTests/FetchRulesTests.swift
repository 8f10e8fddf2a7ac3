import Foundation
import Testing
@testable import Certificates

@Suite struct FetchRulesTests {
    @Test(arguments: [
        ([127, 0, 0, 1], true), ([10, 1, 2, 3], true), ([172, 31, 255, 255], true), ([172, 32, 0, 1], false),
        ([192, 168, 1, 1], true), ([169, 254, 169, 254], true), ([100, 64, 0, 1], true), ([100, 128, 0, 1], false),
        ([0, 0, 0, 0], true), ([224, 0, 0, 1], true), ([255, 255, 255, 255], true), ([198, 18, 0, 1], true),
        ([192, 0, 2, 7], true), ([8, 8, 8, 8], false), ([93, 184, 216, 34], false),
    ] as [([UInt8], Bool)])
    func classifiesIPv4(address: [UInt8], special: Bool) {
        #expect(SpecialPurposeAddress.isSpecialPurpose(address) == special)
    }

    static func v6(_ text: String) -> [UInt8] {
        var storage = in6_addr()
        precondition(inet_pton(AF_INET6, text, &storage) == 1)
        return withUnsafeBytes(of: &storage) { Array($0) }
    }

    @Test(arguments: [
        ("::1", true), ("::", true), ("fe80::1", true), ("fd00::1", true), ("ff02::1", true), ("2001:db8::1", true),
        ("::ffff:127.0.0.1", true), ("::ffff:8.8.8.8", false), ("64:ff9b::808:808", true), ("2002::1", true),
        ("2607:f8b0:4004:800::200e", false), ("2001:4860::8888", false),
    ])
    func classifiesIPv6(address: String, special: Bool) {
        #expect(SpecialPurposeAddress.isSpecialPurpose(Self.v6(address)) == special)
    }

    /// Refusal messages name the address as an operator writes it.
    @Test(arguments: [
        ("::1", "::1"), ("fe80::1", "fe80::1"), ("2001:db8::1", "2001:db8::1"), ("fd00:0:0:1::", "fd00:0:0:1::"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("FF02:0000:0000:0000:0000:0000:0000:0001", "ff02::1"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1"), ("::", "::"),
    ])
    func printsIPv6InRFC5952Form(address: String, expected: String) {
        #expect(SpecialPurposeAddress.text(Self.v6(address)) == expected)
    }

    @Test func printsIPv4DottedDecimal() {
        #expect(SpecialPurposeAddress.text([127, 0, 0, 1]) == "127.0.0.1")
        #expect(SpecialPurposeAddress.text([169, 254, 169, 254]) == "169.254.169.254")
    }

    @Test(arguments: [
        ("https://cr.example.net/sp.pem", true), ("https://cr.example.net:8443/sp.pem", true),
        ("https://cr.example.net:443/a/b.pem", true), ("http://cr.example.net/sp.pem", false),
        ("https://cr.example.net:8080/sp.pem", false), ("https://cr.example.net/sp.pem?x=1", false),
        ("https://u:p@cr.example.net/sp.pem", false), ("https://cr.example.net/sp.pem#a", false),
        ("https://cr.example.net/sp.pem;type=a", false), ("cr.example.net/sp.pem", false), ("", false),
    ])
    func appliesX5UURLRules(url: String, allowed: Bool) {
        #expect((X5UURLPolicy().violation(url) == nil) == allowed)
    }

    @Test func httpCanBeAllowedExplicitly() {
        var policy = X5UURLPolicy()
        policy.schemes.insert("http")
        policy.ports.insert(80)
        #expect(policy.violation("http://cr.example.net/sp.pem") == nil)
    }

    @Test func freshnessFromHeaders() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(HTTPFreshness.lifetime(headers: [:], now: now) == nil)
        #expect(HTTPFreshness.lifetime(headers: ["cache-control": "public, max-age=3600"], now: now) == 3600)
        #expect(HTTPFreshness.lifetime(headers: ["cache-control": "max-age=3600, s-maxage=60"], now: now) == 60)
        #expect(HTTPFreshness.lifetime(headers: ["cache-control": "no-store"], now: now) == 0)
        #expect(HTTPFreshness.lifetime(headers: ["expires": "Sun, 06 Nov 1994 09:49:37 GMT",
                                                 "date": "Sun, 06 Nov 1994 08:49:37 GMT"], now: now) == 3600)
        #expect(HTTPFreshness.lifetime(headers: ["expires": "0"], now: now) == 0)
        #expect(HTTPFreshness.lifetime(headers: ["cache-control": "max-age=10", "expires": "0"], now: now) == 10)
    }

    @Test func lruEvictsLeastRecentlyUsed() {
        var cache = LRUCache<String, Int>(capacity: 3)
        cache.set("a", 1); cache.set("b", 2); cache.set("c", 3)
        #expect(cache.get("a") == 1)  // a is now most recent
        cache.set("d", 4)             // evicts b
        #expect(cache.peek("b") == nil)
        #expect(cache.elements.map(\.key) == ["d", "a", "c"])
        #expect(cache.evictions == 1)
        cache.remove("a")
        cache.set("e", 5)
        #expect(cache.count == 3)
        #expect(cache.elements.map(\.key) == ["e", "d", "c"])
    }
}
