import Synchronization

/// Which SIP header supplies the originating identity (RFC 8224 §8: From,
/// or P-Asserted-Identity by local policy; ATIS-1000074 §5.3.1: PAI if
/// present, else From).
public enum OriginatingIdentitySource: String, Sendable, CaseIterable {
    case pAssertedIdentityThenFrom = "pai_then_from"
    case fromThenPAssertedIdentity = "from_then_pai"
    case fromOnly = "from"
    case pAssertedIdentityOnly = "pai"
}

/// Which SIP element supplies the destination identity (RFC 8224 §4.1: To;
/// some deployments match the Request-URI after retargeting).
public enum DestinationIdentitySource: String, Sendable, CaseIterable {
    case to = "to"
    case requestURI = "request_uri"
    /// Either matches.
    case toOrRequestURI = "to_or_request_uri"
}

/// How to decide that a URI carries a telephone number (RFC 8224 §8.1).
public enum TNDetection: String, Sendable, CaseIterable {
    /// Only `tel:` URIs and SIP URIs with `user=phone`.
    case strict
    /// Also SIP URIs whose user part looks like a number (optional `+`,
    /// digits, `#`, `*`, visual separators), as §8.1 allows for
    /// non-conforming environments. Most real traffic needs this.
    case lenient
}

/// Policy for turning SIP header texts into STIR identities.
public struct IdentityExtractionPolicy: Sendable, Equatable {
    public var originatingSource: OriginatingIdentitySource
    public var destinationSource: DestinationIdentitySource
    public var tnDetection: TNDetection
    public var canonicalizer: TNCanonicalizer

    public init(originatingSource: OriginatingIdentitySource = .pAssertedIdentityThenFrom,
                destinationSource: DestinationIdentitySource = .to,
                tnDetection: TNDetection = .lenient, canonicalizer: TNCanonicalizer = .nanp) {
        self.originatingSource = originatingSource
        self.destinationSource = destinationSource
        self.tnDetection = tnDetection
        self.canonicalizer = canonicalizer
    }
}

/// Derives the originating and destination identities from SIP header texts
/// (RFC 8224 §8.1–8.5). Pure: no SIP parser needed, just the header values.
public struct SIPIdentityExtractor: Sendable {
    public var policy: IdentityExtractionPolicy
    /// Results of `identity(ofURI:)` under the policy given at init: the
    /// same From and To URIs come on call after call, and each costs a URI
    /// parse. Shared by copies of this extractor (processors serve every
    /// loop, so it locks); skipped once `policy` no longer matches.
    private let cache: URIIdentityCache

    public init(policy: IdentityExtractionPolicy = .init()) {
        self.policy = policy
        self.cache = URIIdentityCache(policy: policy)
    }

    /// Canonical identity of one URI: a TN if §8.1 says it is one and it
    /// canonicalizes, otherwise the §8.5 normalized URI; nil if unusable.
    public func identity(ofURI text: String) -> STIRIdentity? {
        guard cache.policy == policy, text.utf8.count <= URIIdentityCache.maxKeyBytes else {
            return uncachedIdentity(ofURI: text)
        }
        if let known = cache.lookup(text) { return known }
        let identity = uncachedIdentity(ofURI: text)
        cache.store(text, identity)
        return identity
    }

    /// `identity(ofURI:)` without the cache.
    func uncachedIdentity(ofURI text: String) -> STIRIdentity? {
        let uri = IdentityURI(text)
        switch uri.scheme {
        case "tel":
            guard let number = uri.user, let tn = policy.canonicalizer.canonicalize(number) else { return nil }
            return .tn(tn)
        case "sip", "sips":
            guard uri.host != nil else { return nil }
            if let user = uri.user, !user.isEmpty {
                let flagged = uri.parameters["user"]?.lowercased() == "phone"
                if flagged || (policy.tnDetection == .lenient && Self.looksLikeNumber(user)),
                   let tn = policy.canonicalizer.canonicalize(IdentityURI.normalizePercent(user)) {
                    return .tn(tn)
                }
            }
            return .uri(uri.normalized)
        case "":
            return nil
        default:
            return .uri(uri.normalized)
        }
    }

    /// The addr-specs in a header value that may hold several comma-separated
    /// `name-addr` / `addr-spec` entries (P-Asserted-Identity, RFC 3325 §9.1).
    public static func addressURIs(inHeaderValue value: String) -> [String] {
        var out: [String] = []
        var current: [Character] = []
        var inQuotes = false
        var inBrackets = false
        var escaped = false
        for c in value {
            if escaped { current.append(c); escaped = false; continue }
            switch c {
            case "\\" where inQuotes: escaped = true; current.append(c)
            case "\"" where !inBrackets: inQuotes.toggle(); current.append(c)
            case "<" where !inQuotes: inBrackets = true; current.append(c)
            case ">" where !inQuotes: inBrackets = false; current.append(c)
            case "," where !inQuotes && !inBrackets:
                if let uri = addrSpec(String(current)) { out.append(uri) }
                current = []
            default: current.append(c)
            }
        }
        if let uri = addrSpec(String(current)) { out.append(uri) }
        return out
    }

    /// The addr-spec of a single `name-addr` or `addr-spec` (RFC 3261 §20.10):
    /// inside `<>` if present; otherwise up to the first `;` (those are
    /// header parameters such as `tag`).
    public static func addrSpec(_ value: String) -> String? {
        let b = Array(value.utf8)
        let all = ASCIIBytes.trimmed(b)
        // The first "<" outside a quoted display-name opens the name-addr URI.
        var inQuotes = false
        var i = all.lowerBound
        while i < all.upperBound {
            let c = b[i]
            if inQuotes && c == UInt8(ascii: "\\") {
                i += 2
                continue
            }
            if c == UInt8(ascii: "\"") {
                inQuotes.toggle()
            } else if c == UInt8(ascii: "<") && !inQuotes {
                guard let close = ASCIIBytes.firstIndex(of: UInt8(ascii: ">"), in: b, (i + 1)..<all.upperBound) else { return nil }
                let inner = String(decoding: b[(i + 1)..<close], as: UTF8.self).trimmingLWS()
                return inner.isEmpty ? nil : inner
            }
            i += 1
        }
        let end = ASCIIBytes.firstIndex(of: UInt8(ascii: ";"), in: b, all) ?? all.upperBound
        let spec = String(decoding: b[all.lowerBound..<end], as: UTF8.self).trimmingLWS()
        return spec.isEmpty ? nil : spec
    }

    /// Builds the verification context from header texts. `pAssertedIdentity`
    /// holds each P-Asserted-Identity header value (each may list several URIs).
    public func context(from: String?, pAssertedIdentity: [String] = [], to: String?, requestURI: String? = nil,
                        date: String?, now: Int64) -> SIPIdentityContext {
        // Only the sources the policy reads are parsed (each is a URI parse).
        func fromIDs() -> [STIRIdentity] { from.flatMap(Self.addrSpec).flatMap(identity(ofURI:)).map { [$0] } ?? [] }
        func paiIDs() -> [STIRIdentity] {
            pAssertedIdentity.flatMap(Self.addressURIs(inHeaderValue:)).compactMap(identity(ofURI:))
        }
        let orig: [STIRIdentity]
        switch policy.originatingSource {
        case .pAssertedIdentityThenFrom:
            let pai = paiIDs()
            orig = pai.isEmpty ? fromIDs() : pai
        case .fromThenPAssertedIdentity:
            let fromList = fromIDs()
            orig = fromList.isEmpty ? paiIDs() : fromList
        case .fromOnly: orig = fromIDs()
        case .pAssertedIdentityOnly: orig = paiIDs()
        }
        func toIDs() -> [STIRIdentity] { to.flatMap(Self.addrSpec).flatMap(identity(ofURI:)).map { [$0] } ?? [] }
        func ruriIDs() -> [STIRIdentity] { requestURI.flatMap(identity(ofURI:)).map { [$0] } ?? [] }
        let dest: [STIRIdentity]
        switch policy.destinationSource {
        case .to: dest = toIDs()
        case .requestURI: dest = ruriIDs()
        case .toOrRequestURI:
            let toList = toIDs()
            dest = toList + ruriIDs().filter { !toList.contains($0) }
        }
        return SIPIdentityContext(originating: orig, destinations: dest, date: date, now: now, targets: ruriIDs())
    }

    /// §8.1 lenient rule: an optional leading `+`, then at least one digit,
    /// and only digits, `#`, `*` and visual separators (`-` `.` `(` `)`).
    static func looksLikeNumber(_ user: String) -> Bool {
        var sawDigit = false
        for (i, c) in user.utf8.enumerated() {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigit = true
            case UInt8(ascii: "#"), UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"):
                continue
            case UInt8(ascii: "+") where i == 0: continue
            default: return false
            }
        }
        return sawDigit
    }
}

/// `identity(ofURI:)` results by URI text, for one policy: at most
/// `capacity` entries of at most `maxKeyBytes` bytes; a full table is
/// emptied and refilled, so many distinct URIs only cost the parses they
/// would have cost anyway.
final class URIIdentityCache: Sendable {
    static let capacity = 1024
    static let maxKeyBytes = 256
    let policy: IdentityExtractionPolicy
    private let entries = Mutex<[String: STIRIdentity?]>([:])

    init(policy: IdentityExtractionPolicy) { self.policy = policy }

    /// `.some(identity)` when `text` was stored (the identity may be nil).
    func lookup(_ text: String) -> STIRIdentity?? {
        entries.withLock { $0[text] }
    }

    func store(_ text: String, _ identity: STIRIdentity?) {
        entries.withLock { table in
            if table.count >= URIIdentityCache.capacity { table.removeAll(keepingCapacity: true) }
            table[text] = .some(identity)
        }
    }

    var count: Int { entries.withLock { $0.count } }
}

/// What the verifier needs from the SIP request: the canonical originating
/// identity candidates (several when PAI lists more than one), destination
/// candidates, the raw `Date` header and the current time.
public struct SIPIdentityContext: Sendable, Equatable {
    /// Canonical originating identities, in preference order; the token's
    /// `orig` must equal one of them (RFC 8224 §6.2 step 2, §6.2.4).
    public var originating: [STIRIdentity]
    /// Canonical destination identities; one must appear in the token's `dest`.
    public var destinations: [STIRIdentity]
    /// The `Date` header value (RFC 3261 §20.17), if present.
    public var date: String?
    /// Current time, seconds since 1970 (injected for tests).
    public var now: Int64
    /// The call's current target (the Request-URI): what the outermost
    /// `dest` of a `div` chain must name (RFC 8946 §4.2 step 1). Empty:
    /// `destinations` are used instead.
    public var targets: [STIRIdentity]

    public init(originating: [STIRIdentity], destinations: [STIRIdentity], date: String?, now: Int64, targets: [STIRIdentity] = []) {
        self.originating = originating
        self.destinations = destinations
        self.date = date
        self.now = now
        self.targets = targets
    }
}
