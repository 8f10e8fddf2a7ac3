import Testing
@testable import SIPCore

/// What this element does with each RFC 4475 message.
enum Expected: Equatable {
    case accept                     // parses; validate passes
    case parseError                 // parse throws
    case reject(Int)                // validateRequest returns this status
    case dropResponse               // validateResponse returns a reason
}

let expectations: [String: Expected] = [
    // 3.1.1 valid
    "wsinv": .accept, "intmeth": .accept, "esc01": .accept, "escnull": .accept, "esc02": .accept,
    "lwsdisp": .accept, "longreq": .accept, "dblreq": .accept, "semiuri": .accept,
    "transports": .accept, "mpart01": .accept, "unreason": .accept, "noreason": .accept,
    // 3.1.2 invalid
    "badinv01": .reject(400), "clerr": .parseError, "ncl": .parseError, "scalar02": .reject(400),
    "scalarlg": .dropResponse, "quotbal": .reject(400), "ltgtruri": .reject(400),
    "lwsruri": .reject(400),
    "lwsstart": .accept,            // liberal: extra SP ignored and not forwarded
    "trws": .accept,                // liberal: trailing SP ignored and not forwarded
    "escruri": .reject(400), "baddate": .accept, "regbadct": .reject(400),
    "badaspec": .reject(400), "baddn": .reject(400), "badvers": .reject(505),
    "mismatch01": .reject(400), "mismatch02": .reject(501), "bigcode": .dropResponse,
    // 3.2 / 3.3 / 3.4
    "badbranch": .accept, "insuf": .reject(400), "unkscm": .accept, "novelsc": .accept,
    "unksm2": .accept, "bext01": .accept, "invut": .accept, "regaut01": .accept,
    "multi01": .reject(400), "mcl01": .parseError, "bcast": .accept, "zeromf": .accept,
    "cparam01": .accept, "cparam02": .accept, "regescrt": .accept, "sdp01": .accept,
    "inv2543": .accept,
]

func outcome(_ bytes: [UInt8]) -> Expected {
    guard let message = try? SIPMessage.parse(bytes) else { return .parseError }
    if message.isRequest {
        if let rejection = message.validateRequest() { return .reject(rejection.code) }
        return .accept
    }
    return message.validateResponse() == nil ? .accept : .dropResponse
}

@Suite struct RFC4475Tests {
    @Test func manifestListsAll49Messages() {
        #expect(Fixtures.manifest.count == 49)
        #expect(Set(Fixtures.manifest.map(\.name)) == Set(expectations.keys))
    }

    @Test(arguments: Fixtures.manifest.map(\.name))
    func fixtureHasExpectedOutcome(_ name: String) {
        let bytes = Fixtures.bytes(name)
        #expect(!bytes.isEmpty)
        #expect(outcome(bytes) == expectations[name], "\(name)")
    }

    @Test(arguments: Fixtures.manifest.map(\.name))
    func fixtureRoundTripsThroughSerialize(_ name: String) throws {
        guard let message = try? Fixtures.message(name) else { return }
        let again = try SIPMessage.parse(message.serialize())
        // Content-Length is added when missing (inv2543); all else is kept.
        let names = again.headerNames.filter { $0.lowercased() != "content-length" && $0 != "l" && $0 != "L" }
        #expect(names == message.headerNames.filter { $0.lowercased() != "content-length" && $0 != "l" && $0 != "L" })
        for field in message.headerNames {
            #expect(again.headers(named: field) == message.headers(named: field))
        }
        #expect(again.body == message.body)
        #expect(again.method == message.method)
        #expect(again.requestURI == message.requestURI)
        #expect(again.statusCode == message.statusCode)
        #expect(outcome(again.serialize()) == outcome(Fixtures.bytes(name)))
    }
}
