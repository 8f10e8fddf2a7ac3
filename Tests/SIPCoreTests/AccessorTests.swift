import Testing
@testable import SIPCore

@Suite struct AccessorTests {
    @Test func flattensViasTopmostFirst() throws {
        let vias = try SIPMessage.parse(sip(invite)).vias
        #expect(vias.count == 3)
        #expect(vias[0].transport == "UDP")
        #expect(vias[0].host == "192.0.2.10")
        #expect(vias[0].port == 5060)
        #expect(vias[0].branch == "z9hG4bK-a1")
        #expect(vias[0].rport.map { $0 == nil } == true)
        #expect(vias[1].host == "2001:db8::9")
        #expect(vias[1].port == 5070)
        #expect(vias[1].received == "192.0.2.99")
        #expect(vias[1].rport == nil)
        #expect(vias[2].transport == "TLS")
        #expect(vias[2].port == nil)
    }

    @Test func readsTortuousVias() throws {
        let vias = try Fixtures.message("wsinv").vias
        #expect(vias.map(\.transport) == ["UDP", "TCP", "UDP"])
        #expect(vias.map(\.host) == ["192.0.2.2", "spindle.example.com", "192.168.255.111"])
        #expect(vias.map(\.branch) == ["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"])
        let transports = try Fixtures.message("transports").vias.map(\.transport)
        #expect(transports == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"])
    }

    @Test func readsFromAndTo() throws {
        let message = try SIPMessage.parse(sip(invite))
        let from = try #require(message.from)
        #expect(from.displayName == "Alice \"A\"")
        #expect(from.uri == "sip:+12155550100@example.com;user=phone")
        #expect(from.tag == "from-1")
        #expect(from.parsedURI?.user == "+12155550100")
        #expect(from.parsedURI?.parameter("USER") == .some("phone"))
        let to = try #require(message.to)
        #expect(to.tag == nil)
        #expect(to.parsedURI?.scheme == "tel")
        #expect(to.parsedURI?.user == "+12155551212")
    }

    @Test func readsOddDisplayNames() throws {
        let wsinv = try Fixtures.message("wsinv")
        #expect(wsinv.from?.displayName == "J Rosenberg \\\"")
        #expect(wsinv.from?.tag == "98asjd8")
        #expect(wsinv.to?.tag == "1918181833n")
        #expect(wsinv.to?.uri == "sip:vivekg@chair-dnrc.example.com")
        let intmeth = try Fixtures.message("intmeth")
        #expect(intmeth.to?.displayName == "BEL:\u{07} NUL:\u{00} DEL:\u{7F}")
        #expect(intmeth.from?.displayName == "token1~` token2'+_ token3*%!.-")
        #expect(intmeth.from?.tag == "_token~1'+`*%!-.")
        #expect(try Fixtures.message("lwsdisp").from?.displayName == "caller")
    }

    @Test func readsCSeqCallIDMaxForwardsDate() throws {
        let message = try SIPMessage.parse(sip(invite))
        #expect(message.cseq?.number == 314159)
        #expect(message.cseq?.method == "INVITE")
        #expect(message.callID == "call-1@192.0.2.10")
        #expect(message.maxForwards == 69)
        #expect(message.date == "Fri, 25 Sep 2015 19:12:25 GMT")
        let wsinv = try Fixtures.message("wsinv")
        #expect(wsinv.cseq?.number == 9)
        #expect(wsinv.maxForwards == 68)
        #expect(try Fixtures.message("scalar02").cseq == nil)
        #expect(try Fixtures.message("scalar02").maxForwards == nil)
        #expect(try Fixtures.message("inv2543").maxForwards == nil)
    }

    @Test func readsRoutesAndAssertedIdentities() throws {
        let message = try SIPMessage.parse(sip(invite))
        #expect(message.routes.map(\.uri) == [
            "sip:edge.example.com;lr", "sip:core.example.com;lr", "sip:third.example.com;lr;transport=tcp",
        ])
        #expect(message.routes[2].displayName == "Third")
        #expect(message.routes[0].parsedURI?.parameter("lr") == .some(nil))
        #expect(message.pAssertedIdentities.map(\.uri) == ["sip:+12155550100@example.com;user=phone", "tel:+12155550100"])
        #expect(message.contacts.first?.parameter("expires") == .some("60"))
        #expect(message.recordRoutes.isEmpty)
    }

    @Test func readsIdentityHeadersInOrderIncludingCompactForm() throws {
        let message = try SIPMessage.parse(sip(invite))
        #expect(message.identityHeaders == [
            "first.token.sig;info=<https://cert.example.org/a.pem>;alg=ES256;ppt=shaken",
            "second.token.sig;info=<https://cert.example.org/b.pem>",
        ])
        #expect(message.headers(named: "y") == message.identityHeaders)
    }

    @Test func looksUpHeadersCaseInsensitivelyWithCompactForms() throws {
        let wsinv = try Fixtures.message("wsinv")
        #expect(wsinv.headers(named: "via").count == 2)
        #expect(wsinv.headers(named: "V").count == 2)
        #expect(wsinv.headers(named: "contact") == wsinv.headers(named: "m"))
        #expect(wsinv.headers(named: "SUBJECT") == [""])
        let esc02 = try Fixtures.message("esc02")
        #expect(esc02.headers(named: "Contact").count == 2)   // C%6Fntact is another header
        #expect(esc02.headers(named: "C%6Fntact").count == 1)
        #expect(esc02.method == "RE%47IST%45R")
    }

    @Test func parsesSIPURIs() throws {
        let uri = try #require(SIPURI("SIPS:Alice@[2001:db8::1]:5061;transport=tcp;lr?subject=x"))
        #expect(uri.scheme == "sips")
        #expect(uri.user == "Alice")
        #expect(uri.host == "2001:db8::1")
        #expect(uri.port == 5061)
        #expect(uri.parameters.map(\.name) == ["transport", "lr"])
        #expect(uri.parameter("Transport") == .some("tcp"))
        #expect(uri.parameter("maddr") == nil)
        #expect(uri.hasHeaders)
        #expect(uri.description == "sips:Alice@[2001:db8::1]:5061;transport=tcp;lr?subject=x")
        #expect(SIPURI(uri.description) == uri)
        let semi = try #require(SIPURI("sip:user;par=u%40example.net@example.com"))
        #expect(semi.user == "user;par=u%40example.net")
        #expect(semi.host == "example.com")
    }

    @Test func parsesOtherSchemes() throws {
        let tel = try #require(SIPURI("tel:+1-212-555-1212;phone-context=example.com"))
        #expect(tel.user == "+1-212-555-1212")
        #expect(tel.host == nil)
        #expect(tel.parameter("phone-context") == .some("example.com"))
        #expect(tel.description == "tel:+1-212-555-1212;phone-context=example.com")
        let opaque = try #require(SIPURI("soap.beep://192.0.2.103:3002"))
        #expect(opaque.scheme == "soap.beep")
        #expect(opaque.description == "soap.beep://192.0.2.103:3002")
        #expect(SIPURI("isbn:2983792873")?.scheme == "isbn")
    }

    @Test func rejectsMalformedURIs() {
        for text in ["", "sip:", "sip:@host", "sip:user@", "sip:host:99999", "sip:host:abc", "sip:a b@c",
                     "sip:host;;lr", "1sip:x", "sip:[::1", "tel:", "sip:host;=x"] {
            #expect(SIPURI(text) == nil, "\(text)")
        }
    }

    @Test func editsViaValues() throws {
        var via = try #require(SIPVia("SIP/2.0/udp 192.0.2.1:5060 ; branch=z9hG4bK77 ; rport"))
        #expect(via.transport == "UDP")
        #expect(via.rport == .some(nil))
        via.rport = .some(5062)
        via.received = "198.51.100.1"
        #expect(via.description == "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK77;rport=5062;received=198.51.100.1")
        via.rport = nil
        via.branch = nil
        #expect(via.description == "SIP/2.0/UDP 192.0.2.1:5060;received=198.51.100.1")
        #expect(SIPVia(via.description) == via)
        for bad in ["", "SIP/2.0/UDP", "SIP/2.0/UDP h;;", "SIP/2.0/UDP h:70000", "SIP/2.0/UDP h;branch=", "HTTP", "SIP/2.0/UDP h extra", "SIP/2.0/UDP h:5060 x;branch=z9hG4bK1"] {
            #expect(SIPVia(bad) == nil, "\(bad)")
        }
    }

    @Test func parsesNameAddrForms() throws {
        let addrSpec = try SIPNameAddr.parse("sip:a@example.com;tag=x;lr")
        #expect(addrSpec.uri == "sip:a@example.com")
        #expect(addrSpec.tag == "x")
        #expect(addrSpec.parameter("lr") == .some(nil))
        #expect(addrSpec.description == "<sip:a@example.com>;tag=x;lr")
        let quoted = try SIPNameAddr.parse("\"A \\\"B\\\"\" <sip:b@example.com>")
        #expect(quoted.displayName == "A \"B\"")
        #expect(try SIPNameAddr.parse(quoted.description) == quoted)
        #expect(throws: SIPParseError(reason: "Unterminated Quoted String")) { try SIPNameAddr.parse("\"open <sip:a@b>") }
        #expect(throws: SIPParseError(reason: "Bad Display Name")) { try SIPNameAddr.parse("Bell, A <sip:a@b>") }
        #expect(throws: SIPParseError(reason: "Bad addr-spec")) { try SIPNameAddr.parse("< sip:a@b >") }
        #expect(throws: SIPParseError(reason: "Bad Header Parameter")) { try SIPNameAddr.parse("<sip:a@b>;;") }
    }
}

@Suite struct CaseInsensitiveNameTests {
    @Test func asciiLettersFoldAndNothingElseDoes() {
        #expect(SIPSyntax.equalsIgnoringCase("Branch", "bRANCH"))
        #expect(SIPSyntax.equalsIgnoringCase("maddr", "maddr"))
        #expect(SIPSyntax.equalsIgnoringCase("", ""))
        #expect(!SIPSyntax.equalsIgnoringCase("branch", "branc"))
        #expect(!SIPSyntax.equalsIgnoringCase("tag", "tah"))
        // '@' and '`' differ only in bit 0x20 but are not letters.
        #expect(!SIPSyntax.equalsIgnoringCase("a@b", "a`b"))
        #expect(!SIPSyntax.equalsIgnoringCase("x[", "x{"))
        // Non-ASCII text still compares as lowercased() does.
        #expect(SIPSyntax.equalsIgnoringCase("ÉTAT", "état"))
        #expect(!SIPSyntax.equalsIgnoringCase("état", "etat"))
    }

    @Test func viaParameterLookupIgnoresCase() throws {
        let via = try #require(SIPVia("SIP/2.0/UDP host;BRANCH=z9hG4bK1;Rport"))
        #expect(via.parameter("branch") == .some("z9hG4bK1"))
        #expect(via.parameter("rport") == .some(nil))
        #expect(via.parameter("received") == nil)
    }
}

@Suite struct ParsedRequestURITests {
    @Test func parsedOnceAndDroppedWhenTheURIIsRewritten() throws {
        let message = try SIPMessage.parse(sip(invite))
        #expect(message.validateRequest() == nil)
        #expect(message.requestURIChecked)
        let first = try #require(message.parsedRequestURI)
        #expect(first.scheme == "sip")
        message.requestURI = "sip:+12155550199@gw.example.net;user=phone"
        #expect(!message.requestURIChecked)
        let second = try #require(message.parsedRequestURI)
        #expect(second.user == "+12155550199")
        #expect(second.host == "gw.example.net")
        message.requestURI = "sip:"
        #expect(message.parsedRequestURI == nil)
    }

    @Test func responsesHaveNone() throws {
        let response = try SIPMessage.parse(sip("SIP/2.0 200 OK\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:c@d>\nCall-ID: x\nCSeq: 1 INVITE\nContent-Length: 0\n\n"))
        #expect(response.parsedRequestURI == nil)
    }
}
