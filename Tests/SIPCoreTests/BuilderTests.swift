import Testing
@testable import SIPCore

@Suite struct BuilderTests {
    @Test func makeResponseCopiesDialogFieldsAndAddsToTag() throws {
        let request = try SIPMessage.parse(sip(invite))
        let response = request.makeResponse(status: 486, reason: "Busy Here", toTag: "uas-1")
        #expect(!response.isRequest)
        #expect(response.statusCode == 486)
        #expect(response.reasonPhrase == "Busy Here")
        #expect(response.vias == request.vias)
        #expect(response.headers(named: "Via") == request.headers(named: "Via"))
        #expect(response.from == request.from)
        #expect(response.to?.uri == request.to?.uri)
        #expect(response.to?.tag == "uas-1")
        #expect(response.callID == request.callID)
        #expect(response.cseq?.number == 314159)
        #expect(response.cseq?.method == "INVITE")
        #expect(response.headers(named: "Content-Length") == ["0"])
        #expect(response.routes.isEmpty)
        #expect(response.identityHeaders.isEmpty)
        #expect(response.validateResponse() == nil)
        let reparsed = try SIPMessage.parse(response.serialize())
        #expect(reparsed.statusCode == 486)
        #expect(reparsed.to?.tag == "uas-1")
    }

    @Test func makeResponseLeavesToAloneFor100AndExistingTags() throws {
        let request = try SIPMessage.parse(sip(invite))
        #expect(request.makeResponse(status: 100, reason: "Trying", toTag: "x").to?.tag == nil)
        request.setToTag("existing")
        #expect(request.makeResponse(status: 200, reason: "OK", toTag: "x").to?.tag == "existing")
    }

    @Test func makeCancelMatchesTheInvite() throws {
        let request = try SIPMessage.parse(sip(invite))
        let cancel = request.makeCancel()
        #expect(cancel.method == "CANCEL")
        #expect(cancel.requestURI == request.requestURI)
        #expect(cancel.callID == request.callID)
        #expect(cancel.from == request.from)
        #expect(cancel.to == request.to)
        #expect(cancel.cseq?.number == 314159)
        #expect(cancel.cseq?.method == "CANCEL")
        #expect(cancel.vias == [request.vias[0]])
        #expect(cancel.routes == request.routes)
        #expect(cancel.maxForwards == 70)
        #expect(cancel.body.isEmpty)
        #expect(cancel.identityHeaders.isEmpty)
        #expect(cancel.validateRequest() == nil)
    }

    @Test func makeCancelTakesFirstValueOfCommaSeparatedVia() throws {
        let request = try SIPMessage.parse(sip(invite))
        request.removeTopVia()
        let cancel = request.makeCancel()
        #expect(cancel.vias.count == 1)
        #expect(cancel.vias.first?.branch == "z9hG4bK-b2")
    }

    @Test func makeAckTakesToFromTheResponse() throws {
        let request = try SIPMessage.parse(sip(invite))
        let response = request.makeResponse(status: 404, reason: "Not Found", toTag: "uas-404")
        let ack = request.makeAck(for: response)
        #expect(ack.method == "ACK")
        #expect(ack.requestURI == request.requestURI)
        #expect(ack.to?.tag == "uas-404")
        #expect(ack.from == request.from)
        #expect(ack.callID == request.callID)
        #expect(ack.cseq?.number == 314159)
        #expect(ack.cseq?.method == "ACK")
        #expect(ack.vias == [request.vias[0]])
        #expect(ack.routes == request.routes)
        #expect(ack.maxForwards == 70)
        #expect(ack.validateRequest() == nil)
    }
}
