import Testing
@testable import SIPCore

private let options = sip("""
OPTIONS sip:a@example.com SIP/2.0
Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1
Call-ID: framer-1
l: 5

hello
""")

private func message(body: String, lengthHeader: String? = nil) -> [UInt8] {
    let header = lengthHeader ?? "Content-Length: \(body.utf8.count)"
    return sip("INVITE sip:b@example.com SIP/2.0\nVia: SIP/2.0/TCP h;branch=z9hG4bK2\n\(header)\n\n") + Array(body.utf8)
}

@Suite struct StreamFramerTests {
    @Test func framesMessageSplitAcrossManyReads() throws {
        let bytes = message(body: "v=0\r\nbody")
        var framer = SIPStreamFramer(maxMessageSize: 4096)
        for (index, byte) in bytes.enumerated() {
            #expect(try framer.next() == nil)
            framer.append([byte])
            if index < bytes.count - 1 { #expect(try framer.next() == nil) }
        }
        #expect(try framer.next() == bytes)
        #expect(framer.bufferedByteCount == 0)
        #expect(try framer.next() == nil)
    }

    @Test func framesTwoMessagesInOneRead() throws {
        let first = options
        let second = message(body: "abc")
        var framer = SIPStreamFramer(maxMessageSize: 4096)
        framer.append(first + second + Array(second.prefix(10)))
        #expect(try framer.next() == first)
        #expect(try framer.next() == second)
        #expect(try framer.next() == nil)
        #expect(framer.bufferedByteCount == 10)
        framer.append(Array(second.dropFirst(10)))
        #expect(try framer.next() == second)
    }

    @Test func skipsKeepAliveCRLFs() throws {
        var framer = SIPStreamFramer(maxMessageSize: 4096)
        framer.append(Array("\r\n\r\n".utf8))
        #expect(try framer.next() == nil)
        #expect(framer.bufferedByteCount == 0)
        framer.append(Array("\r\n".utf8) + options + Array("\r\n\r\n".utf8))
        #expect(try framer.next() == options)
        #expect(try framer.next() == nil)
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func framedBytesParse() throws {
        var framer = SIPStreamFramer(maxMessageSize: 4096)
        framer.append(options)
        let bytes = try #require(try framer.next())
        let parsed = try SIPMessage.parse(bytes)
        #expect(parsed.body == Array("hello".utf8))
    }

    @Test func rejectsMissingContentLength() {
        var framer = SIPStreamFramer(maxMessageSize: 4096)
        framer.append(sip("OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/TCP h\n\n"))
        #expect(throws: SIPParseError(reason: "Missing Content-Length")) { try framer.next() }
    }

    @Test func rejectsNegativeContentLength() {
        var framer = SIPStreamFramer(maxMessageSize: 4096)
        framer.append(Fixtures.bytes("ncl"))
        #expect(throws: SIPParseError(reason: "Bad Content-Length")) { try framer.next() }
    }

    @Test func rejectsNonNumericContentLength() {
        var framer = SIPStreamFramer(maxMessageSize: 4096)
        framer.append(message(body: "", lengthHeader: "Content-Length: 1e3"))
        #expect(throws: SIPParseError(reason: "Bad Content-Length")) { try framer.next() }
    }

    @Test func rejectsDuplicateContentLength() {
        var framer = SIPStreamFramer(maxMessageSize: 4096)
        framer.append(Fixtures.bytes("mcl01"))
        #expect(throws: SIPParseError(reason: "Multiple Content-Length")) { try framer.next() }
    }

    @Test func waitsForBodyLargerThanReceived() throws {
        var framer = SIPStreamFramer(maxMessageSize: 65536)
        framer.append(Fixtures.bytes("clerr"))
        #expect(try framer.next() == nil)
    }

    @Test func rejectsOversizedHeaderSection() {
        var framer = SIPStreamFramer(maxMessageSize: 256)
        framer.append(sip("OPTIONS sip:a@b SIP/2.0\nX-Filler: " + String(repeating: "a", count: 300) + "\n"))
        #expect(throws: SIPParseError(reason: "Message Too Large")) { try framer.next() }
    }

    @Test func rejectsOversizedBody() {
        var framer = SIPStreamFramer(maxMessageSize: 256)
        framer.append(message(body: "", lengthHeader: "Content-Length: 100000"))
        #expect(throws: SIPParseError(reason: "Message Too Large")) { try framer.next() }
    }

    /// After a Content-Length error the offending header section is still
    /// there to answer from (RFC 3261 §18.3); while it is incomplete, or
    /// after CRLF keep-alives only, there is none.
    @Test func keepsTheHeaderSectionOfAFramingError() {
        var framer = SIPStreamFramer(maxMessageSize: 4096)
        #expect(framer.headerSection() == nil)
        let bytes = Fixtures.bytes("mcl01")
        framer.append([13, 10] + bytes)
        #expect(throws: SIPParseError(reason: "Multiple Content-Length")) { try framer.next() }
        let header = framer.headerSection()
        let end = bytes.indices.first { Array(bytes[$0..<($0 + 4)]) == [13, 10, 13, 10] }.map { $0 + 4 }
        #expect(header != nil && header == end.map { Array(bytes[..<$0]) })
        var partial = SIPStreamFramer(maxMessageSize: 4096)
        partial.append(Array(bytes.prefix(40)))
        #expect(partial.headerSection() == nil)
    }

    @Test func findsHeaderEndSplitAcrossReads() throws {
        let bytes = message(body: "xyz")
        let split = bytes.count - 5   // inside the CRLFCRLF
        var framer = SIPStreamFramer(maxMessageSize: 4096)
        framer.append(Array(bytes[..<split]))
        #expect(try framer.next() == nil)
        framer.append(Array(bytes[split...]))
        #expect(try framer.next() == bytes)
    }
}
