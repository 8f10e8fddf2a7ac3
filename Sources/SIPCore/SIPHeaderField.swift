/// One header field line of a message (RFC 3261 §7.3), with the exact bytes
/// it arrived as so that fields we do not edit are forwarded unchanged
/// (RFC 4475 §3.1.1.1: a proxy forwards unknown header fields as they are).
struct SIPHeaderField {
    /// Field name as written, e.g. "MaX-fOrWaRdS" or "v".
    var name: String
    /// Lowercased long form of the name ("v" -> "via"), for lookups.
    let key: String
    /// `key` as a small number for the fields read on every message.
    let kind: Kind

    /// The fields a proxy reads on every message. The scans over a
    /// message's fields compare these instead of key Strings.
    enum Kind: UInt8 {
        case other, via, from, to, callID, cseq, contact, maxForwards, contentLength, route, recordRoute,
             pAssertedIdentity

        init(key: String) {
            switch key {
            case "via": self = .via
            case "from": self = .from
            case "to": self = .to
            case "call-id": self = .callID
            case "cseq": self = .cseq
            case "contact": self = .contact
            case "max-forwards": self = .maxForwards
            case "content-length": self = .contentLength
            case "route": self = .route
            case "record-route": self = .recordRoute
            case "p-asserted-identity": self = .pAssertedIdentity
            default: self = .other
            }
        }
    }

    /// Index of the first of `fields` at or after `start` with lowercased
    /// long-form `key`, whose kind is `kind` (`Kind(key:)`): one byte is
    /// compared for the common fields.
    ///
    /// It reads two stored properties through a buffer pointer: a method
    /// called on an array element around an opaque call (a String
    /// comparison, say) gets a copy of the whole field, a retain and a
    /// release for each of its Strings and its slice, per field scanned.
    static func firstIndex(in fields: [SIPHeaderField], of kind: Kind, _ key: String, from start: Int = 0) -> Int? {
        fields.withUnsafeBufferPointer { fields in
            var index = start
            while index < fields.count {
                if fields[index].kind == kind, kind != .other || fields[index].key == key { return index }
                index += 1
            }
            return nil
        }
    }
    /// Value with folding replaced by a single SP and outer LWS removed.
    ///
    /// A received field that was not folded keeps only the range of its
    /// value in `raw`, and the String is built when asked for: a proxy
    /// forwards most fields (Contact of a response, Subject, User-Agent, ...)
    /// without reading them, and reads Via, From and To through
    /// `withValueBytes`.
    var value: String {
        get {
            if let storedValue { return storedValue }
            guard let raw else { return "" }
            return String(decoding: raw[valueRange], as: UTF8.self)
        }
        set { storedValue = newValue }
    }
    /// The value as a String: set for built, edited and folded fields.
    private var storedValue: String?
    /// Where the value lies in `raw` (indices of the received datagram)
    /// while `storedValue` is nil.
    private var valueRange: Range<Int> = 0..<0
    /// Bytes as received (folding kept, no final line terminator); nil for
    /// fields we built or edited. A slice of the received datagram: no copy
    /// per field (the message keeps the datagram alive anyway).
    var raw: ArraySlice<UInt8>?

    init(name: String, value: String) {
        self.name = name
        (self.key, self.kind) = SIPHeaderField.keyAndKind(for: name)
        self.storedValue = value
        self.raw = nil
    }

    init(name: String, value: String, raw: [UInt8]) {
        self.init(name: name, value: value)
        self.raw = raw[...]
    }

    /// A received field whose key is already known (see `key(forName:)`).
    init(name: String, key: (String, Kind), value: String, raw: ArraySlice<UInt8>) {
        self.name = name
        (self.key, self.kind) = key
        self.storedValue = value
        self.raw = raw
    }

    /// A received, unfolded field whose value is `raw[valueRange]`.
    init(name: String, key: (String, Kind), valueRange: Range<Int>, raw: ArraySlice<UInt8>) {
        self.name = name
        (self.key, self.kind) = key
        self.storedValue = nil
        self.valueRange = valueRange
        self.raw = raw
    }

    /// Calls `body` with the UTF-8 bytes of `value`, read in place when the
    /// value was never built as a String. Bytes that are not valid UTF-8 are
    /// passed as received (`value` would show them as U+FFFD); the byte
    /// scanners send any non-ASCII value to the String parsers anyway.
    func withValueBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if storedValue == nil, let raw {
            return try raw.withUnsafeBufferPointer { whole in
                let start = valueRange.lowerBound - raw.startIndex
                return try body(UnsafeBufferPointer(rebasing: whole[start..<(start + valueRange.count)]))
            }
        }
        var text = value
        return try text.withUTF8(body)
    }

    /// Byte count of `value` (no String built for a value read in place).
    var valueByteCount: Int {
        storedValue == nil && raw != nil ? valueRange.count : value.utf8.count
    }

    /// Appends "name: value" (or the received bytes) and CRLF.
    func serialize(into output: inout [UInt8]) {
        if let raw {
            output.append(contentsOf: raw)
        } else {
            SIPHeaderField.appendSingleLine(name, to: &output)
            output.append(UInt8(ascii: ":"))
            output.append(UInt8(ascii: " "))
            SIPHeaderField.appendSingleLine(value, to: &output)
        }
        output.append(0x0D)
        output.append(0x0A)
    }

    /// UTF-8 of `text` with CR and LF turned into SP, so that a value set by
    /// a caller can never start a new header field (RFC 3261 §7.3.1).
    static func appendSingleLine(_ text: String, to output: inout [UInt8]) {
        let copied = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            // Almost every value has no CR or LF: copy it in one go.
            guard !bytes.contains(where: { $0 == 0x0D || $0 == 0x0A }) else { return false }
            output.append(contentsOf: bytes)
            return true
        } ?? false
        guard !copied else { return }
        for byte in text.utf8 { output.append(byte == 0x0D || byte == 0x0A ? 0x20 : byte) }
    }

    /// Compact forms (RFC 3261 §7.3.3 and later registrations; y = Identity,
    /// RFC 8224 §4).
    static var compactForms: [String: String] { FieldNames.compactForms }

    /// `key(for:)` of a field name given as token bytes (ASCII), with its kind.
    static func key(forName bytes: UnsafeBufferPointer<UInt8>) -> (String, Kind) {
        let names = FieldNames.shared
        if let found = names.find(bytes) {
            let entry = names.entries[found.index]
            return (entry.key, entry.kind)
        }
        return otherKey(bytes)
    }

    /// The key of a name `FieldNames` does not know: its bytes lowercased,
    /// kind `.other` (the key of every other kind is a `FieldNames` entry,
    /// and every letter with a long form is a compact form).
    static func otherKey(_ bytes: UnsafeBufferPointer<UInt8>) -> (String, Kind) {
        let lowered = bytes.map { SIPBytes.isAlpha($0) ? $0 | 0x20 : $0 }
        return (String(decoding: lowered, as: UTF8.self), .other)
    }

    /// `key(for:)` and its kind.
    static func keyAndKind(for name: String) -> (String, Kind) {
        var ascii = name
        if let found = ascii.withUTF8({ buffer -> (String, Kind)? in
            buffer.allSatisfy { $0 < 0x80 } ? SIPHeaderField.key(forName: buffer) : nil
        }) { return found }
        let key = SIPHeaderField.key(for: name)
        return (key, Kind(key: key))
    }

    /// The key of a compact form or of a `FieldNames` entry, matched
    /// ASCII-case-insensitively; nil for any other name.
    static func knownKey(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let names = FieldNames.shared
        return names.find(bytes).map { names.entries[$0.index].key }
    }

    /// Lowercased long form of a header name; names are case-insensitive
    /// (RFC 3261 §7.3.1).
    static func key(for name: String) -> String {
        var ascii = name
        if let known = ascii.withUTF8({ buffer in
            buffer.allSatisfy { $0 < 0x80 } ? knownKey(buffer) : nil
        }) { return known }
        let lowered = name.lowercased()
        return compactForms[lowered] ?? lowered
    }
}

/// Splits a header section into fields (RFC 3261 §7.3.1): lines end in CRLF
/// (a bare LF is tolerated), a line starting with SP/HTAB continues the
/// previous field, and the name is separated from the value by ":" with
/// optional whitespace before it ("TO :", RFC 4475 §3.1.1.1).
enum SIPHeaderParser {
    /// Lines of `bytes[range]`, without terminators. `end` is the index after
    /// the empty line that ends the header section, nil when it never came.
    struct Lines {
        var lines: [Range<Int>]
        var end: Int?
    }

    static func lines(_ bytes: [UInt8], from start: Int, limit: Int) -> Lines {
        var result: [Range<Int>] = []
        result.reserveCapacity(24)
        let stop = min(bytes.count, limit)
        guard start < stop else { return Lines(lines: result, end: nil) }
        return bytes.withUnsafeBufferPointer { buffer in
            var lineStart = start
            while let index = ByteSearch.firstIndex(of: 0x0A, in: buffer, lineStart..<stop) {
                var lineEnd = index
                if lineEnd > lineStart, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if lineEnd == lineStart { return Lines(lines: result, end: index + 1) }
                result.append(lineStart..<lineEnd)
                lineStart = index + 1
            }
            if lineStart < stop { result.append(lineStart..<stop) }
            return Lines(lines: result, end: nil)
        }
    }

    /// Builds fields from header lines (everything after the start line).
    static func fields(_ bytes: [UInt8], lines: ArraySlice<Range<Int>>) throws -> [SIPHeaderField] {
        var fields: [SIPHeaderField] = []
        fields.reserveCapacity(lines.count)
        // A field is its first line plus the continuation lines (starting
        // with SP/HTAB) after it; it is built once the next field starts.
        try bytes.withUnsafeBufferPointer { buffer in
            var pending: Range<Int>?
            for line in lines {
                guard let first = line.first.map({ buffer[$0] }) else { continue }
                if first == 0x20 || first == 0x09 {
                    guard let open = pending else { throw SIPParseError(reason: "Bad Header Folding") }
                    pending = open.lowerBound..<line.upperBound
                } else {
                    if let open = pending { fields.append(try field(bytes, buffer, open)) }
                    pending = line
                }
            }
            if let open = pending { fields.append(try field(bytes, buffer, open)) }
        }
        return fields
    }

    /// The field in `bytes[range]`; `buffer` is `bytes` read in place.
    private static func field(_ bytes: [UInt8], _ buffer: UnsafeBufferPointer<UInt8>,
                              _ range: Range<Int>) throws -> SIPHeaderField {
        guard let colon = ByteSearch.firstIndex(of: UInt8(ascii: ":"), in: buffer, range) else {
            throw SIPParseError(reason: "Bad Header Field")
        }
        var nameEnd = colon
        while nameEnd > range.lowerBound, buffer[nameEnd - 1] == 0x20 || buffer[nameEnd - 1] == 0x09 { nameEnd -= 1 }
        let name = UnsafeBufferPointer(rebasing: buffer[range.lowerBound..<nameEnd])
        guard !name.isEmpty, name.allSatisfy(SIPSyntax.isTokenByte) else {
            throw SIPParseError(reason: "Bad Header Field Name")
        }
        // Most names are written in their usual spelling ("Call-ID"): the
        // entry's String is shared instead of decoding the bytes again.
        let nameText: String
        let key: (String, SIPHeaderField.Kind)
        let names = FieldNames.shared
        if let found = names.find(name) {
            let entry = names.entries[found.index]
            key = (entry.key, entry.kind)
            nameText = found.usual ? entry.usual : String(decoding: name, as: UTF8.self)
        } else {
            key = SIPHeaderField.otherKey(name)
            nameText = String(decoding: name, as: UTF8.self)
        }
        // An unfolded line (the usual case): the value is the text after the
        // colon less leading and trailing SP/HTAB, read straight from the bytes.
        var valueStart = colon + 1
        var valueEnd = range.upperBound
        var folded = false
        for index in valueStart..<valueEnd where buffer[index] == 0x0D || buffer[index] == 0x0A {
            folded = true
            break
        }
        if !folded {
            while valueStart < valueEnd, buffer[valueStart] == 0x20 || buffer[valueStart] == 0x09 { valueStart += 1 }
            while valueEnd > valueStart, buffer[valueEnd - 1] == 0x20 || buffer[valueEnd - 1] == 0x09 { valueEnd -= 1 }
            return SIPHeaderField(name: nameText, key: key, valueRange: valueStart..<valueEnd, raw: bytes[range])
        }
        // Unfold: CR, LF and runs of SP/HTAB after them become one SP.
        var value: [UInt8] = []
        value.reserveCapacity(range.upperBound - colon)
        var index = colon + 1
        var pendingSpace = false
        while index < range.upperBound {
            let byte = buffer[index]
            if byte == 0x0D || byte == 0x0A || byte == 0x20 || byte == 0x09 {
                if byte == 0x0D || byte == 0x0A {
                    pendingSpace = true
                } else if pendingSpace || value.isEmpty {
                    pendingSpace = true
                } else {
                    value.append(byte)
                }
            } else {
                if pendingSpace, !value.isEmpty { value.append(0x20) }
                pendingSpace = false
                value.append(byte)
            }
            index += 1
        }
        while let last = value.last, last == 0x20 || last == 0x09 { value.removeLast() }
        return SIPHeaderField(name: nameText, key: key, value: String(decoding: value, as: UTF8.self), raw: bytes[range])
    }
}
