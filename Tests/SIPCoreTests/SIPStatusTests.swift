import Testing
@testable import SIPCore

@Suite struct SIPStatusTests {
    /// Registered phrases (RFC 3261 §21, RFC 8224 §13.2, RFC 3261 §21.5.14).
    @Test(arguments: [(100, "Trying"), (200, "OK"), (408, "Request Timeout"), (420, "Bad Extension"),
                      (428, "Use Identity Header"), (436, "Bad Identity Info"), (437, "Unsupported Credential"),
                      (438, "Invalid Identity Header"), (483, "Too Many Hops"), (487, "Request Terminated"),
                      (503, "Service Unavailable"), (513, "Message Too Large"), (608, "Rejected")])
    func registeredPhrases(_ code: Int, _ phrase: String) {
        #expect(SIPStatus(code).reason == phrase)
        #expect(SIPStatus(code).description == "\(code) \(phrase)")
    }

    @Test func unknownCodesGetTheirClassPhrase() {
        #expect(SIPStatus(199 - 10).reason == "Provisional")
        #expect(SIPStatus(499).reason == "Request Failure")
        #expect(SIPStatus(599).reason == "Server Failure")
        #expect(SIPStatus(699).reason == "Global Failure")
    }

    @Test func detailedKeepsTheCodeAndNamesWhy() {
        let s = SIPStatus(503).detailed("no transport")
        #expect(s.code == 503)
        #expect(s.reason == "Service Unavailable (no transport)")
        #expect(SIPStatus(400, reason: "Missing Via").detailed("x").reason == "Bad Request (x)")
    }

    @Test func aParseErrorAnswers400NamingItInPrintableASCII() {
        #expect(SIPParseError(reason: "Bad Content-Length").status == SIPStatus(400, reason: "Bad Request (Bad Content-Length)"))
        let hostile = SIPParseError(reason: "a\r\nInjected: 1\u{1b}" + String(repeating: "x", count: 300))
        #expect(hostile.status.reason.allSatisfy { $0.isASCII && !$0.isNewline && $0 != "\u{1b}" })
        #expect(hostile.status.reason.count <= "Bad Request ()".count + 100)
    }

    @Test func rejectionsCarryTheirHeaders() {
        let r = SIPRequestRejection(SIPStatus(420), headers: [("Unsupported", "foo")])
        #expect(r.code == 420 && r.reason == "Bad Extension")
        #expect(r.responseHeaders.map(\.value) == ["foo"])
        #expect(r != SIPRequestRejection(SIPStatus(420)))
        #expect(SIPRequestRejection.badRequest("Missing Call-ID").status == SIPStatus(400, reason: "Missing Call-ID"))
    }
}
