// Thin, internal bridge to libosip2. Nothing here is public: C types never
// leave this file's callers (see ARCHITECTURE.md, "One owner per C pointer").
internal import COSIP2

/// libosip2 needs `parser_init()` exactly once per process before any parse
/// call. A `static let` is initialised lazily and exactly once, thread-safely
/// (swift_once), so every entry point touches `OSIPLibrary.ready` first.
enum OSIPLibrary {
    static let ready: Bool = {
        stird_osip_disable_trace()
        return parser_init() == 0
    }()

    /// Copies a C string owned by osip into Swift.
    static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }
}

/// Owns one `osip_via_t`; freed in deinit.
final class OSIPVia {
    private let pointer: UnsafeMutablePointer<osip_via_t>

    /// Parses one via-parm (RFC 3261 §20.42) with `osip_via_parse`.
    /// Returns nil when osip rejects it or the text holds a NUL.
    init?(parsing text: String) {
        guard OSIPLibrary.ready, !text.utf8.contains(0) else { return nil }
        var raw: UnsafeMutablePointer<osip_via_t>?
        guard osip_via_init(&raw) == 0, let raw else { return nil }
        pointer = raw
        let status = text.withCString { osip_via_parse(raw, $0) }
        if status != 0 { return nil }
    }

    /// As `init(parsing:)`, from UTF-8 bytes without a Swift String.
    init?(bytes: UnsafeBufferPointer<UInt8>) {
        guard OSIPLibrary.ready, !bytes.contains(0) else { return nil }
        var raw: UnsafeMutablePointer<osip_via_t>?
        guard osip_via_init(&raw) == 0, let raw else { return nil }
        pointer = raw
        let status = withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { text in
            for index in 0..<bytes.count { text[index] = CChar(bitPattern: bytes[index]) }
            text[bytes.count] = 0
            return osip_via_parse(raw, text.baseAddress)
        }
        if status != 0 { return nil }
    }

    deinit { osip_via_free(pointer) }

    var version: String? { OSIPLibrary.string(pointer.pointee.version) }
    var transport: String? { OSIPLibrary.string(pointer.pointee.protocol) }
    var host: String? { OSIPLibrary.string(pointer.pointee.host) }
    var port: String? { OSIPLibrary.string(pointer.pointee.port) }

    /// Number of via-params osip found.
    var parameterCount: Int {
        var position: Int32 = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafePointer<CChar>?
        while stird_osip_via_param_at(pointer, position, &name, &value) == 0 { position += 1 }
        return Int(position)
    }
}

/// Owns one `osip_uri_t`; freed in deinit. Used as a second opinion on the
/// grammar of sip/sips URIs (RFC 3261 §19.1.1).
final class OSIPURI {
    private let pointer: UnsafeMutablePointer<osip_uri_t>

    init?(parsing text: String) {
        guard OSIPLibrary.ready, !text.utf8.contains(0) else { return nil }
        var raw: UnsafeMutablePointer<osip_uri_t>?
        guard osip_uri_init(&raw) == 0, let raw else { return nil }
        pointer = raw
        let status = text.withCString { osip_uri_parse(raw, $0) }
        if status != 0 { return nil }
    }

    deinit { osip_uri_free(pointer) }

    /// Whether `osip_uri_parse` accepts `bytes` (no Swift String made).
    /// The bytes must not contain NUL (the caller checks).
    static func accepts(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard OSIPLibrary.ready else { return false }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { text in
            for index in 0..<bytes.count { text[index] = CChar(bitPattern: bytes[index]) }
            text[bytes.count] = 0
            var raw: UnsafeMutablePointer<osip_uri_t>?
            guard osip_uri_init(&raw) == 0, let raw else { return false }
            defer { osip_uri_free(raw) }
            return osip_uri_parse(raw, text.baseAddress) == 0
        }
    }

    var host: String? { OSIPLibrary.string(pointer.pointee.host) }
    var port: String? { OSIPLibrary.string(pointer.pointee.port) }
}
