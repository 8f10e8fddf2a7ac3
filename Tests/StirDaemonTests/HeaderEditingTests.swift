import SIPCore
import STIRCore
import Testing
@testable import StirDaemon

@Suite struct HeaderEditingTests {
    @Test(arguments: [
        ("<sip:+12155551212@example.com;user=phone>;tag=1", "<sip:+12155551212;verstat=TN-Validation-Passed@example.com;user=phone>;tag=1"),
        ("\"Al, <x>\" <tel:+12155551212>", "\"Al, <x>\" <tel:+12155551212;verstat=TN-Validation-Passed>"),
        ("<sip:+12155551212;verstat=TN-Validation-Failed@example.com>", "<sip:+12155551212;verstat=TN-Validation-Passed@example.com>"),
        ("sip:+12155551212@example.com;tag=9", "<sip:+12155551212;verstat=TN-Validation-Passed@example.com>;tag=9"),
        ("<sip:example.com>", "<sip:example.com>"),
        ("<sip:+1215@a>, <tel:+1215>", "<sip:+1215;verstat=TN-Validation-Passed@a>, <tel:+1215;verstat=TN-Validation-Passed>"),
    ])
    func verstatIsPlacedInTheUserPartOrTelParameters(input: String, expected: String) {
        #expect(VerstatEditor.edit(input, verstat: .passed) == expected)
    }

    @Test func verstatIsRemovedWithoutTouchingOtherParameters() {
        #expect(VerstatEditor.edit("<sip:+1215;npdi;verstat=TN-Validation-Passed@a;user=phone>;tag=x", verstat: nil)
                == "<sip:+1215;npdi@a;user=phone>;tag=x")
        #expect(VerstatEditor.edit("<tel:+1215;verstat=No-TN-Validation;x=y>", verstat: nil) == "<tel:+1215;x=y>")
    }

    static func request(_ extra: String) throws -> SIPMessage {
        try SIPMessage.parse(Array(StirHarness.invite(from: "<sip:+12155551010;verstat=TN-Validation-Passed@x>;tag=f", extra: [extra]).utf8))
    }

    @Test func verstatIsFoundInAnyCaseAndOnlyWithItsEqualsSign() {
        #expect(VerstatEditor.hasVerstat("<sip:+1215;verstat=TN-Validation-Passed@a;user=phone>"))
        #expect(VerstatEditor.hasVerstat("<tel:+1215;VerStat=No-TN-Validation>"))
        #expect(VerstatEditor.hasVerstat("verstat="))
        #expect(!VerstatEditor.hasVerstat("<sip:+1215@a;user=phone>;tag=verstat"))
        #expect(!VerstatEditor.hasVerstat("<tel:+1215;verstat\u{1D}x>"))
        #expect(!VerstatEditor.hasVerstat("verstat"))
        #expect(!VerstatEditor.hasVerstat(""))
    }

    @Test func untrustedPeersLoseAssertedIdentityVerstatAndAttestation() throws {
        let m = try Self.request("P-Asserted-Identity: <sip:+12155551010@x>\r\nX-Stir-Attestation: A\r\nIdentity: abc;info=<https://a/b>")
        let removed = HeaderScrubber(attestationHeader: "X-Stir-Attestation").scrub(m, peer: PeerConfiguration(name: "u"))
        #expect(removed == ["P-Asserted-Identity", "X-Stir-Attestation", "From;verstat"])
        #expect(m.headers(named: "P-Asserted-Identity").isEmpty && m.headers(named: "X-Stir-Attestation").isEmpty)
        #expect(m.first("From") == "<sip:+12155551010@x>;tag=f")
        #expect(m.identityHeaders.count == 1)
    }

    @Test func trustedPeersKeepTheirAssertionsAndStripIdentityWhenAsked() throws {
        let m = try Self.request("P-Asserted-Identity: <sip:+12155551010@x>\r\ny: abc;info=<https://a/b>")
        var peer = PeerConfiguration(name: "t")
        peer.trusted = true
        peer.stripIdentity = true
        #expect(HeaderScrubber(attestationHeader: "X-Stir-Attestation").scrub(m, peer: peer) == ["Identity"])
        #expect(m.headers(named: "P-Asserted-Identity").count == 1 && m.identityHeaders.isEmpty)
        #expect(m.first("From")?.contains("verstat=TN-Validation-Passed") == true)
    }
}
