import Testing
@testable import SIPCore

/// The table of accepted address values must never change a verdict: it
/// may only skip checks of values that passed before.
struct AcceptedFieldValuesTests {
    static func request(from: String, to: String = "<sip:bob@example.com>", contact: String = "<sip:a@192.0.2.1>") -> SIPMessage? {
        try? SIPMessage.parse(sip("""
            INVITE sip:bob@example.com SIP/2.0
            Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1
            From: \(from)
            To: \(to)
            Call-ID: 1@192.0.2.1
            CSeq: 1 INVITE
            Contact: \(contact)
            Max-Forwards: 70
            Content-Length: 0


            """))
    }

    @Test func acceptedValuesAreRememberedAndHitOnTheNextMessage() throws {
        let table = AcceptedFieldValues()
        let first = try #require(Self.request(from: "Alice <sip:alice@example.com>;tag=1"))
        #expect(first.validateRequest(accepted: table) == nil)
        // From, To and Contact, and the URIs sip:bob@example.com (Request-URI,
        // then To: one hit), sip:alice@example.com and sip:a@192.0.2.1.
        #expect(table.count == 6)
        #expect(table.hits == 1)
        let second = try #require(Self.request(from: "Alice <sip:alice@example.com>;tag=1"))
        #expect(second.validateRequest(accepted: table) == nil)
        // Request-URI, From, To, Contact.
        #expect(table.hits == 5)
        // A new tag: the From value misses, its URI hits.
        let third = try #require(Self.request(from: "Alice <sip:alice@example.com>;tag=2"))
        #expect(third.validateRequest(accepted: table) == nil)
        #expect(table.hits == 9)   // Request-URI, From's URI, To, Contact
        #expect(table.count == 7)
    }

    @Test func aURIThatLibosipRejectsIsNeverRemembered() throws {
        // The byte grammar accepts an empty password; libosip2 does not.
        let table = AcceptedFieldValues()
        for _ in 0..<2 {
            let message = try #require(Self.request(from: "<sip:service:@10.0.0.2>;tag=1"))
            #expect(message.validateRequest(accepted: table)?.reason == "Bad From: Bad URI")
        }
        let uri = Array("sip:service:@10.0.0.2".utf8)
        #expect(!uri.withUnsafeBufferPointer { table.contains(nil, $0) })
    }

    @Test func aRejectedValueIsNotRememberedAndStaysRejected() throws {
        let table = AcceptedFieldValues()
        for _ in 0..<2 {
            let bad = try #require(Self.request(from: "Alice <sip:alice@exa mple.com>;tag=1"))
            let verdict = bad.validateRequest(accepted: table)
            #expect(verdict?.code == 400)
            #expect(verdict?.reason == bad.validateRequest()?.reason)
        }
        let from = Array("Alice <sip:alice@exa mple.com>;tag=1".utf8)
        #expect(!from.withUnsafeBufferPointer { table.contains(.from, $0) })
    }

    @Test func theSameBytesUnderAnotherFieldAreCheckedForThatField() throws {
        let table = AcceptedFieldValues()
        // "*" passes as a Contact (wildcard) but is no name-addr for To.
        let star = try #require(Self.request(from: "<sip:a@example.com>;tag=1", contact: "*"))
        #expect(star.validateRequest(accepted: table) == nil)
        let starTo = try #require(Self.request(from: "<sip:a@example.com>;tag=1", to: "*"))
        #expect(starTo.validateRequest(accepted: table)?.code == 400)
        #expect(starTo.validateRequest()?.code == 400)
        // Two values in From are refused even when the same bytes passed as a Contact list.
        let list = "<sip:a@example.com>, <sip:b@example.com>"
        let contactList = try #require(Self.request(from: "<sip:a@example.com>;tag=1", contact: list))
        #expect(contactList.validateRequest(accepted: table) == nil)
        let fromList = try #require(Self.request(from: list))
        #expect(fromList.validateRequest(accepted: table)?.reason == "Multiple From Values")
    }

    @Test func aFullTableReplacesSlotsAndNeverAcceptsWhatItDidNotStore() {
        // 16 slots, 200 values: most slots are overwritten several times.
        let table = AcceptedFieldValues(slots: 16)
        func bytes(_ i: Int) -> [UInt8] { Array("<sip:user\(i)@example.com>;tag=\(i)".utf8) }
        for i in 0..<200 {
            bytes(i).withUnsafeBufferPointer { table.remember(.from, $0) }
        }
        #expect(table.count <= 16)
        var found = 0
        for i in 0..<200 {
            if bytes(i).withUnsafeBufferPointer({ table.contains(.from, $0) }) { found += 1 }
        }
        #expect(found == table.count)
        for i in 200..<400 {
            #expect(!bytes(i).withUnsafeBufferPointer { table.contains(.from, $0) })
        }
        // A stored value under another kind is not found.
        #expect(!bytes(199).withUnsafeBufferPointer { table.contains(.to, $0) })
    }

    @Test func longValuesAreNotStored() {
        let table = AcceptedFieldValues(slots: 64, maxValueBytes: 32)
        let long = Array("<sip:\(String(repeating: "x", count: 40))@example.com>".utf8)
        long.withUnsafeBufferPointer { table.remember(.from, $0) }
        #expect(table.count == 0)
        #expect(!long.withUnsafeBufferPointer { table.contains(.from, $0) })
    }

    /// Every RFC 4475 message gets the same verdict with a table primed by
    /// all the others (in two orders) as without one.
    @Test func tortureMessagesGetTheSameVerdictWithAPrimedTable() throws {
        func verdict(_ name: String, _ table: AcceptedFieldValues?) -> String {
            guard let message = try? Fixtures.message(name) else { return "unparseable" }
            if message.isRequest {
                return "\(message.validateRequest(accepted: table).map { "\($0.status)" } ?? "ok")"
            }
            return message.validateResponse(accepted: table) ?? "ok"
        }
        let names = Fixtures.manifest.map(\.name)
        #expect(names.count == 49)
        let table = AcceptedFieldValues()
        for order in [names, names.reversed()] {
            for name in order { _ = verdict(name, table) }
            for name in order {
                #expect(verdict(name, table) == verdict(name, nil), "\(name)")
            }
        }
        #expect(table.hits > 0)
    }
}
