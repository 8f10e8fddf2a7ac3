import Testing
import SIPCore
@testable import SIPProxy
import TestSupport

/// Finished transactions leave their full context for the lingering table
/// (Timers L, J, M, K): what they must still do is checked here.
@Suite("Lingering transactions (RFC 3261 §17, RFC 6026)")
struct LingeringTransactionTests {
    /// INVITE → 200 through the proxy; returns the forwarded INVITE.
    private func answeredCall(_ h: ProxyHarness) throws -> SIPMessage {
        h.receive(Msg.invite())
        let fwd = try #require(h.take().first?.message)
        h.receive(Msg.response(to: fwd, status: 200, reason: "OK"), from: ProxyHarness.callee)
        #expect(h.take().map(\.firstLine) == ["SIP/2.0 200 OK"])
        return fwd
    }

    @Test func inviteRetransmittedAfter2xxIsAbsorbedUntilTimerL() throws {
        let h = ProxyHarness()
        _ = try answeredCall(h)
        #expect(h.queue.sync { h.core.servers.count + h.core.clients.count } == 0)
        #expect(h.transactions == 2)  // both lingering
        h.receive(Msg.invite())
        #expect(h.take().isEmpty)
        #expect(h.queue.sync { h.core.stats.retransmissionsAbsorbed } == 1)
        h.advance(.seconds(31))  // Timer L = 64*T1 = 32 s: still absorbed
        h.receive(Msg.invite())
        #expect(h.take().isEmpty)
        h.advance(.seconds(3))  // past Timer L plus the generation window
        #expect(h.transactions == 0)
        h.receive(Msg.invite())  // now a new transaction: forwarded again
        #expect(h.take().map(\.firstLine) == ["INVITE sip:+15551230000@127.0.0.1:5060 SIP/2.0"])
    }

    @Test func retransmitted2xxGoesUpstreamWhileAccepted() throws {
        let h = ProxyHarness()
        let fwd = try answeredCall(h)
        h.receive(Msg.response(to: fwd, status: 200, reason: "OK"), from: ProxyHarness.callee)
        let out = h.take()
        #expect(out.map(\.firstLine) == ["SIP/2.0 200 OK"])
        #expect(out.first?.to == ProxyHarness.caller)
        #expect(out.first?.message?.vias.count == 1)
        // A provisional after the final is absorbed, not forwarded.
        h.receive(Msg.response(to: fwd, status: 180, reason: "Ringing"), from: ProxyHarness.callee)
        #expect(h.take().isEmpty)
    }

    @Test func cancelAfterTheFinalResponseGets200AndGoesNowhere() throws {
        let h = ProxyHarness()
        _ = try answeredCall(h)
        h.receive(Msg.invite(method: "CANCEL"))
        #expect(h.take().map(\.firstLine) == ["SIP/2.0 200 OK"])
        h.receive(Msg.invite(method: "CANCEL"))  // retransmitted CANCEL: its 200 again
        #expect(h.take().map(\.firstLine) == ["SIP/2.0 200 OK"])
    }

    @Test func nonInviteRetransmissionGetsTheSameFinalUntilTimerJ() throws {
        let h = ProxyHarness()
        let bye = Msg.invite(branch: "z9hG4bKbye1", method: "BYE")
        h.receive(bye)
        let fwd = try #require(h.take().first?.message)
        h.receive(Msg.response(to: fwd, status: 200, reason: "OK"), from: ProxyHarness.callee)
        let first = try #require(h.take().first)
        #expect(first.firstLine == "SIP/2.0 200 OK")
        // A retransmitted 200 from downstream is absorbed during Timer K (T4 = 5 s).
        h.advance(.seconds(4))
        h.receive(Msg.response(to: fwd, status: 200, reason: "OK"), from: ProxyHarness.callee)
        #expect(h.take().isEmpty)
        h.advance(.seconds(16))
        h.receive(bye)
        let again = h.take()
        #expect(again.map(\.bytes) == [first.bytes])
        #expect(again.first?.to == ProxyHarness.caller)
        h.advance(.seconds(14))  // past Timer J (32 s) and the window
        #expect(h.transactions == 0)
        h.receive(bye)
        #expect(h.take().map(\.firstLine) == ["BYE sip:+15551230000@127.0.0.1:5060 SIP/2.0"])
    }

    @Test func overTCPNothingLingersForNonInvite() throws {
        let h = ProxyHarness()
        h.receive(Msg.invite(branch: "z9hG4bKbye2", method: "BYE"), transport: .tcp)
        let fwd = try #require(h.take().first?.message)
        h.receive(Msg.response(to: fwd, status: 200, reason: "OK"), from: ProxyHarness.callee)
        #expect(h.take().map(\.firstLine) == ["SIP/2.0 200 OK"])
        // Timer J is 0 on a reliable transport; the UDP client side still has Timer K.
        #expect(h.queue.sync { h.core.lingeringServers.count } == 0)
    }
}

@Suite("LingerTable")
struct LingerTableTests {
    @Test func keepsBytesForAtLeastTheDurationAndAtMostOneWindowMore() {
        let clock = ManualTimerScheduler()
        let table = LingerTable(scheduler: clock)
        let a = LingerTable.Key("r", "z9hg4bk1", "host:5060", "BYE")
        let b = LingerTable.Key("r", "z9hg4bk2", "host:5060", "BYE")
        table.insert(a, bytes: Array("first".utf8), lingering: .seconds(32))
        clock.advance(by: .milliseconds(900))
        table.insert(b, bytes: nil, lingering: .seconds(32))
        #expect(table.lookup(a).bytes == Array("first".utf8))
        #expect(table.lookup(b).found && table.lookup(b).bytes == nil)
        clock.advance(by: .seconds(32))  // 32.9 s: b (inserted at 0.9 s) has had 32 s only
        #expect(table.contains(b))
        clock.advance(by: .milliseconds(200))  // 33.1 s: the generation (opened at 0) is gone
        #expect(table.count == 0)
    }

    @Test func laterInsertsGoToANewGenerationWithTheirOwnBytes() {
        let clock = ManualTimerScheduler()
        let table = LingerTable(scheduler: clock)
        for i in 0..<100 {
            table.insert(LingerTable.Key("c", "k\(i)"), bytes: Array("resp-\(i)".utf8), lingering: .seconds(5))
            clock.advance(by: .milliseconds(50))
        }
        for i in 0..<100 {
            #expect(table.lookup(LingerTable.Key("c", "k\(i)")).bytes == Array("resp-\(i)".utf8))
        }
        #expect(!table.contains(LingerTable.Key("c", "k100")))
        clock.advance(by: .seconds(7))
        #expect(table.count == 0)
    }

    @Test func similarResponsesAreStoredDeltaCodedAndComeBackExactly() {
        let clock = ManualTimerScheduler()
        let table = LingerTable(scheduler: clock)
        func response(_ i: Int) -> [UInt8] {
            Array(("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-\(i)-1;rport=5070\r\n"
                + "From: <sip:+15551110000@127.0.0.1>;tag=f\(i)\r\nTo: <sip:+15551230000@127.0.0.1>;tag=t\(i * 7)\r\n"
                + "Call-ID: call-\(i)@127.0.0.1\r\nCSeq: 2 BYE\r\nContact: <sip:127.0.0.1:5080>\r\n"
                + "Content-Length: 0\r\n\r\n").utf8)
        }
        let count = 200
        var raw = 0
        for i in 0..<count {
            table.insert(LingerTable.Key("r", "b\(i)"), bytes: response(i), lingering: .seconds(32))
            raw += response(i).count
        }
        // Every response comes back byte for byte.
        for i in 0..<count {
            #expect(table.lookup(LingerTable.Key("r", "b\(i)")).bytes == response(i))
        }
        // And the arena holds far less than the responses did.
        #expect(table.storedBytes * 4 < raw)
        // Unlike bytes (nothing in common with the reference) are kept as is.
        let noise = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }
        table.insert(LingerTable.Key("r", "noise"), bytes: noise, lingering: .seconds(32))
        #expect(table.lookup(LingerTable.Key("r", "noise")).bytes == noise)
    }

    @Test func damagedDeltaDataGivesNilNotGarbage() throws {
        let reference = DeltaCoder.Reference(Array("SIP/2.0 200 OK\r\nCSeq: 1 BYE\r\nCall-ID: abc\r\nContent-Length: 0\r\n\r\n".utf8))
        let message = Array("SIP/2.0 200 OK\r\nCSeq: 2 BYE\r\nCall-ID: abd\r\nContent-Length: 0\r\n\r\n".utf8)
        let packed = try #require(DeltaCoder.encode(message, against: reference))
        #expect(packed.count < message.count)
        #expect(DeltaCoder.decode(packed[...], against: reference, length: message.count) == message)
        #expect(DeltaCoder.decode(packed.dropLast(1), against: reference, length: message.count) == nil)
        #expect(DeltaCoder.decode(packed[...], against: reference, length: message.count + 1) == nil)
        #expect(DeltaCoder.decode(packed[...], against: reference, length: message.count - 1) == nil)
        #expect(DeltaCoder.decode([][...], against: reference, length: 1) == nil)
        // A copy past the end of the reference, and one cut short.
        #expect(DeltaCoder.decode([0x80, 0xFF, 0xF0][...], against: reference, length: 4) == nil)
        #expect(DeltaCoder.decode([0x80, 0x00][...], against: reference, length: 4) == nil)
        // Every single-byte change of the packed data either fails or gives
        // other bytes of the right length; it never reads out of bounds.
        for index in packed.indices {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var damaged = packed
                damaged[index] ^= flip
                if let out = DeltaCoder.decode(damaged[...], against: reference, length: message.count) {
                    #expect(out.count == message.count)
                }
            }
        }
    }

    /// Round trips of random messages against random references: pieces of
    /// the reference, changed bytes, inserted and dropped runs, long copies
    /// (over 131 bytes) and long literals (over 128); and a reference over
    /// 65,535 bytes, of which only the start is indexed.
    @Test func randomMessagesComeBackExactly() throws {
        var random = TestRandom(seed: 0xDE17A)
        func next(_ bound: Int) -> Int { random.next(bound) }
        var packedCount = 0
        for round in 0..<400 {
            let referenceLength = round == 0 ? 70_000 : 1 + next(round % 3 == 0 ? 2_000 : 400)
            let alphabet = round % 2 == 0 ? 4 : 256
            let bytes = (0..<referenceLength).map { _ in UInt8(next(alphabet)) }
            let reference = DeltaCoder.Reference(bytes)
            var message: [UInt8] = []
            while message.count < 1 + next(600) {
                switch next(3) {
                case 0:
                    let start = next(bytes.count)
                    message += bytes[start..<min(bytes.count, start + 1 + next(300))]
                case 1: message += (0..<(1 + next(200))).map { _ in UInt8(next(256)) }
                default: if !message.isEmpty { message[next(message.count)] ^= UInt8(1 + next(255)) }
                }
            }
            if round == 0 { message = Array(bytes[65_000..<66_000]) + Array(bytes[0..<500]) }
            guard let packed = DeltaCoder.encode(message, against: reference) else { continue }
            packedCount += 1
            #expect(packed.count < message.count)
            let out = DeltaCoder.decode(packed[...], against: reference, length: message.count)
            let same = out == message
            #expect(same, "round \(round): \(message.count) bytes did not come back")
        }
        #expect(packedCount > 200)
    }

    @Test func aFullTableRefusesNewEntriesAndCountsThem() {
        let clock = ManualTimerScheduler()
        let table = LingerTable(scheduler: clock, capacity: 3)
        for i in 0..<5 { table.insert(LingerTable.Key("c", "k\(i)"), bytes: nil, lingering: .seconds(5)) }
        #expect(table.count == 3 && table.refused == 2)
        #expect(table.contains(LingerTable.Key("c", "k2")) && !table.contains(LingerTable.Key("c", "k3")))
        clock.advance(by: .seconds(7))
        table.insert(LingerTable.Key("c", "k9"), bytes: nil, lingering: .seconds(5))
        #expect(table.count == 1)
    }

    @Test func keyPartsAreSeparated() {
        #expect(LingerTable.Key("ab", "c") != LingerTable.Key("a", "bc"))
        #expect(LingerTable.Key("ab", "c") == LingerTable.Key("ab", "c"))
    }
}

@Suite("TimerMap")
struct TimerMapTests {
    @Test func behavesLikeADictionaryIncludingPastFourTimers() {
        var map = TimerMap<Int>()
        var reference: [TransactionTimer: Int] = [:]
        // A seeded walk of sets, overwrites and removals over all 13 timers.
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        for step in 0..<2_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let timer = TransactionTimer.allCases[Int(state >> 33) % TransactionTimer.allCases.count]
            if (state >> 20) % 3 == 0 {
                #expect(map.removeValue(forKey: timer) == reference.removeValue(forKey: timer))
            } else {
                map[timer] = step
                reference[timer] = step
            }
            for t in TransactionTimer.allCases where map[t] != reference[t] {
                Issue.record("step \(step): \(t) is \(String(describing: map[t])), expected \(String(describing: reference[t]))")
            }
            #expect(map.isEmpty == reference.isEmpty)
            #expect(map.keysInOrder == TransactionTimer.allCases.filter { reference[$0] != nil })
        }
        var seen: [Int] = []
        map.removeAll { seen.append($0) }
        #expect(seen.sorted() == reference.values.sorted())
        #expect(map.isEmpty && map.values.isEmpty)
    }
}

/// A client context holds its server context strongly (no weak reference,
/// which would give both a side table); the cycle must be broken when a
/// transaction ends, whatever way the call ends.
@Suite("Transaction contexts are freed when their transactions end")
struct ContextLifetimeTests {
    private final class Weak { weak var server: ServerContext?; weak var client: ClientContext? }

    /// Sends `request`, keeps weak references to the contexts it made,
    /// runs `rest`, lets every timer run out and checks both are gone.
    private func check(_ request: String, _ rest: (ProxyHarness, SIPMessage) throws -> Void) throws {
        let h = ProxyHarness()
        let refs = Weak()
        try {
            h.receive(request)
            let fwd = try #require(h.take().first { !$0.firstLine.hasPrefix("SIP/2.0 100") }?.message)
            h.queue.sync {
                refs.server = h.core.servers.values.first
                refs.client = h.core.clients.values.first
            }
            #expect(refs.server != nil && refs.client != nil)
            #expect(refs.client?.server === refs.server)
            try rest(h, fwd)
        }()
        h.advance(.seconds(300))
        #expect(h.transactions == 0)
        #expect(refs.server == nil, "server context still alive")
        #expect(refs.client == nil, "client context still alive")
    }

    @Test func answeredInvite() throws {
        try check(Msg.invite()) { h, fwd in
            h.receive(Msg.response(to: fwd, status: 180, reason: "Ringing"), from: ProxyHarness.callee)
            h.receive(Msg.response(to: fwd, status: 200, reason: "OK"), from: ProxyHarness.callee)
            #expect(h.take().map(\.firstLine) == ["SIP/2.0 180 Ringing", "SIP/2.0 200 OK"])
        }
    }

    @Test func rejectedInvite() throws {
        try check(Msg.invite()) { h, fwd in
            h.receive(Msg.response(to: fwd, status: 486, reason: "Busy Here"), from: ProxyHarness.callee)
            #expect(h.take().contains { $0.firstLine == "SIP/2.0 486 Busy Here" })
        }
    }

    @Test func unansweredInviteTimesOut() throws {
        try check(Msg.invite()) { h, _ in
            h.advance(.seconds(40))
            #expect(h.take().contains { $0.firstLine == "SIP/2.0 408 Request Timeout" })
        }
    }

    @Test func cancelledInvite() throws {
        try check(Msg.invite()) { h, fwd in
            h.receive(Msg.response(to: fwd, status: 180, reason: "Ringing"), from: ProxyHarness.callee)
            h.receive(Msg.invite(method: "CANCEL"))
            let cancel = try #require(h.take().first { $0.firstLine.hasPrefix("CANCEL") }?.message)
            h.receive(Msg.response(to: cancel, status: 200, reason: "OK"), from: ProxyHarness.callee)
            h.receive(Msg.response(to: fwd, status: 487, reason: "Request Terminated"), from: ProxyHarness.callee)
            #expect(h.take().contains { $0.firstLine == "SIP/2.0 487 Request Terminated" })
        }
    }

    @Test func answeredBye() throws {
        try check(Msg.invite(branch: "z9hG4bKbye1", method: "BYE")) { h, fwd in
            h.receive(Msg.response(to: fwd, status: 200, reason: "OK"), from: ProxyHarness.callee)
            #expect(h.take().map(\.firstLine) == ["SIP/2.0 200 OK"])
        }
    }
}

/// The linger key's hashes must stay what the collision argument in
/// `LingerTable` was made for: two FNV-1a variants, byte by byte, with a
/// 0xff separator per part, whichever initializer builds them.
@Suite struct LingerKeyTests {
    static func reference(_ parts: [String]) -> LingerTable.Key {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x84222325_cbf29ce4 ^ 0x9e37_79b9_7f4a_7c15
        let prime: UInt64 = 0x0000_0100_0000_01b3
        for part in parts {
            for byte in part.utf8 {
                a = (a ^ UInt64(byte)) &* prime
                b = (b ^ UInt64(byte)) &* prime
                b = (b ^ (b >> 29))
            }
            a = (a ^ 0xff) &* prime
            b = ((b ^ 0xff) &* prime) ^ (b >> 31)
        }
        return LingerTable.Key(a: a, b: b)
    }

    @Test func everyInitializerGivesTheReferenceHashes() {
        let pieces = ["", "r", "c", "z9hG4bK-1-2", "127.0.0.1:5060", "INVITE", "é", "\u{301}", "a;b", "x"]
        var random = TestRandom(seed: 0x11E6)
        for _ in 0..<2_000 {
            let parts = (0..<4).map { _ in (0..<random.next(4)).map { _ in pieces[random.next(pieces.count)] }.joined() }
            #expect(LingerTable.Key(parts[0], parts[1], parts[2], parts[3]) == Self.reference(parts))
            #expect(LingerTable.Key(parts[0], parts[1]) == Self.reference(Array(parts[0..<2])))
            // A String rebuilt from its Characters hashes the same.
            let built = String(parts[2].reversed().reversed())
            #expect(LingerTable.Key(parts[0], built) == Self.reference([parts[0], built]))
        }
        // Parts are separated: moving a byte across a boundary changes the key.
        #expect(LingerTable.Key("ab", "c") != LingerTable.Key("a", "bc"))
    }
}
