import Crypto
import Foundation

/// Rich Call Data integrity (RFC 9795 §6): `rcdi` maps JSON pointers
/// (RFC 6901, into the `rcd` claim) to `<alg>-<base64 digest>`. A pointer
/// to a JSON value is checked against the digest of its RFC 8225 §9
/// canonical serialization; `/icn` and `/jcl` name URLs whose content
/// (the HTTP body bytes) is what was digested, so they need a fetch.
public enum RcdIntegrity {
    /// The result for one request's rcd claims.
    public enum Verdict: Equatable, Sendable {
        /// Every digest matched (or there was no `rcdi`).
        case verified
        /// The local digests matched; these external ones (`/icn`, `/jcl`)
        /// still need their content.
        case needsContent([String: String])
        /// A digest did not match, or `rcdi` is malformed: the rcd content
        /// must not be used (§8.1, §8.2).
        case failed(String)
    }

    /// `sha256-…`, `sha384-…` or `sha512-…` (§6: the algorithm in lower
    /// case, `-`, then the digest in base64; standard or url alphabet,
    /// padding optional, as the RFC examples use `+` and `/`).
    public static func parseDigest(_ text: String) -> (MessageDigest, [UInt8])? {
        guard let dash = text.firstIndex(of: "-") else { return nil }
        let alg: MessageDigest
        switch text[..<dash] {
        case "sha256": alg = .sha256
        case "sha384": alg = .sha384
        case "sha512": alg = .sha512
        default: return nil
        }
        var b64 = text[text.index(after: dash)...].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.hasSuffix("=") { b64.removeLast() }
        b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
        guard let data = Data(base64Encoded: b64), data.count == alg.length else { return nil }
        return (alg, Array(data))
    }

    /// `alg-digest` of `bytes` (standard base64 without padding, as in the §6 examples).
    public static func digest(_ bytes: [UInt8], alg: String = "sha256") -> String? {
        let md: MessageDigest = alg == "sha384" ? .sha384 : alg == "sha512" ? .sha512 : .sha256
        guard let d = md.hash(bytes) else { return nil }
        var text = Data(d).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return (alg == "sha384" || alg == "sha512" ? alg : "sha256") + "-" + text
    }

    /// True when `content` has the digest `expected` names.
    public static func matches(_ content: [UInt8], _ expected: String) -> Bool {
        guard let (md, want) = parseDigest(expected), let got = md.hash(content) else { return false }
        return MessageDigest.constantTimeEqual(got, want)
    }

    /// Checks every `rcdi` member that can be checked without a fetch.
    public static func check(rcd: JSONValue?, rcdi: JSONValue?) -> Verdict {
        guard let rcdi else { return .verified }
        guard let map = rcdi.objectValue, let rcd else { return .failed("rcdi without an rcd object") }
        var external: [String: String] = [:]
        for (pointer, value) in map {
            guard let expected = value.stringValue else { return .failed("rcdi \(pointer) is not a string") }
            if pointer == "/icn" || pointer == "/jcl" {
                guard let url = rcd[String(pointer.dropFirst())]?.stringValue else { return .failed("rcdi \(pointer): no such member") }
                external[url] = expected
                continue
            }
            guard let target = resolve(pointer, in: rcd) else { return .failed("rcdi \(pointer): no such member") }
            // A URI value (a jCard photo or logo) was digested by its content.
            if let text = target.stringValue, ["https://", "http://", "data:"].contains(where: { text.lowercased().hasPrefix($0) }) {
                external[text] = expected
                continue
            }
            guard matches(CanonicalJSON.encode(target), expected) else { return .failed("rcdi \(pointer): digest mismatch") }
        }
        return external.isEmpty ? .verified : .needsContent(external)
    }

    /// RFC 6901 evaluation (`~1` is `/`, `~0` is `~`).
    static func resolve(_ pointer: String, in root: JSONValue) -> JSONValue? {
        guard pointer.hasPrefix("/") else { return pointer.isEmpty ? root : nil }
        var current = root
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let token = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if let array = current.arrayValue {
                guard let i = Int(token), i >= 0, i < array.count else { return nil }
                current = array[i]
            } else if let next = current[token] {
                current = next
            } else {
                return nil
            }
        }
        return current
    }
}
