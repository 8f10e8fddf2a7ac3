import SIPCore

/// Via branch values for requests we forward (RFC 3261 §16.6 step 8).
///
/// Layout: `z9hG4bK` magic cookie, `sd`, 16 hex digits of a loop hash over
/// the fields §16.3 step 4 names, `.`, a per-process unique part, then the
/// seal `BranchAuthenticator` appends (`.` and 16 hex digits). A request
/// arriving with one of our Vias whose loop hash equals the hash of the
/// request as it arrives now has looped (482); a different hash is a spiral.
enum Branch {
    static let prefix = "z9hG4bKsd"

    static func loopHash(of request: SIPMessage) -> String {
        var h = FNV1a()
        h.add(request.requestURI ?? "")
        h.add(request.fromTag ?? "")
        h.add(request.toTag ?? "")
        h.add(request.callID ?? "")
        h.add(decimal: request.cseq?.number ?? 0)
        for v in request.headers(named: "Proxy-Require") { h.add(v) }
        return h.hex
    }

    static func make(loopHash: String, unique: UInt64) -> String {
        var branch = prefix
        branch.reserveCapacity(prefix.utf8.count + loopHash.utf8.count + 15)
        branch += loopHash
        branch += "."
        branch += String(unique, radix: 36)
        return branch
    }

    /// Deterministic branch for stateless forwarding (RFC 3261 §16.11):
    /// the same incoming request always gets the same branch.
    static func stateless(for request: SIPMessage, loopHash: String) -> String {
        var h = FNV1a()
        h.add(request.vias.first?.branch ?? "")
        h.add(request.method ?? "")
        h.add(request.callID ?? "")
        return "\(prefix)\(loopHash).s\(h.hex)"
    }

    static func loopHashPart(ofBranch branch: String) -> String? {
        guard branch.hasPrefix(prefix) else { return nil }
        let rest = branch.dropFirst(prefix.count)
        guard let dot = rest.firstIndex(of: ".") else { return nil }
        return String(rest[..<dot])
    }
}

/// 64-bit FNV-1a: cheap, deterministic across runs.
struct FNV1a {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ s: String) {
        var hash = state
        var text = s  // withUTF8 reads native Strings in place
        text.withUTF8 { bytes in
            for b in bytes {
                hash ^= UInt64(b)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        state = hash
        state ^= 0xff
        state = state &* 0x0000_0100_0000_01b3
    }
    /// Same as `add(String(value))`: the decimal digits, most significant
    /// first, then the separator; without building the String.
    mutating func add(decimal value: UInt32) {
        let before = self
        defer {
            // Debug builds (all tests) check against the String form.
            assert({ var reference = before; reference.add(String(value)); return reference.state == state }())
        }
        var divisor: UInt32 = 1
        while value / divisor >= 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            state ^= UInt64(0x30 + rest / divisor)
            state = state &* 0x0000_0100_0000_01b3
            rest %= divisor
            divisor /= 10
        }
        state ^= 0xff
        state = state &* 0x0000_0100_0000_01b3
    }

    /// 16 lowercase hex digits, zero-padded (as `String(state, radix: 16)`
    /// left-padded with "0"), written straight into the String's storage.
    var hex: String {
        let digits: StaticString = "0123456789abcdef"
        let state = self.state
        let text = String(unsafeUninitializedCapacity: 16) { buffer in
            for index in 0..<16 {
                let nibble = Int((state >> UInt64(60 - 4 * index)) & 0xf)
                buffer[index] = digits.utf8Start[nibble]
            }
            return 16
        }
        assert({
            let reference = String(state, radix: 16)
            return text == String(repeating: "0", count: 16 - reference.count) + reference
        }())
        return text
    }
}
