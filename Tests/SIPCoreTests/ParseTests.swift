import Testing
@testable import SIPCore

let invite = """
INVITE sip:+12155551212@example.com;user=phone SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-a1;rport
Via: SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bK-b2;received=192.0.2.99, SIP/2.0/TLS proxy.example.net;branch=z9hG4bK-c3
Max-Forwards: 69
Route: <sip:edge.example.com;lr>, <sip:core.example.com;lr>
Route: "Third" <sip:third.example.com;lr;transport=tcp>
From: "Alice \\"A\\"" <sip:+12155550100@example.com;user=phone>;tag=from-1
To: <tel:+12155551212>
Call-ID: call-1@192.0.2.10
CSeq: 314159 INVITE
P-Asserted-Identity: "Alice" <sip:+12155550100@example.com;user=phone>, <tel:+12155550100>
Identity: first.token.sig;info=<https://cert.example.org/a.pem>;alg=ES256;ppt=shaken
X-Custom:   odd   spacing ;;,,
y: second.token.sig;info=<https://cert.example.org/b.pem>
Date: Fri, 25 Sep 2015 19:12:25 GMT
Contact: <sip:alice@192.0.2.10:5060;transport=udp>;expires=60
Content-Type: application/sdp
Content-Length: 3

v=0
"""

@Suite struct ParseTests {
    /// Unfolded received values are read from the datagram on demand: the
    /// String, the in-place bytes and the edited value must all agree with
    /// what parsing used to store.
    @Test func valuesReadInPlaceMatchTheirStrings() throws {
        let bytes = sip("OPTIONS sip:a@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK-1\nX-A:   spaced value \t\n"
            + "X-B: folded\n   onto two lines\nX-Bad: \u{FF}\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>\n"
            + "Call-ID: c1\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n")
        var raw = bytes
        // An invalid UTF-8 byte in X-Bad (the Swift literal wrote U+00FF as C3 BF).
        let at = raw.firstIndex(of: 0xC3)!
        raw.replaceSubrange(at...(at + 1), with: [0xFF])
        let message = try SIPMessage.parse(raw)
        #expect(message.headers(named: "x-a") == ["spaced value"])
        #expect(message.headers(named: "X-B") == ["folded onto two lines"])
        #expect(message.headers(named: "x-bad") == ["\u{FFFD}"])
        let fieldA = message.fields.first { $0.key == "x-a" }!
        #expect(fieldA.withValueBytes { Array($0) } == Array("spaced value".utf8))
        #expect(fieldA.valueByteCount == 12)
        let fieldBad = message.fields.first { $0.key == "x-bad" }!
        #expect(fieldBad.withValueBytes { Array($0) } == [0xFF])
        let fieldB = message.fields.first { $0.key == "x-b" }!
        #expect(fieldB.withValueBytes { Array($0) } == Array("folded onto two lines".utf8))
        // An edited value wins over the received bytes.
        var edited = fieldA
        edited.value = "new"
        #expect(edited.value == "new" && edited.withValueBytes { Array($0) } == Array("new".utf8) && edited.valueByteCount == 3)
        #expect(message.callID == "c1")
        message.setHeader(name: "Call-ID", value: "c2")
        #expect(message.callID == "c2")
        // The last field folded over two lines, ending the header section.
        let last = try SIPMessage.parse(sip("OPTIONS sip:a@example.com SIP/2.0\nContent-Length: 0\nX-Last: a\n\tb\n\n"))
        #expect(last.headers(named: "x-last") == ["a b"])
        #expect(last.headerNames == ["Content-Length", "X-Last"])
    }

    @Test func readsRequestLine() throws {
        let message = try SIPMessage.parse(sip(invite))
        #expect(message.isRequest)
        #expect(message.method == "INVITE")
        #expect(message.requestURI == "sip:+12155551212@example.com;user=phone")
        #expect(message.sipVersion == "SIP/2.0")
        #expect(message.statusCode == nil)
        #expect(message.body == Array("v=0".utf8))
    }

    @Test func readsStatusLineWithEmptyAndUTF8Reasons() throws {
        let empty = try SIPMessage.parse(Fixtures.bytes("noreason"))
        #expect(empty.statusCode == 100)
        #expect(empty.reasonPhrase == "")
        let utf8 = try SIPMessage.parse(Fixtures.bytes("unreason"))
        #expect(utf8.statusCode == 200)
        #expect(utf8.reasonPhrase?.unicodeScalars.contains { $0.value > 127 } == true)
        #expect(utf8.serialize().starts(with: Fixtures.bytes("unreason").prefix(40)))
    }

    @Test func rejectsNegativeContentLength() {
        #expect(throws: SIPParseError(reason: "Bad Content-Length")) {
            try SIPMessage.parse(Fixtures.bytes("ncl"))
        }
    }

    @Test func rejectsNonNumericContentLength() {
        let text = "OPTIONS sip:a@b SIP/2.0\nContent-Length: ten\n\n"
        #expect(throws: SIPParseError(reason: "Bad Content-Length")) { try SIPMessage.parse(sip(text)) }
    }

    @Test func rejectsContentLengthLargerThanDatagram() {
        #expect(throws: SIPParseError(reason: "Content-Length Larger Than Message")) {
            try SIPMessage.parse(Fixtures.bytes("clerr"))
        }
    }

    @Test func rejectsMultipleContentLengths() {
        #expect(throws: SIPParseError(reason: "Multiple Content-Length")) {
            try SIPMessage.parse(Fixtures.bytes("mcl01"))
        }
    }

    @Test func ignoresOctetsPastContentLength() throws {
        let message = try SIPMessage.parse(Fixtures.bytes("dblreq"))
        #expect(message.method == "REGISTER")
        #expect(message.body.isEmpty)
        #expect(!String(decoding: message.serialize(), as: UTF8.self).contains("INVITE"))
    }

    @Test func takesRestOfDatagramWhenContentLengthIsMissing() throws {
        let message = try SIPMessage.parse(Fixtures.bytes("inv2543"))
        #expect(message.headers(named: "Content-Length").isEmpty)
        #expect(message.body.count == 105)
        let again = try SIPMessage.parse(message.serialize())
        #expect(again.headers(named: "Content-Length") == ["105"])
    }

    @Test func keepsBinaryBodyByteExact() throws {
        let bytes = Fixtures.bytes("mpart01")
        let message = try SIPMessage.parse(bytes)
        #expect(message.body.contains(0))
        #expect(message.serialize() == bytes)
    }

    @Test func rejectsGarbageStartLines() {
        for text in ["", "\r\n\r\n", "HELLO\r\n\r\n", "SIP/2.0 abc OK\r\n\r\n", "INV@ITE sip:a@b SIP/2.0\r\n\r\n",
                     "INVITE sip:a@b SIP/2.0\r\n : x\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\n folded\r\n\r\n"] {
            #expect(throws: SIPParseError.self) { try SIPMessage.parse(Array(text.utf8)) }
        }
    }

    @Test func toleratesBareLineFeedsAndLeadingCRLF() throws {
        let text = "\r\n\r\nOPTIONS sip:a@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nl: 0\n\n"
        let message = try SIPMessage.parse(Array(text.utf8))
        #expect(message.method == "OPTIONS")
        #expect(message.vias.first?.host == "h")
    }

    @Test func dropsExtraSpacesInRequestLineWhenSerializing() throws {
        let message = try SIPMessage.parse(Fixtures.bytes("lwsstart"))
        let firstLine = message.serialize().prefix { $0 != 0x0D }
        #expect(String(decoding: firstLine, as: UTF8.self) == "INVITE sip:user@example.com SIP/2.0")
        let trailing = try SIPMessage.parse(Fixtures.bytes("trws"))
        #expect(String(decoding: trailing.serialize().prefix { $0 != 0x0D }, as: UTF8.self)
            == "OPTIONS sip:remote-target@example.com SIP/2.0")
    }

    @Test func forwardsUnknownHeadersUnchanged() throws {
        let bytes = Fixtures.bytes("wsinv")
        let message = try SIPMessage.parse(bytes)
        #expect(message.serialize() == bytes)
        #expect(message.headers(named: "UnknownHeaderWithUnusualValue") == [";;,,;;,;"])
        #expect(message.headers(named: "NewFangledHeader") == ["newfangled value continued newfangled value"])
    }

    @Test func serializeOfUntouchedMessageIsByteExact() throws {
        for name in ["wsinv", "intmeth", "esc01", "escnull", "longreq", "mpart01", "unreason", "regescrt"] {
            let bytes = Fixtures.bytes(name)
            #expect(try SIPMessage.parse(bytes).serialize() == bytes, "\(name)")
        }
    }

    @Test func copyIsIndependent() throws {
        let message = try SIPMessage.parse(sip(invite))
        let copy = message.copy()
        copy.removeTopVia()
        copy.body = []
        #expect(message.vias.count == 3)
        #expect(copy.vias.count == 2)
        #expect(message.body.count == 3)
    }

    @Test func headerSectionOfBadlyFramedDatagramCanBeAnswered() throws {
        for name in ["clerr", "ncl", "mcl01"] {
            #expect(throws: SIPParseError.self) { try Fixtures.message(name) }
            let request = try #require(SIPMessage.parseHeaderSection(Fixtures.bytes(name)))
            #expect(request.body.isEmpty)
            let response = request.makeResponse(status: 400, reason: "Bad Content-Length", toTag: "t1")
            #expect(response.vias.count == 1)
            #expect(response.callID == request.callID)
            #expect(response.validateResponse() == nil)
        }
        #expect(SIPMessage.parseHeaderSection(Array("garbage\r\n\r\n".utf8)) == nil)
    }
}

/// RFC 3261 §25.1: NUL only as a quoted-pair inside a quoted string.
@Suite struct NULByteTests {
    private func problem(_ to: String) throws -> SIPRequestRejection? {
        let text = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nMax-Forwards: 70\r\n"
            + "From: <sip:a@b>;tag=1\r\nTo: \(to)\r\nCall-ID: n\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        return try SIPMessage.parse(Array(text.utf8)).validateRequest()
    }

    @Test func anEscapedNULInAQuotedDisplayNameIsValid() throws {
        #expect(try problem("\"a\\\u{0}b\" <sip:c@d>") == nil)
    }

    @Test(arguments: ["\"a\u{0}b\" <sip:c@d>", "<sip:c@d>;x=\u{0}", "\"a\" \\\u{0}<sip:c@d>", "\"a\\\\\u{0}\" <sip:c@d>"])
    func aNULOutsideAQuotedPairGets400(_ to: String) throws {
        #expect(try problem(to)?.reason == "NUL Byte In Header")
    }
}
