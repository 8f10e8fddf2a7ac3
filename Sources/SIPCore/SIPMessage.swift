/// A SIP request or response (RFC 3261 §7).
///
/// The message keeps every header field with the bytes it arrived as, so
/// that `serialize()` changes only what was edited: unknown header fields
/// and their odd formatting are forwarded unchanged (RFC 4475 §3.1.1.1).
/// Typed values (Via, name-addr, URI) are parsed on demand, with libosip2
/// for the Via and sip/sips URI grammar.
///
/// Not thread-safe: use one instance from one thread at a time.
public final class SIPMessage {
    enum StartLine {
        case request(method: String, uri: String, version: String)
        case response(version: String, code: String, reason: [UInt8])
    }

    var startLine: StartLine {
        didSet {
            requestURICache = nil
            requestURIChecked = false
        }
    }
    /// The Request-URI parsed on first use; `requestURIChecked` is set once
    /// validation (libosip2 included) has accepted the current URI text.
    var requestURICache: SIPURI??
    var requestURIChecked = false
    /// An edit of the header fields drops the parsed values cached from
    /// them: only those of the edited field when an edit helper names it
    /// (`editing(_:_:)`), all of them otherwise.
    var fields: [SIPHeaderField] {
        didSet { dropParsed(for: editedKind) }
    }
    /// Kind of the field the running edit helper changes; nil when any field
    /// may have changed.
    private var editedKind: SIPHeaderField.Kind?
    var storedBody: [UInt8]
    /// Typed values parsed on first use. A proxy reads Via, From, To and
    /// CSeq several times per message (validation, transaction matching,
    /// loop detection); parsing them once saves most of that work.
    var parsed = ParsedFields()

    /// Every cached value belongs to one field key; `dropParsed(for:)` must
    /// list each, or an edit of that field would leave a stale value.
    struct ParsedFields {
        var vias: [SIPVia]?
        /// Every Via field balanced and every element parsed (set with `vias`).
        var viasValid: Bool?
        /// The first Via element parsed alone (`topVia`).
        var topVia: SIPVia??
        var from = AddressCache()
        var to = AddressCache()
        var cseq: (number: UInt32, method: String)??
        /// Read for the shard, the transaction, the log and the loop hash:
        /// built once per message.
        var callID: String??
    }

    /// What is cached from the From or To field.
    struct AddressCache {
        /// Validation found the value well-formed, URI included.
        var checked = false
        var nameAddr: SIPNameAddr??
        /// The tag alone (`fromTag`, `toTag`), when read before `nameAddr`.
        var tag: String??
    }

    /// Drops what is cached from fields of `kind` (everything for nil).
    /// A proxy edits Max-Forwards, Via and Record-Route on every request it
    /// forwards; dropping all caches there made From, To, CSeq and every
    /// Via be parsed (and URI-checked) again for the loop hash and branch.
    private func dropParsed(for kind: SIPHeaderField.Kind?) {
        switch kind {
        case .via?:
            parsed.vias = nil
            parsed.viasValid = nil
            parsed.topVia = nil
        case .from?:
            parsed.from = AddressCache()
        case .to?:
            parsed.to = AddressCache()
        case .cseq?:
            parsed.cseq = nil
        case .callID?:
            parsed.callID = nil
        case .some:
            break
        case nil:
            parsed = ParsedFields()
        }
    }

    /// Runs `body`, an edit of the fields of `kind` only (`.other`: of
    /// fields no cached value comes from).
    func editing(_ kind: SIPHeaderField.Kind, _ body: () -> Void) {
        editedKind = kind
        defer { editedKind = nil }
        body()
    }

    /// The received start line or header section holds a NUL byte, which
    /// RFC 3261 §25.1 allows nowhere there (validation refuses it).
    public internal(set) var headerHasNUL = false

    init(startLine: StartLine, fields: [SIPHeaderField], body: [UInt8]) {
        self.startLine = startLine
        self.fields = fields
        self.storedBody = body
    }

    /// Parses one message from a datagram (RFC 3261 §18.3): octets past
    /// Content-Length are ignored; a Content-Length larger than the datagram
    /// is an error; with no Content-Length the body is the rest of the
    /// datagram. CRLFs before the start line are skipped (RFC 3261 §7.5).
    public static func parse(_ bytes: [UInt8]) throws -> SIPMessage {
        try parse(bytes, framing: true)
    }

    /// Parses only the start line and header fields, with an empty body and
    /// no Content-Length checks, for answering a datagram that `parse`
    /// rejected: RFC 4475 §3.1.2.2 and §3.1.2.3 want a 400 over UDP, which
    /// needs the Via, From, To, Call-ID and CSeq of the request. nil when
    /// even the header section cannot be read.
    public static func parseHeaderSection(_ bytes: [UInt8]) -> SIPMessage? {
        try? parse(bytes, framing: false)
    }

    private static func parse(_ bytes: [UInt8], framing: Bool) throws -> SIPMessage {
        var start = 0
        while start < bytes.count, bytes[start] == 0x0D || bytes[start] == 0x0A { start += 1 }
        guard start < bytes.count else { throw SIPParseError(reason: "Empty Message") }
        let section = SIPHeaderParser.lines(bytes, from: start, limit: bytes.count)
        guard let first = section.lines.first else { throw SIPParseError(reason: "Empty Message") }
        let startLine = try parseStartLine(bytes[first])
        let fields = try SIPHeaderParser.fields(bytes, lines: section.lines.dropFirst())
        // A datagram that ends right after the last header line (no empty
        // line, RFC 4475 §3.1.2.15 baddn) is read as having an empty body.
        let bodyStart = section.end ?? bytes.count
        let available = bytes.count - bodyStart
        let nul = hasBareNUL(bytes, start..<bodyStart)
        guard framing else {
            let message = SIPMessage(startLine: startLine, fields: fields, body: [])
            message.headerHasNUL = nul
            return message
        }
        var body: [UInt8]
        switch try contentLength(fields) {
        case .some(let length):
            guard length <= available else {
                throw SIPParseError(reason: "Content-Length Larger Than Message")
            }
            body = Array(bytes[bodyStart..<(bodyStart + length)])
        case .none:
            body = Array(bytes[bodyStart...])
        }
        let message = SIPMessage(startLine: startLine, fields: fields, body: body)
        message.headerHasNUL = nul
        return message
    }

    /// A NUL byte in `range` that is not a quoted-pair inside a quoted
    /// string. RFC 3261 §25.1 allows NUL only as `"\" %x00` within a
    /// quoted-string (RFC 4475 §3.1.1.3 intmeth has one); anywhere else it
    /// is malformed, and forwarded as-is it would cut the message short
    /// for peers that read it as a C string. Lines are only walked when
    /// memchr finds a NUL at all.
    static func hasBareNUL(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var from = range.lowerBound
            while let nul = ByteSearch.firstIndex(of: 0, in: buffer, from..<range.upperBound) {
                // Walk the line up to the NUL, tracking quotes and escapes.
                var lineStart = nul
                while lineStart > range.lowerBound, buffer[lineStart - 1] != 0x0A { lineStart -= 1 }
                var quoted = false
                var escaped = false
                for i in lineStart..<nul {
                    if escaped { escaped = false; continue }
                    switch buffer[i] {
                    case 0x5C where quoted: escaped = true
                    case 0x22: quoted.toggle()
                    default: break
                    }
                }
                if !(quoted && escaped) { return true }
                from = nul + 1
            }
            return false
        }
    }

    /// The single Content-Length value (RFC 3261 §20.14), nil when absent.
    /// Several fields, a negative or non-numeric value are framing errors
    /// (RFC 4475 §3.1.2.3, §3.3.9).
    static func contentLength(_ fields: [SIPHeaderField]) throws -> Int? {
        var found: Int?
        for i in fields.indices where fields[i].kind == .contentLength {
            guard found == nil else { throw SIPParseError(reason: "Multiple Content-Length") }
            guard let value = fields[i].withValueBytes({ SIPBytes.number($0, 0..<$0.count, limit: UInt64(Int32.max)) }) else {
                throw SIPParseError(reason: "Bad Content-Length")
            }
            found = Int(value)
        }
        return found
    }

    /// Request-Line = Method SP Request-URI SP SIP-Version;
    /// Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 §7.1, §7.2).
    /// Extra SP between or after the elements is tolerated and dropped
    /// (RFC 4475 §3.1.2.9, §3.1.2.10); LWS inside the Request-URI is kept so
    /// that `validateRequest()` can reject it (§3.1.2.8).
    private static func parseStartLine(_ line: ArraySlice<UInt8>) throws -> StartLine {
        if line.count >= 4, SIPMessage.startsWithSIPSlash(line) {
            let space = UInt8(ascii: " ")
            guard let versionEnd = line.firstIndex(of: space) else { throw SIPParseError(reason: "Bad Status-Line") }
            var codeStart = versionEnd
            while codeStart < line.endIndex, line[codeStart] == space { codeStart += 1 }
            let codeEnd = line[codeStart...].firstIndex(of: space) ?? line.endIndex
            let code = String(decoding: line[codeStart..<codeEnd], as: UTF8.self)
            guard codeEnd - codeStart <= 18, SIPSyntax.isDigits(code) else {
                throw SIPParseError(reason: "Bad Status-Line")
            }
            let reasonStart = codeEnd < line.endIndex ? codeEnd + 1 : codeEnd
            return .response(version: String(decoding: line[line.startIndex..<versionEnd], as: UTF8.self),
                             code: code, reason: Array(line[reasonStart...]))
        }
        if line.allSatisfy({ $0 < 0x80 }), let parsed = parseASCIIRequestLine(line) { return parsed }
        return try parseRequestLine(line)
    }

    /// Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 §7.1),
    /// split with Character semantics (any line, non-ASCII included).
    static func parseRequestLine(_ line: ArraySlice<UInt8>) throws -> StartLine {
        let text = String(decoding: line, as: UTF8.self)
        var trimmedLine = Substring(text)
        while let last = trimmedLine.last, last == " " || last == "\t" { trimmedLine = trimmedLine.dropLast() }
        guard let firstSpace = trimmedLine.firstIndex(of: " "),
              let lastSpace = trimmedLine.lastIndex(where: { $0 == " " || $0 == "\t" }),
              firstSpace < lastSpace
        else { throw SIPParseError(reason: "Bad Request-Line") }
        let method = trimmedLine[..<firstSpace]
        guard SIPSyntax.isToken(method) else { throw SIPParseError(reason: "Bad Method") }
        let version = trimmedLine[trimmedLine.index(after: lastSpace)...]
        let uri = SIPSyntax.trimmed(trimmedLine[firstSpace..<lastSpace])
        guard !uri.isEmpty, !version.isEmpty else { throw SIPParseError(reason: "Bad Request-Line") }
        return .request(method: String(method), uri: uri, version: String(version))
    }

    /// The Request-Line split on its bytes, for an ASCII line (where each
    /// byte is one Character, so the result equals the Character-based
    /// split below); nil for any malformation, which the Character-based
    /// path then reports.
    static func parseASCIIRequestLine(_ line: ArraySlice<UInt8>) -> StartLine? {
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
        var end = line.endIndex
        while end > line.startIndex, line[end - 1] == space || line[end - 1] == tab { end -= 1 }
        let trimmed = line[line.startIndex..<end]
        guard let firstSpace = trimmed.firstIndex(of: space),
              let lastSpace = trimmed.lastIndex(where: { $0 == space || $0 == tab }),
              firstSpace < lastSpace,
              firstSpace > trimmed.startIndex,
              trimmed[trimmed.startIndex..<firstSpace].allSatisfy(SIPSyntax.isTokenByte)
        else { return nil }
        func isLWS(_ b: UInt8) -> Bool { b == space || b == tab || b == 0x0D || b == 0x0A }
        var uriStart = firstSpace, uriEnd = lastSpace
        while uriStart < uriEnd, isLWS(trimmed[uriStart]) { uriStart += 1 }
        while uriEnd > uriStart, isLWS(trimmed[uriEnd - 1]) { uriEnd -= 1 }
        guard uriStart < uriEnd, lastSpace + 1 < end else { return nil }
        return .request(method: String(decoding: trimmed[trimmed.startIndex..<firstSpace], as: UTF8.self),
                        uri: String(decoding: trimmed[uriStart..<uriEnd], as: UTF8.self),
                        version: String(decoding: trimmed[(lastSpace + 1)..<end], as: UTF8.self))
    }

    /// The line starts with "SIP/", case-insensitively (a Status-Line).
    private static func startsWithSIPSlash(_ line: ArraySlice<UInt8>) -> Bool {
        let s = line.startIndex
        return line[s] | 0x20 == 0x73 && line[s + 1] | 0x20 == 0x69 && line[s + 2] | 0x20 == 0x70 && line[s + 3] == 0x2F
    }

    /// A deep copy; edits to one do not show in the other.
    public func copy() -> SIPMessage {
        SIPMessage(startLine: startLine, fields: fields, body: storedBody)
    }

    /// The message as bytes. Header fields that were not edited are written
    /// exactly as received; Content-Length always matches the body (it is
    /// added when missing, RFC 3261 §20.14).
    public func serialize() -> [UInt8] {
        var output: [UInt8] = []
        // One allocation: the size is known up to the start line and a
        // rewritten Content-Length.
        var size = storedBody.count + 160
        for i in fields.indices {
            size += (fields[i].raw?.count ?? fields[i].name.utf8.count + fields[i].valueByteCount + 2) + 2
        }
        output.reserveCapacity(size)
        switch startLine {
        case let .request(method, uri, version):
            SIPHeaderField.appendSingleLine(method, to: &output)
            output.append(0x20)
            SIPHeaderField.appendSingleLine(uri, to: &output)
            output.append(0x20)
            SIPHeaderField.appendSingleLine(version, to: &output)
        case let .response(version, code, reason):
            SIPHeaderField.appendSingleLine(version, to: &output)
            output.append(0x20)
            SIPHeaderField.appendSingleLine(code, to: &output)
            output.append(0x20)
            for byte in reason { output.append(byte == 0x0D || byte == 0x0A ? 0x20 : byte) }
        }
        output.append(0x0D)
        output.append(0x0A)
        var wroteLength = false
        // Through a buffer pointer: iterating, or calling a method on an
        // element of the array, copies each field (a retain and a release
        // per String and for the raw slice).
        let bodyCount = storedBody.count
        fields.withUnsafeBufferPointer { fields in
            for i in fields.indices {
                if fields[i].kind == .contentLength {
                    if wroteLength { continue }
                    wroteLength = true
                    let length = fields[i].withValueBytes { SIPBytes.number($0, 0..<$0.count, limit: UInt64(Int32.max)) }
                    if length != UInt64(bodyCount) {
                        SIPHeaderField(name: fields[i].name, value: String(bodyCount)).serialize(into: &output)
                        continue
                    }
                }
                if let raw = fields[i].raw {
                    // Only the slice is read (and retained), not the whole field.
                    output.append(contentsOf: raw)
                    output.append(0x0D)
                    output.append(0x0A)
                } else {
                    fields[i].serialize(into: &output)
                }
            }
        }
        if !wroteLength {
            SIPHeaderField(name: "Content-Length", value: String(storedBody.count)).serialize(into: &output)
        }
        output.append(contentsOf: [0x0D, 0x0A])
        output.append(contentsOf: storedBody)
        return output
    }

    // MARK: - Start line

    public var isRequest: Bool {
        if case .request = startLine { return true }
        return false
    }

    /// Request method exactly as received (methods are case-sensitive, RFC 3261 §7.1).
    public var method: String? {
        if case let .request(method, _, _) = startLine { return method }
        return nil
    }

    /// Request-URI text; setting it rewrites the Request-Line (requests only).
    public var requestURI: String? {
        get {
            if case let .request(_, uri, _) = startLine { return uri }
            return nil
        }
        set {
            guard let newValue, case let .request(method, _, version) = startLine else { return }
            startLine = .request(method: method, uri: newValue, version: version)
        }
    }

    /// The Request-URI as a `SIPURI`, parsed once per message (nil for a
    /// response or a malformed URI). After `validateRequest()` accepted it,
    /// libosip2 is not asked again.
    public var parsedRequestURI: SIPURI? {
        if let cached = requestURICache { return cached }
        let value = requestURI.flatMap { SIPURI.fastParse($0, osipChecked: requestURIChecked) }
        requestURICache = .some(value)
        return value
    }

    /// Status-Code of a response; nil for requests.
    public var statusCode: Int? {
        if case let .response(_, code, _) = startLine { return Int(code) }
        return nil
    }

    /// Reason-Phrase of a response (UTF-8 decoded, RFC 3261 §25.1 allows UTF-8).
    public var reasonPhrase: String? {
        if case let .response(_, _, reason) = startLine { return String(decoding: reason, as: UTF8.self) }
        return nil
    }

    /// SIP-Version as received, normally "SIP/2.0".
    public var sipVersion: String {
        switch startLine {
        case let .request(_, _, version): return version
        case let .response(version, _, _): return version
        }
    }

    /// Message body; setting it keeps Content-Length in step.
    public var body: [UInt8] {
        get { storedBody }
        set {
            storedBody = newValue
            editing(.contentLength) {
                for index in fields.indices where fields[index].kind == .contentLength {
                    fields[index] = SIPHeaderField(name: fields[index].name, value: String(newValue.count))
                }
            }
        }
    }
}
