import Crypto
import Testing
@testable import SIPProxy

/// The flow tokens of stird's Path URIs (RFC 5626 §5.2): they open to
/// the flow they were sealed for, only under the key that sealed them,
/// and any altered byte makes them fail the integrity check.
@Suite struct FlowTokenTests {
    static let flow = FlowToken(connectionID: 0x0102_0304_0506_0708, remote: SocketAddress(host: "192.0.2.7", port: 40_123)!,
                                transport: .tls)

    @Test(arguments: [flow,
                      FlowToken(connectionID: 1, remote: SocketAddress(host: "2001:db8::5", port: 5061)!, transport: .tcp)])
    func sealThenOpenGivesTheFlowBack(flow: FlowToken) {
        let sealer = FlowTokenSealer(key: Array(repeating: 7, count: 32))
        let token = sealer.seal(flow)
        #expect(sealer.open(token[...]) == .valid(flow))
        // RFC 3261 §25.1: a user part needs no escaping for these characters.
        #expect(token.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 })
    }

    /// Every single-character change anywhere in the token is refused as
    /// tampered (or is no token at all), never opened to some flow.
    @Test func anAlteredCharacterDoesNotOpen() {
        let sealer = FlowTokenSealer(key: Array(repeating: 7, count: 32))
        let token = Array(sealer.seal(Self.flow))
        for i in token.indices {
            var altered = token
            altered[i] = altered[i] == "A" ? "B" : "A"
            let result = sealer.open(String(altered)[...])
            #expect(result == .tampered || result == .notAToken, "position \(i): \(result)")
        }
    }

    /// A token sealed under another key (another process, or a forger who
    /// knows the layout) does not verify.
    @Test func anotherKeysTokenIsTampered() {
        let mine = FlowTokenSealer(key: Array(repeating: 7, count: 32))
        let theirs = FlowTokenSealer(key: Array(repeating: 8, count: 32))
        #expect(mine.open(theirs.seal(Self.flow)[...]) == .tampered)
        // The layout without a MAC (a forger's own bytes) neither.
        let forged = FlowTokenSealer.base64url(FlowTokenSealer.encode(Self.flow) + Array(repeating: 0, count: 16))
        #expect(mine.open(forged[...]) == .tampered)
    }

    @Test(arguments: ["alice", "+12155551234", "b2bua", "", "not a token at all"])
    func ordinaryUserPartsAreNoTokens(user: String) {
        #expect(FlowTokenSealer().open(user[...]) == .notAToken)
    }

    /// A valid token for a connection the table does not hold (closed, or
    /// never opened) is not open; the same id to another far end neither.
    @Test func unknownOrClosedConnectionIsNotOpen() {
        let table = FlowTable()
        #expect(!table.isOpen(Self.flow))
        table.opened(Self.flow)
        #expect(table.isOpen(Self.flow))
        var elsewhere = Self.flow
        elsewhere.remote = SocketAddress(host: "192.0.2.8", port: 40_123)!
        #expect(!table.isOpen(elsewhere))
        table.closed(connectionID: Self.flow.connectionID)
        #expect(!table.isOpen(Self.flow))
    }

    /// The registrations gauge counts open flows answered 2xx, drops a flow
    /// when it closes or unregisters, and ignores a 2xx after the close.
    @Test func registrationsFollowTheFlows() {
        let table = FlowTable()
        table.opened(Self.flow)
        table.registrationAnswered(connectionID: Self.flow.connectionID, bound: true)
        #expect(table.registrations == 1)
        table.registrationAnswered(connectionID: Self.flow.connectionID, bound: false)
        #expect(table.registrations == 0)
        table.registrationAnswered(connectionID: Self.flow.connectionID, bound: true)
        table.closed(connectionID: Self.flow.connectionID)
        #expect(table.registrations == 0)
        table.registrationAnswered(connectionID: Self.flow.connectionID, bound: true)
        #expect(table.registrations == 0, "a 2xx after the flow closed marks nothing")
    }
}
