import Testing
@testable import SIPCore

/// RFC 5626 §4.4.1 keep-alives on a stream: a double CRLF is a ping (one
/// CRLF pong each), however the reads split it; a lone CRLF is not one.
@Suite struct KeepAlivePingTests {
    static let crlf: [UInt8] = [0x0D, 0x0A]
    static let invite = Array("INVITE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/TLS h;branch=z9hG4bK2\r\nContent-Length: 0\r\n\r\n".utf8)

    @Test func countsDoubleCRLFPingsWhateverTheReads() throws {
        var framer = SIPStreamFramer(maxMessageSize: 4096)
        framer.append(Self.crlf + Self.crlf)
        #expect(try framer.next() == nil)
        #expect(framer.takeKeepAlivePings() == 1)
        #expect(framer.takeKeepAlivePings() == 0)
        // Split over two reads, and two pings in one read.
        framer.append(Self.crlf)
        #expect(try framer.next() == nil)
        #expect(framer.takeKeepAlivePings() == 0)
        framer.append(Self.crlf)
        #expect(try framer.next() == nil)
        #expect(framer.takeKeepAlivePings() == 1)
        framer.append(Self.crlf + Self.crlf + Self.crlf + Self.crlf)
        #expect(try framer.next() == nil)
        #expect(framer.takeKeepAlivePings() == 2)
    }

    @Test func aLoneCRLFAndMessagesAreNoPing() throws {
        var framer = SIPStreamFramer(maxMessageSize: 4096)
        // A CRLF before a message, the empty line inside it, and one after.
        framer.append(Self.crlf + Self.invite + Self.crlf)
        #expect(try framer.next() == Self.invite)
        #expect(try framer.next() == nil)
        #expect(framer.takeKeepAlivePings() == 0)
        // A lone CRLF, then a message: the run is broken, no ping later.
        framer.append(Self.invite + Self.crlf)
        #expect(try framer.next() == Self.invite)
        #expect(try framer.next() == nil)
        #expect(framer.takeKeepAlivePings() == 0)
    }
}
