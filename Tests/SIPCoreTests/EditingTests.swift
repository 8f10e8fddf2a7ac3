import Testing
@testable import SIPCore

/// Lines of a serialized message (CRLF-separated header section only).
func headerLines(_ message: SIPMessage) -> [String] {
    let text = String(decoding: message.serialize(), as: UTF8.self)
    let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
    return head.components(separatedBy: "\r\n")
}

@Suite struct EditingTests {
    /// Parsed values are cached per message and an edit drops only those of
    /// the field it changes: every cached view must follow every edit, and
    /// an edit of another field must leave it right.
    @Test func cachedValuesFollowEveryEdit() throws {
        let message = try SIPMessage.parse(sip(invite))
        func fill() {
            // The tags first: read alone, they have their own cache.
            _ = message.fromTag
            _ = message.toTag
            _ = message.vias
            _ = message.from
            _ = message.to
            _ = message.cseq
            _ = message.callID
            #expect(message.validateRequest() == nil)
        }
        fill()
        message.prependVia("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKtop")
        #expect(message.vias.first?.branch == "z9hG4bKtop")
        fill()
        message.removeTopVia()
        #expect(message.vias.first?.branch == "z9hG4bK-a1")
        fill()
        message.setTopViaReceived("198.51.100.7", rport: 5999)
        #expect(message.vias.first?.received == "198.51.100.7")
        fill()
        message.setToTag("tt9")
        #expect(message.toTag == "tt9")
        #expect(message.to?.tag == "tt9")
        fill()
        message.setHeader(name: "f", value: "<sip:new@example.com>;tag=nf")
        #expect(message.fromTag == "nf")
        #expect(message.from?.uri == "sip:new@example.com" && message.from?.tag == "nf")
        fill()
        message.setHeader(name: "CSeq", value: "99 INVITE")
        #expect(message.cseq?.number == 99)
        fill()
        message.setHeader(name: "i", value: "other-call")
        #expect(message.callID == "other-call")
        fill()
        // Edits of fields nothing is cached from keep the cached views right.
        message.maxForwards = 3
        message.prependRecordRoute("<sip:rr.example.com;lr>")
        message.removeFirstRoute()
        message.body = Array("v=1\r\n".utf8)
        #expect(message.vias.first?.branch == "z9hG4bK-a1" && message.vias.count == 3)
        #expect(message.from?.tag == "nf" && message.to?.tag == "tt9")
        #expect(message.cseq?.number == 99 && message.callID == "other-call")
        // And everything agrees with a fresh parse of what would be sent.
        let reparsed = try SIPMessage.parse(message.serialize())
        #expect(reparsed.vias == message.vias)
        #expect(reparsed.from?.tag == message.from?.tag && reparsed.to?.tag == message.to?.tag)
        #expect(reparsed.cseq?.number == message.cseq?.number && reparsed.callID == message.callID)
        #expect(reparsed.maxForwards == 3)
    }

    @Test func prependViaPutsNewValueOnTop() throws {
        let message = try SIPMessage.parse(sip(invite))
        message.prependVia("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKnew")
        let vias = message.vias
        #expect(vias.count == 4)
        #expect(vias[0].branch == "z9hG4bKnew")
        #expect(vias[1].branch == "z9hG4bK-a1")
        let reparsed = try SIPMessage.parse(message.serialize())
        #expect(reparsed.vias == vias)
    }

    @Test func removeTopViaKeepsCommaSeparatedRest() throws {
        let message = try SIPMessage.parse(sip(invite))
        message.removeTopVia()
        #expect(message.vias.map(\.branch) == ["z9hG4bK-b2", "z9hG4bK-c3"])
        message.removeTopVia()
        #expect(message.vias.map(\.branch) == ["z9hG4bK-c3"])
        #expect(message.headers(named: "Via") == ["SIP/2.0/TLS proxy.example.net;branch=z9hG4bK-c3"])
        message.removeTopVia()
        #expect(message.vias.isEmpty)
        message.removeTopVia()
        #expect(message.vias.isEmpty)
    }

    /// Removing the first element keeps the rest of the line as written
    /// (a quoted comma is not a separator; LWS after the first comma goes).
    @Test func removeTopViaKeepsTheRestAsWritten() throws {
        let text = "SIP/2.0 200 OK\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK1 ,  SIP/2.0/UDP b.example;branch=z9hG4bK2;x=\"q,r\" ,SIP/2.0/TCP c.example;branch=z9hG4bK3\n"
            + "From: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>;tag=2\nCall-ID: c\nCSeq: 1 INVITE\nContent-Length: 0\n\n"
        let message = try SIPMessage.parse(sip(text))
        message.removeTopVia()
        #expect(message.headers(named: "Via") == ["SIP/2.0/UDP b.example;branch=z9hG4bK2;x=\"q,r\" ,SIP/2.0/TCP c.example;branch=z9hG4bK3"])
        #expect(message.vias.map(\.host) == ["b.example", "c.example"])
        message.removeTopVia()
        #expect(message.headers(named: "Via") == ["SIP/2.0/TCP c.example;branch=z9hG4bK3"])
        message.removeTopVia()
        #expect(message.headers(named: "Via").isEmpty)
    }

    @Test func setsReceivedAndRportOnTopVia() throws {
        let message = try SIPMessage.parse(sip(invite))
        message.setTopViaReceived("198.51.100.7", rport: 40123)
        let top = try #require(message.vias.first)
        #expect(top.received == "198.51.100.7")
        #expect(top.rport == .some(40123))
        #expect(top.branch == "z9hG4bK-a1")
        #expect(message.vias.count == 3)
        message.setTopViaReceived(nil, rport: nil)
        #expect(message.vias.first?.received == nil)
        #expect(message.vias.first?.rport == .some(40123))
    }

    @Test func setsReceivedInsideCommaSeparatedVia() throws {
        let message = try SIPMessage.parse(sip(invite))
        message.removeTopVia()
        message.setTopViaReceived("203.0.113.5", rport: nil)
        #expect(message.vias.map(\.received) == ["203.0.113.5", nil])
        #expect(message.vias[0].host == "2001:db8::9")
        #expect(message.vias[0].rport == nil)
    }

    @Test func decrementsMaxForwardsInPlace() throws {
        let message = try SIPMessage.parse(sip(invite))
        let before = headerLines(message)
        message.maxForwards = (message.maxForwards ?? 71) - 1
        #expect(message.maxForwards == 68)
        let after = headerLines(message)
        #expect(after.count == before.count)
        for (old, new) in zip(before, after) where !old.hasPrefix("Max-Forwards") {
            #expect(old == new)
        }
        #expect(after.contains("Max-Forwards: 68"))
    }

    @Test func addsMaxForwardsWhenAbsent() throws {
        let message = try Fixtures.message("inv2543")
        #expect(message.maxForwards == nil)
        message.maxForwards = 70
        #expect(message.headers(named: "Max-Forwards") == ["70"])
        message.maxForwards = nil
        #expect(message.headers(named: "Max-Forwards").isEmpty)
    }

    @Test func addAndRemoveHeaderLeaveOthersByteIdentical() throws {
        let bytes = Fixtures.bytes("wsinv")
        let message = try SIPMessage.parse(bytes)
        message.addHeader(name: "Identity", value: "a.b.c;info=<https://x.example/c.pem>")
        let added = message.serialize()
        let original = String(decoding: bytes, as: UTF8.self)
        let head = original.components(separatedBy: "\r\n\r\n")[0]
        #expect(String(decoding: added, as: UTF8.self).hasPrefix(head + "\r\nIdentity: a.b.c;info=<https://x.example/c.pem>\r\n\r\n"))
        message.removeHeaders(named: "y")
        #expect(message.serialize() == bytes)
        message.removeHeaders(named: "NewFangledHeader")
        let removed = String(decoding: message.serialize(), as: UTF8.self)
        #expect(removed == original.replacingOccurrences(
            of: "NewFangledHeader:   newfangled value\r\n continued newfangled value\r\n", with: ""))
    }

    @Test func setHeaderReplacesAllValues() throws {
        let message = try SIPMessage.parse(sip(invite))
        message.setHeader(name: "Identity", value: "only.one.sig")
        #expect(message.identityHeaders == ["only.one.sig"])
        #expect(headerLines(message).last == "Identity: only.one.sig")
    }

    @Test func setsToTagKeepingTheRest() throws {
        let message = try SIPMessage.parse(sip(invite))
        message.setToTag("to-9")
        #expect(message.headers(named: "To") == ["<tel:+12155551212>;tag=to-9"])
        message.setToTag("to-10")
        #expect(message.to?.tag == "to-10")
        #expect(message.to?.uri == "tel:+12155551212")
    }

    @Test func removesFirstRouteAndPrependsRecordRoute() throws {
        let message = try SIPMessage.parse(sip(invite))
        message.removeFirstRoute()
        #expect(message.routes.map(\.uri) == ["sip:core.example.com;lr", "sip:third.example.com;lr;transport=tcp"])
        message.removeFirstRoute()
        message.removeFirstRoute()
        #expect(message.routes.isEmpty)
        message.prependRecordRoute("<sip:127.0.0.1:5060;lr>")
        message.prependRecordRoute("<sip:127.0.0.2:5060;lr>")
        #expect(message.recordRoutes.map(\.uri) == ["sip:127.0.0.2:5060;lr", "sip:127.0.0.1:5060;lr"])
    }

    @Test func rewritesRequestURIAndBody() throws {
        let message = try SIPMessage.parse(sip(invite))
        message.requestURI = "sip:+12155551212@10.0.0.1:5060"
        message.body = Array("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\n".utf8)
        let reparsed = try SIPMessage.parse(message.serialize())
        #expect(reparsed.requestURI == "sip:+12155551212@10.0.0.1:5060")
        #expect(reparsed.body == message.body)
        #expect(reparsed.headers(named: "Content-Length") == [String(message.body.count)])
    }

    @Test func editsCannotInjectHeaderFields() throws {
        let message = try SIPMessage.parse(sip(invite))
        message.addHeader(name: "X-Note", value: "a\r\nVia: SIP/2.0/UDP evil;branch=z9hG4bKx")
        let response = message.makeResponse(status: 400, reason: "Bad\r\nX-Evil: 1", toTag: nil)
        let reparsed = try SIPMessage.parse(message.serialize())
        #expect(reparsed.vias.count == 3)
        #expect(reparsed.headers(named: "X-Note").count == 1)
        #expect(try SIPMessage.parse(response.serialize()).headers(named: "X-Evil").isEmpty)
    }
}
