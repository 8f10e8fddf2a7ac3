/// One Via value: `sent-protocol LWS sent-by *( SEMI via-params )`
/// (RFC 3261 §20.42, §25.1). Parsed with libosip2's `osip_via_parse`.
public struct SIPVia: Equatable, CustomStringConvertible {
    /// Transport, uppercased: "UDP", "TCP", "TLS", "SCTP" or any other token.
    public var transport: String
    /// sent-by host; IPv6 references without brackets.
    public var host: String
    public var port: Int?
    /// via-branch (RFC 3261 §8.1.1.7).
    public var branch: String? {
        get { parameter("branch") ?? nil }
        set { setParameter("branch", newValue) }
    }
    /// via-received (RFC 3261 §18.2.1).
    public var received: String? {
        get { parameter("received") ?? nil }
        set { setParameter("received", newValue) }
    }
    /// RFC 3581 rport: nil when absent, `.some(nil)` when present without a
    /// value, `.some(port)` when it carries one (a non-numeric value reads as
    /// `.some(nil)`).
    public var rport: Int?? {
        get {
            guard let value = parameter("rport") else { return nil }
            guard let value, let port = SIPSyntax.number(value, limit: 65535) else { return .some(nil) }
            return .some(Int(port))
        }
        set { setRport(newValue) }
    }
    /// All via-params in order, names as written.
    public var parameters: [(name: String, value: String?)]
    /// protocol-version of sent-protocol, "2.0" for SIP/2.0 (another version
    /// is parsed so that a 505 can still be routed back, RFC 4475 §3.1.2.16).
    public var protocolVersion: String = "2.0"

    public init(transport: String, host: String, port: Int? = nil, parameters: [(name: String, value: String?)] = []) {
        self.transport = transport.uppercased()
        self.host = host
        self.port = port
        self.parameters = parameters
    }

    /// Parses one via-parm; nil when it is malformed (bad sent-protocol,
    /// empty host, port out of range, empty parameter, ...).
    public init?(_ text: String) {
        guard let parsed = OSIPVia(parsing: text), let (version, transport, host, port) = SIPVia.sentBy(parsed)
        else { return nil }
        // Parameters are read from the text itself: osip skips empty ones
        // (";;", RFC 4475 §3.1.2.1) and empty values ("branch="), which must
        // be rejected; osip's count is a cross-check.
        let split = SIPSyntax.split(text, at: ";")
        guard !split.unbalanced, split.elements.count == parsed.parameterCount + 1 else { return nil }
        var parameters: [(name: String, value: String?)] = []
        for piece in split.elements.dropFirst() {
            guard let parameter = SIPSyntax.parameter(piece) else { return nil }
            parameters.append(parameter)
        }
        self.init(transport: transport, host: host, port: port, parameters: parameters)
        protocolVersion = version
    }

    /// `init(text)` over the UTF-8 bytes of `range`: the same value, or nil
    /// where it fails. Parameters are split and checked on the bytes
    /// instead of through intermediate Strings; libosip2 still parses the
    /// via-parm (`osip_via_parse`). Non-ASCII values go to `init(text)`.
    ///
    /// `shapes` answers for libosip2 when a value of the same shape passed
    /// before (`ViaShapes`), and learns the shapes that pass.
    static func parse(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, shapes: ViaShapes? = nil) -> SIPVia? {
        guard SIPBytes.isPlainASCII(buffer, range) else { return SIPVia(SIPBytes.string(buffer, range)) }
        let osip: ViaShapes.Answer
        if let known = shapes?.answer(buffer, range) {
            osip = known
        } else {
            guard let parsed = OSIPVia(bytes: UnsafeBufferPointer(rebasing: buffer[range])),
                  let (version, transport, host, port) = SIPVia.sentBy(parsed)
            else { return nil }
            osip = ViaShapes.Answer(version: version, transport: transport, host: host, port: port,
                                    parameterCount: parsed.parameterCount)
            shapes?.remember(osip, for: buffer, range)
        }
        // via-params = via-ttl / via-maddr / via-received / via-branch / via-extension,
        // all generic-param shaped (RFC 3261 §25.1); osip's count is a cross-check.
        var count = 0
        var good = true
        var parameters: [(name: String, value: String?)] = []
        parameters.reserveCapacity(osip.parameterCount)
        let unbalanced = SIPBytes.split(buffer, range, separator: 0x3B) { piece in
            defer { count += 1 }
            guard count > 0 else { return true }
            guard let parameter = SIPBytes.parameter(buffer, piece) else {
                good = false
                return false
            }
            parameters.append((SIPBytes.string(buffer, parameter.name), parameter.value.map { SIPBytes.string(buffer, $0) }))
            return true
        }
        guard good, !unbalanced, count == osip.parameterCount + 1 else { return nil }
        var via = SIPVia(transport: osip.transport, host: osip.host, port: osip.port, parameters: parameters)
        via.protocolVersion = osip.version
        return via
    }

    /// sent-protocol version and transport (tokens), host and port from
    /// libosip2's parse; nil when one of them is malformed.
    private static func sentBy(_ parsed: OSIPVia) -> (String, String, String, Int?)? {
        guard let version = parsed.version, SIPSyntax.isToken(version),
              let transport = parsed.transport, SIPSyntax.isToken(transport),
              let host = parsed.host, !host.isEmpty, !SIPSyntax.containsWhitespace(host)
        else { return nil }
        var port: Int?
        if let portText = parsed.port {
            guard let value = SIPSyntax.number(portText, limit: 65535) else { return nil }
            port = Int(value)
        }
        return (version, transport, host, port)
    }

    /// The value of parameter `name` (case-insensitive): nil when absent,
    /// `.some(nil)` for a flag.
    public func parameter(_ name: String) -> String?? {
        for parameter in parameters where SIPSyntax.equalsIgnoringCase(parameter.name, name) {
            return .some(parameter.value)
        }
        return nil
    }

    /// Replaces the first parameter called `name` (or appends it); a nil
    /// `value` removes every parameter of that name.
    public mutating func setParameter(_ name: String, _ value: String?, flag: Bool = false) {
        guard value != nil || flag else {
            parameters.removeAll { SIPSyntax.equalsIgnoringCase($0.name, name) }
            return
        }
        if let index = parameters.firstIndex(where: { SIPSyntax.equalsIgnoringCase($0.name, name) }) {
            parameters[index].value = value
        } else {
            parameters.append((name: name, value: value))
        }
    }

    /// Sets rport (RFC 3581 §4): `.some(port)` with a value, `.some(nil)` as
    /// a flag, nil removes it.
    public mutating func setRport(_ value: Int??) {
        switch value {
        case .none: setParameter("rport", nil)
        case .some(.none): setParameter("rport", nil, flag: true)
        case .some(.some(let port)): setParameter("rport", String(port))
        }
    }

    /// Serialized via-parm, e.g. "SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1".
    public var description: String {
        var text = "SIP/" + protocolVersion + "/" + transport + " "
        text += host.contains(":") ? "[" + host + "]" : host
        if let port { text += ":" + String(port) }
        for parameter in parameters {
            text += ";" + parameter.name
            if let value = parameter.value { text += "=" + value }
        }
        return text
    }

    public static func == (lhs: SIPVia, rhs: SIPVia) -> Bool {
        lhs.transport == rhs.transport && lhs.protocolVersion == rhs.protocolVersion && lhs.host == rhs.host && lhs.port == rhs.port
            && lhs.parameters.count == rhs.parameters.count
            && zip(lhs.parameters, rhs.parameters).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}
