/// Frames SIP messages on a stream transport (RFC 3261 §18.3): the header
/// section ends at the first empty line and Content-Length, mandatory on
/// streams, gives the body size (compact `l` understood). CRLFs between
/// messages (RFC 5626 §3.5.1 keep-alives) are skipped.
///
/// Errors are unrecoverable (RFC 4475 §3.1.2.3, §3.3.9): after `next()`
/// throws, the caller closes the connection.
public struct SIPStreamFramer {
    public let maxMessageSize: Int
    private var buffer: [UInt8] = []
    /// Index of the first unconsumed byte in `buffer`.
    private var start = 0
    /// Bytes after `start` already searched for the end of the header section.
    private var scanned = 0
    /// The CR and LF bytes skipped since the last message or ping, at most
    /// four: a ping may arrive split over several reads.
    private var skippedRun: [UInt8] = []
    /// Double-CRLF pings (RFC 5626 §4.4.1) seen and not yet taken.
    private var pings = 0

    /// Thrown when a header section or a whole message would exceed
    /// `maxMessageSize`.
    public static let messageTooLarge = SIPParseError(reason: "Message Too Large")

    public init(maxMessageSize: Int) {
        self.maxMessageSize = max(1, maxMessageSize)
    }

    public mutating func append(_ bytes: [UInt8]) {
        // Drop consumed bytes before growing, so the buffer stays bounded.
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Bytes received and not yet returned as a message.
    public var bufferedByteCount: Int { buffer.count - start }

    /// The next complete message's bytes, nil if more data is needed.
    /// Throws `SIPParseError` when framing cannot recover: missing, negative,
    /// non-numeric or duplicate Content-Length, or a header section or
    /// message larger than `maxMessageSize`.
    public mutating func next() throws -> [UInt8]? {
        while start < buffer.count, buffer[start] == 0x0D || buffer[start] == 0x0A {
            skippedRun.append(buffer[start])
            if skippedRun.count == 4 {
                if skippedRun == Self.ping { pings += 1 }
                skippedRun.removeAll(keepingCapacity: true)
            }
            start += 1
            scanned = 0
        }
        guard start < buffer.count else { return nil }
        skippedRun.removeAll(keepingCapacity: true)
        guard let headerEnd = findHeaderEnd() else {
            if buffer.count - start > maxMessageSize { throw Self.messageTooLarge }
            return nil
        }
        let section = SIPHeaderParser.lines(buffer, from: start, limit: headerEnd)
        let fields = try SIPHeaderParser.fields(buffer, lines: section.lines.dropFirst())
        guard let length = try SIPMessage.contentLength(fields) else {
            throw SIPParseError(reason: "Missing Content-Length")
        }
        let total = headerEnd - start + length
        guard total <= maxMessageSize else { throw Self.messageTooLarge }
        guard buffer.count - start >= total else { return nil }
        let message = Array(buffer[start..<(start + total)])
        start += total
        scanned = 0
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return message
    }

    static let ping: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]

    /// The double-CRLF keep-alive pings received since the last call
    /// (RFC 5626 §4.4.1, §3.5.1); each is answered with one CRLF pong.
    public mutating func takeKeepAlivePings() -> Int {
        defer { pings = 0 }
        return pings
    }

    /// The header section (start line to the empty line) of the message
    /// being framed, nil while it is incomplete. After `next()` threw a
    /// Content-Length error this is the offending message's header section,
    /// from which a 400 can still be built (RFC 3261 §18.3, §20.14).
    public mutating func headerSection() -> [UInt8]? {
        guard start < buffer.count, let end = findHeaderEnd() else { return nil }
        return Array(buffer[start..<end])
    }

    /// Index after the empty line ending the header section (CRLF CRLF, or
    /// bare LF tolerated), searching at most `maxMessageSize` bytes.
    private mutating func findHeaderEnd() -> Int? {
        let limit = min(buffer.count, start + maxMessageSize)
        // Resume a little before where the last search stopped so that a
        // terminator split across reads is still found.
        var index = max(start, start + scanned - 3)
        while index < limit {
            if buffer[index] == 0x0A {
                var previous = index - 1
                if previous >= start, buffer[previous] == 0x0D { previous -= 1 }
                if previous >= start, buffer[previous] == 0x0A { return index + 1 }
            }
            index += 1
        }
        scanned = limit - start
        return nil
    }
}
