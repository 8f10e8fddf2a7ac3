/// Why a PASSporT token (RFC 8225) could not be decoded or fails the claim
/// rules of its `ppt`.
public enum PASSporTError: Error, Equatable, Sendable {
    /// Not `header.payload.signature` (wrong number of segments, empty segment,
    /// or too long).
    case malformedToken(String)
    /// A segment is not unpadded base64url (which segment: header/payload/signature).
    case invalidBase64(String)
    /// A segment is not acceptable JSON.
    case invalidJSON(String, JSONError)
    /// A protected-header field is missing or wrong (RFC 8225 §4, §8.1).
    case invalidHeader(String)
    /// The header's `crit` is not an array of strings (RFC 7515 §4.1.11).
    case invalidCritical(String)
    /// A claim required for this `ppt` is absent (RFC 8225 §5, RFC 8588 §4–5, RFC 8946 §3).
    case missingClaim(String)
    /// A claim has the wrong type or value (for example a string `iat`, errata 5985).
    case invalidClaim(String, String)
}
