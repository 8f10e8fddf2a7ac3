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
    /// Any other header members, preserved.
    public var extra: [String: JSONValue]

    public init(alg: String = "ES256", typ: String? = "passport", ppt: String? = nil, x5u: String?, extra: [String: JSONValue] = [:]) {
        self.alg = alg
        self.typ = typ
        self.ppt = ppt
        self.x5u = x5u
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
        // Only build `extra` when there is something unknown (the common case has nothing).
        let known = 1 + (typ == nil ? 0 : 1) + (ppt == nil ? 0 : 1) + (x5u == nil ? 0 : 1)
        self.extra = members.count == known ? [:] : members.filter { !["alg", "typ", "ppt", "x5u"].contains($0.key) }
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
        return .object(members)
    }
}
