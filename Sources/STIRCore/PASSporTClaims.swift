/// The claims (JWS payload) of a PASSporT: baseline claims of RFC 8225 §5
/// plus the extension claims this project understands. Unknown claims are
/// kept in `extra`, so a decoded token loses nothing.
public struct PASSporTClaims: Equatable, Sendable {
    /// A media key fingerprint (RFC 8225 §5.2.2): `alg` and hex `dig` without colons.
    public struct MediaKey: Equatable, Sendable {
        public var alg: String
        public var dig: String
        public init(alg: String, dig: String) {
            self.alg = alg
            self.dig = dig
        }
    }

    /// `iat`, NumericDate in whole seconds (RFC 8225 §5.1.1).
    public var iat: Int64
    /// `orig`: exactly one identity (RFC 8225 §5.2.1).
    public var orig: STIRIdentity
    /// `dest`: one or more identities, `tn` entries first, then `uri`.
    public var dest: [STIRIdentity]
    /// `mky` (RFC 8225 §5.2.2).
    public var mky: [MediaKey]?
    /// SHAKEN `attest` (RFC 8588 §4).
    public var attest: Attestation?
    /// SHAKEN `origid` (RFC 8588 §5), a UUID.
    public var origid: String?
    /// `div`: the identity the call was diverted from (RFC 8946 §3).
    public var div: STIRIdentity?
    /// Rich Call Data `rcd`, `rcdi` and `crn` (RFC 9795), preserved as received.
    public var rcd: JSONValue?
    public var rcdi: JSONValue?
    public var crn: String?
    /// Every other claim, preserved.
    public var extra: [String: JSONValue]

    public init(iat: Int64, orig: STIRIdentity, dest: [STIRIdentity], mky: [MediaKey]? = nil,
                attest: Attestation? = nil, origid: String? = nil, div: STIRIdentity? = nil,
                rcd: JSONValue? = nil, rcdi: JSONValue? = nil, crn: String? = nil, extra: [String: JSONValue] = [:]) {
        self.iat = iat
        self.orig = orig
        self.dest = dest
        self.mky = mky
        self.attest = attest
        self.origid = origid
        self.div = div
        self.rcd = rcd
        self.rcdi = rcdi
        self.crn = crn
        self.extra = extra
    }

    private static let knownClaims: Set<String> = ["iat", "orig", "dest", "mky", "attest", "origid", "div", "rcd", "rcdi", "crn"]

    /// Reads claims from parsed JSON, checking the baseline rules of RFC 8225
    /// §5 (present, right types). Extension-specific requirements are in
    /// `PASSporTClaimRules`.
    public init(json: JSONValue) throws(PASSporTError) {
        guard let m = json.objectValue else { throw .invalidClaim("payload", "not an object") }
        guard let iatValue = m["iat"] else { throw .missingClaim("iat") }
        switch iatValue {
        case .integer(let v) where v >= 0: iat = v
        case .integer: throw .invalidClaim("iat", "negative")
        case .string: throw .invalidClaim("iat", "string, not a NumericDate (RFC 8224 errata 5985)")
        default: throw .invalidClaim("iat", "not an integer NumericDate")
        }
        guard let origValue = m["orig"] else { throw .missingClaim("orig") }
        orig = try Self.singleIdentity(origValue, claim: "orig")
        guard let destValue = m["dest"] else { throw .missingClaim("dest") }
        dest = try Self.identityList(destValue, claim: "dest")
        var known = 3
        if let v = m["mky"] { mky = try Self.mediaKeys(v); known += 1 }
        if let v = m["attest"] {
            guard let s = v.stringValue, let a = Attestation(rawValue: s) else {
                throw .invalidClaim("attest", "not A, B or C")
            }
            attest = a
            known += 1
        }
        if let v = m["origid"] {
            guard let s = v.stringValue else { throw .invalidClaim("origid", "not a string") }
            origid = s
            known += 1
        }
        if m.count > known {
            if let v = m["div"] { div = try Self.singleIdentity(v, claim: "div"); known += 1 }
            rcd = m["rcd"]
            rcdi = m["rcdi"]
            known += (rcd == nil ? 0 : 1) + (rcdi == nil ? 0 : 1)
            if let v = m["crn"] {
                guard let s = v.stringValue else { throw .invalidClaim("crn", "not a string") }
                crn = s
                known += 1
            }
        }
        extra = m.count == known ? [:] : m.filter { !Self.knownClaims.contains($0.key) }
    }

    /// `orig` / `div`: an object with exactly one member, `tn` or `uri`, whose
    /// value is a non-empty string.
    private static func singleIdentity(_ value: JSONValue, claim: String) throws(PASSporTError) -> STIRIdentity {
        guard let obj = value.objectValue, obj.count == 1, let (key, v) = obj.first else {
            throw .invalidClaim(claim, "must hold exactly one identity")
        }
        guard let s = v.stringValue, !s.isEmpty else { throw .invalidClaim(claim, "\(key) is not a non-empty string") }
        switch key {
        case "tn": return .tn(s)
        case "uri": return .uri(s)
        default: throw .invalidClaim(claim, "unknown identity type \(key)")
        }
    }

    /// `dest`: an object with `tn` and/or `uri` arrays of strings. A bare
    /// string is tolerated as a one-element array (RFC 8946 §5 `div-o`
    /// example sends `"tn":"..."`).
    private static func identityList(_ value: JSONValue, claim: String) throws(PASSporTError) -> [STIRIdentity] {
        guard let obj = value.objectValue, !obj.isEmpty else { throw .invalidClaim(claim, "must be a non-empty object") }
        var out: [STIRIdentity] = []
        for key in ["tn", "uri"] {
            guard let v = obj[key] else { continue }
            let items: [JSONValue]
            if let arr = v.arrayValue { items = arr } else { items = [v] }
            for item in items {
                guard let s = item.stringValue, !s.isEmpty else { throw .invalidClaim(claim, "\(key) entries must be non-empty strings") }
                out.append(key == "tn" ? .tn(s) : .uri(s))
            }
        }
        guard obj.keys.allSatisfy({ $0 == "tn" || $0 == "uri" }) else { throw .invalidClaim(claim, "unknown identity type") }
        guard !out.isEmpty else { throw .invalidClaim(claim, "no identity") }
        return out
    }

    private static func mediaKeys(_ value: JSONValue) throws(PASSporTError) -> [MediaKey] {
        guard let arr = value.arrayValue else { throw .invalidClaim("mky", "not an array") }
        var out: [MediaKey] = []
        for item in arr {
            guard let alg = item["alg"]?.stringValue, let dig = item["dig"]?.stringValue else {
                throw .invalidClaim("mky", "entries need alg and dig strings")
            }
            out.append(MediaKey(alg: alg, dig: dig))
        }
        return out
    }

    /// The claims as a JSON object (serialize with `CanonicalJSON` to sign).
    public var json: JSONValue {
        var m = extra
        m["iat"] = .integer(iat)
        m["orig"] = .object([orig.claimKey: .string(orig.value)])
        var destObj: [String: JSONValue] = [:]
        let tns = dest.compactMap { $0.tn }
        let uris = dest.compactMap { if case .uri(let u) = $0 { return u } else { return nil } }
        if !tns.isEmpty { destObj["tn"] = .array(tns.map { .string($0) }) }
        if !uris.isEmpty { destObj["uri"] = .array(uris.map { .string($0) }) }
        m["dest"] = .object(destObj)
        if let mky {
            m["mky"] = .array(mky.map { .object(["alg": .string($0.alg), "dig": .string($0.dig)]) })
        }
        if let attest { m["attest"] = .string(attest.rawValue) }
        if let origid { m["origid"] = .string(origid) }
        if let div { m["div"] = .object([div.claimKey: .string(div.value)]) }
        if let rcd { m["rcd"] = rcd }
        if let rcdi { m["rcdi"] = rcdi }
        if let crn { m["crn"] = .string(crn) }
        return .object(m)
    }
}
