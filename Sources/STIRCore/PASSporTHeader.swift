/// The JOSE protected header of a PASSporT (RFC 8225 §4, §8.1).
public struct PASSporTHeader: Equatable, Sendable {
    /// `alg`; PASSporT's mandatory algorithm is `ES256` (RFC 8225 §4.2).
    public var alg: String
    /// `typ`; MUST be `passport` (RFC 8225 §4.1). Nil if absent.
    public var typ: String?
    /// `ppt`: the PASSporT extension in use, e.g. `shaken` (RFC 8225 §8.1). Nil for baseline.
    public var ppt: String?
    /// `x5u`: where the signer's certificate is (RFC 8225 §4.3).
    public var x5u: String?
    /// `crit`: header parameters the recipient must understand or reject
    /// the token (RFC 7515 §4.1.11). Nil if absent.
    public var crit: [String]?
    /// Any other header members, preserved.
    public var extra: [String: JSONValue]

    public init(alg: String = "ES256", typ: String? = "passport", ppt: String? = nil, x5u: String?, crit: [String]? = nil,
                extra: [String: JSONValue] = [:]) {
        self.alg = alg
        self.typ = typ
        self.ppt = ppt
        self.x5u = x5u
        self.crit = crit
        self.extra = extra
    }

    /// Reads the header from parsed JSON. Only type errors fail here; which
    /// values are acceptable is the verifier's policy.
    public init(json: JSONValue) throws(PASSporTError) {
        guard let members = json.objectValue else { throw .invalidHeader("not an object") }
        guard let alg = members["alg"]?.stringValue else { throw .invalidHeader("alg") }
        self.alg = alg
        self.typ = try Self.optionalString(members, "typ")
        self.ppt = try Self.optionalString(members, "ppt")
        self.x5u = try Self.optionalString(members, "x5u")
        if let value = members["crit"] {
            guard let items = value.arrayValue else { throw .invalidCritical("crit is not an array") }
            var names: [String] = []
            for item in items {
                guard let name = item.stringValue else { throw .invalidCritical("crit holds a non-string") }
                names.append(name)
            }
            self.crit = names
        } else {
            self.crit = nil
        }
        // Only build `extra` when there is something unknown (the common case has nothing).
        let known = 1 + (typ == nil ? 0 : 1) + (ppt == nil ? 0 : 1) + (x5u == nil ? 0 : 1) + (crit == nil ? 0 : 1)
        self.extra = members.count == known ? [:] : members.filter { !["alg", "typ", "ppt", "x5u", "crit"].contains($0.key) }
    }

    /// Extension header parameters this implementation understands and
    /// processes, so a `crit` may name them: only `ppt` (RFC 8225 §8.1),
    /// which selects the claim rules and must match the Identity header's
    /// `ppt` (RFC 8224 §4.1). Nothing else outside RFC 7515/7518 is read.
    public static let understoodCritical: Set<String> = ["ppt"]

    /// Header parameters defined by JWS (RFC 7515 §4.1) and JWE/JWA
    /// (RFC 7516 §4.1, RFC 7518 §4.6–4.8), which `crit` must not list
    /// (RFC 7515 §4.1.11).
    static let standardParameters: Set<String> = [
        "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit",
        "enc", "zip", "epk", "apu", "apv", "iv", "tag", "p2s", "p2c",
    ]

    /// Why this header's `crit` makes the JWS invalid (RFC 7515 §4.1.11),
    /// or nil when it is absent or acceptable: it must not be empty, must not
    /// repeat a name or list a parameter JWS/JWA define, every listed
    /// parameter must be present in the header, and every one must be in
    /// `understood`; an extension the recipient does not understand makes
    /// the token invalid rather than ignorable.
    public func criticalProblem(understood: Set<String> = PASSporTHeader.understoodCritical) -> String? {
        guard let crit else { return nil }
        guard !crit.isEmpty else { return "crit is empty" }
        var seen: Set<String> = []
        for name in crit {
            guard seen.insert(name).inserted else { return "crit lists \(name) twice" }
            if Self.standardParameters.contains(name) { return "crit lists the standard parameter \(name)" }
            if !present(name) { return "crit lists \(name), which the header does not carry" }
            if !understood.contains(name) { return "crit lists \(name), which is not understood" }
        }
        return nil
    }

    private func present(_ name: String) -> Bool {
        switch name {
        case "ppt": return ppt != nil
        default: return extra[name] != nil
        }
    }

    private static func optionalString(_ members: [String: JSONValue], _ key: String) throws(PASSporTError) -> String? {
        guard let v = members[key] else { return nil }
        guard let s = v.stringValue else { throw .invalidHeader(key) }
        return s
    }

    /// The header as a JSON object (serialize with `CanonicalJSON` to sign).
    public var json: JSONValue {
        var members = extra
        members["alg"] = .string(alg)
        if let typ { members["typ"] = .string(typ) }
        if let ppt { members["ppt"] = .string(ppt) }
        if let x5u { members["x5u"] = .string(x5u) }
        if let crit { members["crit"] = .array(crit.map { .string($0) }) }
        return .object(members)
    }
}
