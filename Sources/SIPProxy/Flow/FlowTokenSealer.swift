import Crypto
import Foundation

/// Turns a `FlowToken` into the user part of the Path URI stird puts on
/// a relayed REGISTER (RFC 3327 §4.2, RFC 5626 §5.2) and back. The token
/// is base64url (no padding) of the flow's fields followed by the first
/// 16 bytes of an HMAC-SHA256 over them under a key drawn at start-up:
/// whoever holds a registration cannot make stird send a request over
/// someone else's connection (§5.2: "the flow token MUST be protected"),
/// and tokens die with the process, as the connections they name do.
///
/// One instance per loop: `HMACSHA256` is used from one queue only.
public final class FlowTokenSealer {
    /// Drawn once per process (shared by every loop: a REGISTER relayed on
    /// one loop and the INVITE that comes back on another must agree).
    public static let processKey = HMACSHA256.randomKey()

    /// What `open` found.
    public enum Opened: Equatable {
        /// The text is not a flow token at all (wrong alphabet or length).
        case notAToken
        /// Shaped like a token but its MAC does not verify: forged or altered.
        case tampered
        case valid(FlowToken)
    }

    static let version: UInt8 = 1
    static let macBytes = 16
    private let hmac: HMACSHA256

    public init(key: [UInt8] = FlowTokenSealer.processKey) {
        guard let hmac = HMACSHA256(key: key) else { preconditionFailure("OpenSSL provides no HMAC-SHA256") }
        self.hmac = hmac
    }

    /// The token text: safe in a SIP URI user part (RFC 3261 §25.1
    /// unreserved: base64url's alphabet is letters, digits, `-` and `_`).
    public func seal(_ flow: FlowToken) -> String {
        let body = Self.encode(flow)
        return Self.base64url(body + hmac.mac(body).prefix(Self.macBytes))
    }

    public func open(_ text: Substring) -> Opened {
        guard let bytes = Self.unbase64url(text), bytes.count > Self.macBytes + 12, bytes[0] == Self.version else { return .notAToken }
        let body = Array(bytes.dropLast(Self.macBytes))
        let given = bytes.suffix(Self.macBytes)
        let expected = hmac.mac(body)
        guard expected.count >= Self.macBytes else { return .tampered }
        // Constant time: how many leading bytes matched must not show.
        var difference: UInt8 = 0
        for (a, b) in zip(given, expected.prefix(Self.macBytes)) { difference |= a ^ b }
        guard difference == 0 else { return .tampered }
        guard let flow = Self.decode(body) else { return .tampered }
        return .valid(flow)
    }

    /// version, transport, connection id (8 bytes, big-endian), port (2),
    /// then the numeric host as text.
    static func encode(_ flow: FlowToken) -> [UInt8] {
        var out: [UInt8] = [version, transportCode(flow.transport)]
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: flow.connectionID >> UInt64(shift))) }
        out.append(UInt8(flow.remote.port >> 8))
        out.append(UInt8(flow.remote.port & 0xff))
        out.append(contentsOf: flow.remote.host.utf8)
        return out
    }

    static func decode(_ body: [UInt8]) -> FlowToken? {
        guard body.count > 12, body[0] == version else { return nil }
        let transport: TransportProtocol
        switch body[1] {
        case 1: transport = .tcp
        case 2: transport = .tls
        default: return nil
        }
        var id: UInt64 = 0
        for b in body[2..<10] { id = id << 8 | UInt64(b) }
        let port = Int(body[10]) << 8 | Int(body[11])
        guard let host = String(bytes: body[12...], encoding: .utf8), let remote = SocketAddress(host: host, port: port) else { return nil }
        return FlowToken(connectionID: id, remote: remote, transport: transport)
    }

    static func transportCode(_ t: TransportProtocol) -> UInt8 {
        switch t {
        case .udp: return 0
        case .tcp: return 1
        case .tls: return 2
        }
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        var s = Data(bytes).base64EncodedString()
        s = s.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while s.hasSuffix("=") { s.removeLast() }
        return s
    }

    static func unbase64url(_ text: Substring) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.allSatisfy({ isBase64url($0) }) else { return nil }
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.utf8.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s).map(Array.init)
    }

    private static func isBase64url(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 45 || c == 95
    }
}
