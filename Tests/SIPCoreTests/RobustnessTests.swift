import Dispatch
import Testing
@testable import SIPCore

/// SplitMix64: deterministic, so a failure is reproducible.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }
}

/// Bytes that tend to matter to a SIP parser.
private let interesting: [UInt8] = Array(" \t\r\n:;,<>\"\\@?=%[]/0-9".utf8) + [0x00, 0xFF, 0xC3, 0x7F]

func mutate(_ bytes: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
    var result = bytes
    let edits = 1 + random.below(4)
    for _ in 0..<edits where !result.isEmpty {
        let position = random.below(result.count)
        switch random.below(6) {
        case 0: result[position] ^= UInt8(truncatingIfNeeded: 1 << random.below(8))
        case 1: result[position] = interesting[random.below(interesting.count)]
        case 2: result.removeSubrange(position...)
        case 3: result.insert(interesting[random.below(interesting.count)], at: position)
        case 4: result.remove(at: position)
        default:
            let length = min(result.count - position, 1 + random.below(40))
            result.insert(contentsOf: result[position..<(position + length)], at: position)
        }
    }
    return result
}

/// Everything a proxy would call on a received message.
func exercise(_ bytes: [UInt8]) {
    _ = SIPMessage.parseHeaderSection(bytes)?.makeResponse(status: 400, reason: "Bad", toTag: "t").serialize()
    guard let message = try? SIPMessage.parse(bytes) else { return }
    _ = message.validateRequest()
    _ = message.validateResponse()
    _ = message.vias
    _ = (message.from?.parsedURI, message.to?.tag, message.cseq, message.maxForwards, message.callID)
    _ = (message.routes, message.recordRoutes, message.contacts, message.pAssertedIdentities, message.identityHeaders)
    _ = message.requestURI.flatMap(SIPURI.init)
    let copy = message.copy()
    copy.prependVia("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKfuzz")
    copy.setTopViaReceived("127.0.0.1", rport: 5060)
    copy.removeTopVia()
    copy.removeTopVia()
    copy.removeFirstRoute()
    copy.maxForwards = max(0, (copy.maxForwards ?? 70) - 1)
    if message.isRequest {
        _ = message.makeResponse(status: 400, reason: "Bad Request", toTag: "t").serialize()
        _ = message.makeCancel().serialize()
        _ = message.makeAck(for: message.makeResponse(status: 486, reason: "Busy", toTag: "t")).serialize()
    }
    let out = copy.serialize()
    _ = try? SIPMessage.parse(out)
    var framer = SIPStreamFramer(maxMessageSize: 8192)
    framer.append(bytes)
    while let framed = try? framer.next() { _ = try? SIPMessage.parse(framed) }
}

@Suite struct RobustnessTests {
    @Test func survivesTwoThousandMutatedFixtures() {
        let fixtures = Fixtures.manifest.map { Fixtures.bytes($0.name) }
        #expect(fixtures.count == 49)
        var random = SplitMix64(state: 4475)
        var parsed = 0
        for round in 0..<2000 {
            let mutated = mutate(fixtures[round % fixtures.count], &random)
            exercise(mutated)
            if (try? SIPMessage.parse(mutated)) != nil { parsed += 1 }
        }
        // Most single edits leave a parseable message; all must not crash.
        #expect(parsed > 500)
    }

    @Test func survivesEveryTruncationOfAFixture() {
        let bytes = Fixtures.bytes("wsinv")
        for length in 0...bytes.count { exercise(Array(bytes.prefix(length))) }
    }

    @Test func survivesHostileFieldValues() {
        let values = ["", ";", ",", "<", ">", "\"", "\\", "<>", "<sip:>", "\"\\", "sip:a@b;tag", "SIP/2.0/UDP",
                      "SIP/2.0/UDP [", "SIP/2.0/UDP h:", "SIP/2.0/UDP h;rport=99999999999999999999", "99999999999999999999 INVITE"]
        for name in ["Via", "From", "To", "Route", "Contact", "CSeq", "Max-Forwards", "Call-ID", "P-Asserted-Identity"] {
            for value in values {
                exercise(sip("INVITE sip:a@b SIP/2.0\n\(name): \(value)\nContent-Length: 0\n\n"))
            }
        }
    }

    /// libosip2 is initialised lazily on first use; many threads racing to be
    /// first must still see one parser_init() and consistent results.
    @Test func parsesFromManyThreadsAtOnce() {
        let fixtures = Fixtures.manifest.map { Fixtures.bytes($0.name) }
        let expected = fixtures.map(outcome)
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 64)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 64) { worker in
            var same = true
            for (index, bytes) in fixtures.enumerated() where outcome(bytes) != expected[index] { same = false }
            results[worker] = same
        }
        #expect(results.allSatisfy { $0 })
    }
}
