import Testing
@testable import STIRCore

/// `PASSporT.decodeHeader` with the header cache gives what it gives
/// without one: same headers, same errors, under the limits of each call.
@Suite struct PASSporTHeaderCacheTests {
    static func segment(_ json: String) -> String { Base64URL.encode(Array(json.utf8)) }

    /// Headers of equal length that differ in one byte of x5u, plus a few
    /// malformed ones (JSON, members, base64).
    static let headers: [String] = {
        var out = (0..<12).map { i in
            segment(#"{"alg":"ES256","ppt":"shaken","typ":"passport","x5u":"https://cert.example.org/\#(Character(UnicodeScalar(UInt8(97 + i)))).pem"}"#)
        }
        out.append(segment(#"{"alg":"ES256","ppt":"shaken","typ":"passport","x5u":"https://cert.example.org/a.pem""#))  // truncated JSON
        out.append(segment(#"{"alg":7,"ppt":"shaken","typ":"passport","x5u":"https://cert.example.org/a.pem"}"#))  // alg not a string
        out.append(segment(#"[["#) + "*")  // not base64url
        out.append(segment(#"{"alg":"ES256","typ":"passport","x5u":"https://c.example/x.pem","deep":[[[[[[1]]]]]]}"#))
        return out
    }()

    static let payloads = [segment(#"{"attest":"A","dest":{"tn":["12155551213"]},"iat":1443208345,"orig":{"tn":"12155551212"},"origid":"123e4567-e89b-12d3-a456-426655440000"}"#), "*bad*"]

    enum Outcome: Equatable {
        case ok(PASSporTHeader, JSONValue, [UInt8], [UInt8], [UInt8])
        case failed(PASSporTError)

        var isOK: Bool { if case .ok = self { true } else { false } }
    }

    static func outcome(_ token: String, _ limits: JSONReader.Limits, _ cache: PASSporTHeaderCache?) -> Outcome {
        do {
            let stage = try PASSporT.decodeHeader(token, limits: limits, cache: cache)
            return .ok(stage.header, stage.headerJSON, stage.payloadBytes, stage.signingInput, stage.signature)
        } catch {
            return .failed(error)
        }
    }

    @Test func sameAnswersAsWithoutTheCache() {
        let cache = PASSporTHeaderCache(capacity: 6)
        let limits = [JSONReader.Limits(), JSONReader.Limits(maxDepth: 3), JSONReader.Limits(maxBytes: 64)]
        var state: UInt64 = 99
        var compared = 0
        var hits = 0
        for _ in 0..<3_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let header = Self.headers[Int(state >> 33) % Self.headers.count]
            let payload = Self.payloads[Int(state >> 40) % 5 == 0 ? 1 : 0]
            let limit = limits[Int(state >> 50) % limits.count]
            let token = header + "." + payload + ".c2lnbmF0dXJl"
            let headerBytes = Array(header.utf8)[...]
            if cache.lookup(headerBytes, limits: limit) != nil { hits += 1 }
            #expect(Self.outcome(token, limit, cache) == Self.outcome(token, limit, nil), "\(token) \(limit)")
            compared += 1
        }
        #expect(compared == 3_000)
        // The cache did answer (so the comparison covered its answers), and stayed bounded.
        #expect(hits > 100)
        #expect(cache.count == 6)
    }

    @Test func anEntryCountsOnlyUnderItsOwnLimits() {
        let cache = PASSporTHeaderCache()
        let deep = Self.headers[15]
        let token = deep + "." + Self.payloads[0] + ".c2lnbmF0dXJl"
        #expect(Self.outcome(token, .init(), cache).isOK)
        #expect(cache.count == 1)
        // Too deep for maxDepth 3: rejected although the same bytes are cached.
        if case .failed(.invalidJSON) = Self.outcome(token, .init(maxDepth: 3), cache) {} else {
            Issue.record("a header too deep for these limits was accepted")
        }
    }

    @Test func failuresAreNotStored() {
        let cache = PASSporTHeaderCache()
        for header in Self.headers[12...14] {
            _ = Self.outcome(header + "." + Self.payloads[0] + ".c2ln", .init(), cache)
        }
        #expect(cache.count == 0)
        #expect(cache.lookup(Array("x".utf8)[...], limits: .init()) == nil)
        let long = PASSporTHeaderCache(maxSegmentBytes: 16)
        _ = Self.outcome(Self.headers[0] + "." + Self.payloads[0] + ".c2ln", .init(), long)
        #expect(long.count == 0)
    }
}
