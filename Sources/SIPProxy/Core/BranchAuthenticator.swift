import Crypto
import SIPCore

/// Seals the Via branches this proxy writes so that a response matching
/// no transaction is relayed only when the branch is one of ours and was
/// made for the Via it would be relayed to.
///
/// RFC 3261 §16.7 step 1 and RFC 6026 §7.2 make a proxy forward such a
/// response by its second Via. Without a check, anyone could send stird a
/// response whose top Via names stird and whose second Via names a victim,
/// and stird would reflect it there. The seal is 16 hex digits of an
/// HMAC-SHA256 over the branch and the destination the upstream Via gives
/// (`received` or host, `rport` or port, transport), under a key drawn at
/// start-up: a forged or replayed-elsewhere branch does not open.
///
/// One instance per loop: `HMACSHA256` is used from one queue only.
final class BranchAuthenticator {
    /// Drawn once per process. A response to a request forwarded by an
    /// earlier process no longer opens and is dropped as stray (its
    /// transactions are gone with that process anyway).
    static let processKey = HMACSHA256.randomKey()

    private let hmac: HMACSHA256

    init(key: [UInt8] = BranchAuthenticator.processKey) {
        guard let hmac = HMACSHA256(key: key) else {
            preconditionFailure("OpenSSL provides no HMAC-SHA256")
        }
        self.hmac = hmac
    }

    /// `branch` with its seal appended: `<branch>.<16 hex digits>`.
    func seal(_ branch: String, upstream: SIPVia?) -> String {
        branch + "." + tag(branch[...], upstream: upstream)
    }

    /// True when `branch` ends in the seal `seal` would give it for a
    /// response relayed by `upstream`.
    func opens(_ branch: String, upstream: SIPVia) -> Bool {
        guard let dot = branch.lastIndex(of: ".") else { return false }
        let given = branch[branch.index(after: dot)...]
        guard given.utf8.count == 16 else { return false }
        let expected = tag(branch[..<dot], upstream: upstream)
        // Constant time: how many leading digits matched must not show.
        var difference: UInt8 = 0
        for (a, b) in zip(given.utf8, expected.utf8) { difference |= a ^ b }
        return difference == 0
    }

    private func tag(_ body: Substring, upstream: SIPVia?) -> String {
        input.removeAll(keepingCapacity: true)
        input.append(contentsOf: body.utf8)
        if let via = upstream {
            // SIPVia keeps the transport upper-cased; the host is folded to
            // lower case so a peer that changes its case still matches.
            input.append(0)
            input.append(contentsOf: via.transport.utf8)
            input.append(0)
            for b in (via.received ?? via.host).utf8 { input.append(b >= 65 && b <= 90 ? b + 32 : b) }
            input.append(0)
            // The port, least significant digit first (input only, never shown).
            var port = (via.rport ?? nil) ?? via.port ?? 5060
            repeat {
                input.append(UInt8(48 + port % 10))
                port /= 10
            } while port > 0
        }
        let mac = hmac.mac(input)
        // An empty MAC (OpenSSL failed) seals nothing that could open.
        guard mac.count >= 8 else { return "xxxxxxxxxxxxxxxx" }
        return String(unsafeUninitializedCapacity: 16) { buffer in
            for i in 0..<8 {
                buffer[2 * i] = Self.hexDigits[Int(mac[i] >> 4)]
                buffer[2 * i + 1] = Self.hexDigits[Int(mac[i] & 0xf)]
            }
            return 16
        }
    }

    /// The MAC input, reused across calls (one instance per loop).
    private var input: [UInt8] = []
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
