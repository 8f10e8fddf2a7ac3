@testable import SIPProxy
import Testing

@Suite("Transaction keys (RFC 3261 §17.1.3, §17.2.3)")
struct TransactionKeyTests {
    @Test(arguments: [nil, "", "abc123", "z9hG4bK", "z9hg4b-1234", "xz9hG4bK1234"] as [String?])
    func serverKeyRequiresMagicCookieBranch(branch: String?) {
        #expect(TransactionKey.server(branch: branch, sentBy: "10.0.0.1:5060", method: "INVITE") == nil)
    }

    /// The byte-level cookie check agrees with the Character-level rule it
    /// replaced (lowercased prefix, more Characters than the cookie), also
    /// where they could part: a combining mark after the cookie, the Kelvin
    /// sign that lowercases to "k", non-ASCII before it.
    @Test func magicCookieMatchesTheCharacterRule() {
        let reference: (String) -> Bool = { $0.count > 7 && $0.lowercased().hasPrefix("z9hg4bk") }
        let cases = ["z9hG4bK1", "Z9HG4BKx", "z9hG4bK", "z9hG4b", "", "z9hG4bK\u{301}", "z9hG4bK\u{301}1",
                     "z9hG4b\u{212A}1", "z9hG4b\u{212A}", "é9hG4bK1", "z9hG4bKé", "z9hG4bk-4711-1-0", "z9hG4bJ1",
                     "z9hG4bK\r", "z9hG4bK\u{0}", "z\u{0}hG4bK1"]
        for branch in cases {
            #expect(TransactionKey.hasMagicCookie(branch) == reference(branch), "\(branch.unicodeScalars.map(\.value))")
        }
    }

    @Test func serverKeyKeepsBranchSentByAndMethod() throws {
        let key = try #require(TransactionKey.server(branch: "z9hG4bK776asdhds", sentBy: "pc33.atlanta.com", method: "INVITE"))
        #expect(key.side == .server)
        #expect(key.branch == "z9hg4bk776asdhds")
        #expect(key.sentBy == "pc33.atlanta.com")
        #expect(key.method == "INVITE")
    }

    @Test func ackMatchesTheInviteServerTransaction() {
        let invite = TransactionKey.server(branch: "z9hG4bK776asdhds", sentBy: "pc33.atlanta.com", method: "INVITE")
        let ack = TransactionKey.server(branch: "z9hG4bK776asdhds", sentBy: "pc33.atlanta.com", method: "ACK")
        #expect(invite != nil)
        #expect(ack == invite)
    }

    @Test func cancelKeepsItsOwnKey() {
        let invite = TransactionKey.server(branch: "z9hG4bK776asdhds", sentBy: "pc33.atlanta.com", method: "INVITE")
        let cancel = TransactionKey.server(branch: "z9hG4bK776asdhds", sentBy: "pc33.atlanta.com", method: "CANCEL")
        #expect(cancel != nil)
        #expect(cancel != invite)
        #expect(cancel?.method == "CANCEL")
    }

    @Test func branchAndSentByCompareCaseInsensitively() {
        // §7.3.1: tokens and host names are case-insensitive.
        let a = TransactionKey.server(branch: "z9hG4bKabcDEF", sentBy: "Proxy.Example.COM:5060", method: "BYE")
        let b = TransactionKey.server(branch: "Z9HG4BKABCdef", sentBy: " proxy.example.com:5060", method: "BYE")
        #expect(a != nil)
        #expect(a == b)
    }

    @Test func methodsCompareCaseSensitively() {
        // §7.1: "the method names are case-sensitive".
        let upper = TransactionKey.server(branch: "z9hG4bK1", sentBy: "h", method: "INVITE")
        let lower = TransactionKey.server(branch: "z9hG4bK1", sentBy: "h", method: "invite")
        #expect(upper != lower)
        #expect(TransactionKey.server(branch: "z9hG4bK1", sentBy: "h", method: "ack") != upper)
    }

    @Test func differentSentByOrBranchGiveDifferentKeys() {
        let base = TransactionKey.server(branch: "z9hG4bK1", sentBy: "10.0.0.1:5060", method: "INVITE")
        #expect(base != TransactionKey.server(branch: "z9hG4bK1", sentBy: "10.0.0.2:5060", method: "INVITE"))
        #expect(base != TransactionKey.server(branch: "z9hG4bK1", sentBy: "10.0.0.1:5061", method: "INVITE"))
        #expect(base != TransactionKey.server(branch: "z9hG4bK2", sentBy: "10.0.0.1:5060", method: "INVITE"))
        #expect(base != TransactionKey.server(branch: "z9hG4bK1", sentBy: "10.0.0.1:5060", method: "OPTIONS"))
    }

    @Test func clientKeyMatchesBranchAndCSeqMethod() {
        let invite = TransactionKey.client(branch: "z9hG4bKnashds8", method: "INVITE")
        #expect(invite == TransactionKey.client(branch: "z9hG4bKnashds8", method: "INVITE"))
        #expect(invite != TransactionKey.client(branch: "z9hG4bKnashds8", method: "CANCEL"))
        #expect(invite != TransactionKey.client(branch: "z9hG4bKnashds9", method: "INVITE"))
        #expect(invite.side == .client)
        #expect(invite.sentBy == nil)
    }

    @Test func clientAndServerKeysNeverCollide() {
        let server = TransactionKey.server(branch: "z9hG4bK1", sentBy: "h", method: "INVITE")
        let client = TransactionKey.client(branch: "z9hG4bK1", method: "INVITE")
        #expect(server != client)
        let table: Set<TransactionKey?> = [server, client]
        #expect(table.count == 2)
    }

    @Test func descriptionNamesSideMethodBranchAndSentBy() {
        #expect(TransactionKey.server(branch: "z9hG4bK1", sentBy: "h:5060", method: "ACK")?.description == "server:INVITE:z9hg4bk1@h:5060")
        #expect(TransactionKey.client(branch: "z9hG4bK1", method: "BYE").description == "client:BYE:z9hg4bk1")
    }
}

/// `keyForm` works on the bytes of ASCII text; it must give what the String
/// route gives (trim SP/HTAB by Character, then `lowercased()`) on every
/// input, including non-ASCII text, CR/LF and spaces inside.
@Suite struct TransactionKeyFormTests {
    static func reference(_ text: String, trim: Bool, lower: Bool) -> String {
        var trimmed = Substring(text)
        if trim {
            while let first = trimmed.first, first == " " || first == "\t" { trimmed = trimmed.dropFirst() }
            while let last = trimmed.last, last == " " || last == "\t" { trimmed = trimmed.dropLast() }
        }
        return lower ? String(trimmed).lowercased() : String(trimmed)
    }

    @Test func equalsTheStringRouteOnMixedInputs() {
        let pieces = ["a", "Z", "z9hG4bK", " ", "\t", "\r\n", "1.2.3.4", ":5060", "İ", "é", "ß", "\u{301}", "-", ".", "X"]
        var random = TestRandom(seed: 0x4B3F)
        func next(_ bound: Int) -> Int { random.next(bound) }
        var checked = 0
        for _ in 0..<20_000 {
            let text = (0..<next(8)).map { _ in pieces[next(pieces.count)] }.joined()
            for (trim, lower) in [(true, true), (false, true), (true, false)] {
                let got = text.keyForm(trim: trim, lower: lower)
                let expected = Self.reference(text, trim: trim, lower: lower)
                if got != expected {
                    Issue.record("keyForm(\(trim), \(lower)) of \(text.debugDescription): \(got.debugDescription) != \(expected.debugDescription)")
                    return
                }
                checked += 1
            }
        }
        #expect(checked == 60_000)
        #expect("z9hG4bK-1".keyForm(trim: false) == "z9hg4bk-1")
        #expect(" \tINVITE \t".keyForm(trim: true, lower: false) == "INVITE")
        #expect("Host.Example:5060".keyForm(trim: true) == "host.example:5060")
    }
}
