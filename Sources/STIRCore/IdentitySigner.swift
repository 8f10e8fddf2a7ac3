import Crypto

/// Why the authentication service could not produce an Identity header.
public enum SigningError: Error, Equatable, Sendable {
    /// `orig` or a `dest` entry is not a canonical TN (RFC 8224 §8.3 `tn-spec`).
    case invalidTN(String)
    /// `dest` is empty (RFC 8225 §5.2.1: at least one identity).
    case emptyDestination
    /// `origid` is not a UUID (RFC 8588 §5).
    case invalidOrigid(String)
    /// `iat` is negative.
    case invalidIat(Int)
    /// The x5u URI cannot be carried in `info=<...>` (not absolute, or has
    /// spaces, `<` or `>`).
    case invalidX5U(String)
    /// OpenSSL failed to sign.
    case crypto(CryptoError)
}

/// The authentication service's signing step (RFC 8224 §6.1 step 4): builds
/// a SHAKEN PASSporT (RFC 8588) and returns the Identity header value.
///
/// The protected header and the header-parameter suffix depend only on the
/// key and x5u, so they are built once; each call only writes the claims,
/// base64url-encodes them and signs. Value type over a thread-safe key:
/// use it from any number of threads.
public struct IdentitySigner: Sendable {
    public let key: ES256PrivateKey
    public let x5u: String
    /// `BASE64URL(header) "."` for the SHAKEN header, as bytes.
    private let shakenHeaderPrefix: [UInt8]
    /// `;info=<x5u>;alg=ES256;ppt=shaken`.
    private let shakenParams: String
    private let x5uIsValid: Bool

    public init(key: ES256PrivateKey, x5u: String) {
        self.key = key
        self.x5u = x5u
        let header = PASSporTHeader(ppt: "shaken", x5u: x5u)
        self.shakenHeaderPrefix = Base64URL.encodeToBytes(CanonicalJSON.encode(header.json)) + [UInt8(ascii: ".")]
        self.shakenParams = ";info=<" + x5u + ">;alg=ES256;ppt=shaken"
        self.x5uIsValid = IdentityHeader.isAbsoluteURI(x5u)
            && !x5u.utf8.contains { $0 <= 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }
    }

    /// A SHAKEN Identity header value. `orig` and `dest` are canonical TNs
    /// (see `TNCanonicalizer`); `dest` is sorted (RFC 8225 §5.2.1 SHOULD);
    /// `iat` is the SIP Date as NumericDate (RFC 8224 §4.1). `compact` gives
    /// `..signature` (RFC 8225 §7), which SHAKEN itself does not use.
    public func identityHeader(orig: String, dest: [String], attest: Attestation, origid: String, iat: Int,
                               compact: Bool = false) throws -> String {
        guard x5uIsValid else { throw SigningError.invalidX5U(x5u) }
        guard STIRIdentity.isTNSpec(orig) else { throw SigningError.invalidTN(orig) }
        guard !dest.isEmpty else { throw SigningError.emptyDestination }
        for d in dest where !STIRIdentity.isTNSpec(d) { throw SigningError.invalidTN(d) }
        guard PASSporTClaimRules.isUUID(origid) else { throw SigningError.invalidOrigid(origid) }
        guard iat >= 0 else { throw SigningError.invalidIat(iat) }

        // Members written directly in RFC 8225 §9 order (RFC 8588 §8:
        // attest, dest, iat, orig, origid); a test checks this equals
        // CanonicalJSON of the same claims.
        var payload: [UInt8] = []
        payload.reserveCapacity(160)
        payload.append(contentsOf: #"{"attest":""#.utf8)
        payload.append(contentsOf: attest.rawValue.utf8)
        payload.append(contentsOf: #"","dest":{"tn":["#.utf8)
        let sorted = dest.count > 1 ? dest.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } : dest
        for (i, d) in sorted.enumerated() {
            if i > 0 { payload.append(UInt8(ascii: ",")) }
            CanonicalJSON.appendString(d, into: &payload)
        }
        payload.append(contentsOf: #"]},"iat":"#.utf8)
        CanonicalJSON.appendInteger(Int64(iat), into: &payload)
        payload.append(contentsOf: #","orig":{"tn":"#.utf8)
        CanonicalJSON.appendString(orig, into: &payload)
        payload.append(contentsOf: #"},"origid":"#.utf8)
        CanonicalJSON.appendString(origid, into: &payload)
        payload.append(UInt8(ascii: "}"))
        return try finish(prefix: shakenHeaderPrefix, payload: payload, params: shakenParams, compact: compact)
    }

    /// A general PASSporT Identity header for any claims and `ppt` (nil =
    /// baseline RFC 8225). Everything is serialized with `CanonicalJSON`.
    public func identityHeader(claims: PASSporTClaims, ppt: String?, compact: Bool = false) throws -> String {
        guard x5uIsValid else { throw SigningError.invalidX5U(x5u) }
        try PASSporTClaimRules.check(claims, ppt: ppt)
        let header = PASSporTHeader(ppt: ppt, x5u: x5u)
        let prefix = Base64URL.encodeToBytes(CanonicalJSON.encode(header.json)) + [UInt8(ascii: ".")]
        var params = ";info=<" + x5u + ">;alg=ES256"
        if let ppt { params += ";ppt=" + ppt }
        return try finish(prefix: prefix, payload: CanonicalJSON.encode(claims.json), params: params, compact: compact)
    }

    private func finish(prefix: [UInt8], payload: [UInt8], params: String, compact: Bool) throws -> String {
        var signingInput = prefix
        signingInput.reserveCapacity(prefix.count + payload.count * 4 / 3 + 100)
        signingInput.append(contentsOf: Base64URL.encodeToBytes(payload))
        let signature: [UInt8]
        do { signature = try key.sign(signingInput) } catch let e as CryptoError { throw SigningError.crypto(e) }
        let sig = Base64URL.encodeToBytes(signature)
        if compact {
            return ".." + String(decoding: sig, as: UTF8.self) + params
        }
        signingInput.append(UInt8(ascii: "."))
        signingInput.append(contentsOf: sig)
        return String(decoding: signingInput, as: UTF8.self) + params
    }
}
