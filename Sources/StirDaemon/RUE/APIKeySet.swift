import Crypto
import Foundation

/// The API keys that identify RUE implementations to the configuration
/// service (RFC 9248 §9: the `apiKey` query parameter names the app, not
/// the user). The file holds one key a line, `SHA256HEX STATE LABEL`, with
/// STATE `active` or `revoked`; never the key itself. A key is 32 random
/// bytes (256 bits, shown once as base64url by `stirctl apikey new`), so
/// one SHA-256 is enough: unlike a password there is nothing to guess, and
/// a slow hash would only cost CPU on every request. A revoked key stays
/// listed so the service can say "revoked" rather than "unknown" in its
/// log and metrics. Re-read on SIGHUP.
public struct APIKeySet: Equatable, Sendable {
    public enum State: String, Equatable, Sendable { case active, revoked }

    public struct Entry: Equatable, Sendable {
        public var hash: String
        public var state: State
        public var label: String
        public init(hash: String, state: State, label: String) {
            self.hash = hash
            self.state = state
            self.label = label
        }
        public var line: String { "\(hash) \(state.rawValue) \(label)".trimmingCharacters(in: .whitespaces) }
    }

    /// What a presented key is.
    public enum Lookup: Equatable, Sendable {
        case active(label: String)
        case revoked(label: String)
        case unknown
    }

    public struct LoadError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public var entries: [Entry]

    public init(entries: [Entry] = []) { self.entries = entries }

    /// The lower-case hex SHA-256 of the key's UTF-8 text, as stored.
    public static func hash(ofKey key: String) -> String { MessageDigest.sha256.hex(key) }

    /// A new random key: 32 bytes from OpenSSL's DRBG, base64url without padding.
    public static func generateKey() -> String {
        Data(HMACSHA256.randomKey(count: 32)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public func lookup(_ key: String) -> Lookup {
        let h = Array(Self.hash(ofKey: key).utf8)
        // Every entry is compared, in constant time each.
        var found: Lookup = .unknown
        for e in entries where MessageDigest.constantTimeEqual(Array(e.hash.utf8), h) {
            found = e.state == .active ? .active(label: e.label) : .revoked(label: e.label)
        }
        return found
    }

    public static func parse(_ text: String) throws -> APIKeySet {
        var out: [Entry] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard fields.count >= 2, fields[0].count == 64, fields[0].allSatisfy({ $0.isHexDigit }),
                  let state = State(rawValue: String(fields[1])) else {
                throw LoadError(description: "line \(i + 1): expected 'SHA256HEX active|revoked LABEL' (stirctl apikey new)")
            }
            out.append(Entry(hash: fields[0].lowercased(), state: state, label: fields.count > 2 ? String(fields[2]) : ""))
        }
        return APIKeySet(entries: out)
    }

    public static func load(path: String) throws -> APIKeySet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "\(path): cannot be read")
        }
        do { return try parse(String(decoding: data, as: UTF8.self)) } catch let e as LoadError {
            throw LoadError(description: "\(path): \(e.description)")
        }
    }

    public var text: String {
        "# RUE API keys (RFC 9248 §9): SHA-256 of each key, its state and a label; written by stirctl apikey\n"
            + entries.map { $0.line + "\n" }.joined()
    }
}
