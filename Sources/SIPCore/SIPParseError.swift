/// Why a message (or a part of one) could not be parsed or framed.
///
/// `reason` is short, ASCII and free of CR/LF so that it can be used directly
/// as the Reason-Phrase of a 400 response (RFC 3261 §21.4.1), e.g.
/// "Bad Content-Length".
public struct SIPParseError: SIPResponseError, Equatable, CustomStringConvertible {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { reason }

    /// What a request that fails to parse is answered, where it can be
    /// answered at all: 400 naming the problem ("Bad Request (Bad
    /// Content-Length)"), printable ASCII only and at most 100 characters.
    public var status: SIPStatus {
        SIPStatus(400).detailed(String(reason.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7f }.prefix(100).map(Character.init)))
    }
}
