/// Why a message (or a part of one) could not be parsed or framed.
///
/// `reason` is short, ASCII and free of CR/LF so that it can be used directly
/// as the Reason-Phrase of a 400 response (RFC 3261 §21.4.1), e.g.
/// "Bad Content-Length".
public struct SIPParseError: Error, Equatable, CustomStringConvertible {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
