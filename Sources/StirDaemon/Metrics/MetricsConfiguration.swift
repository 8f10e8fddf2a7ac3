import INIConfig
import SIPProxy

/// The Prometheus endpoint's settings, from the optional `[metrics]` section.
///
/// The endpoint exposes call counts and peer behaviour, so it listens on
/// loopback unless the operator says otherwise; a scraper on another host is
/// a deliberate choice (`listen = 0.0.0.0:9090`), never an accident.
public struct MetricsConfiguration: Equatable, Sendable {
    /// Serve the endpoint at all. Default: true.
    public var enabled: Bool
    /// Where the HTTP listener binds: a numeric IPv4/IPv6 address and port.
    /// Default: `127.0.0.1:9090`.
    public var listen: SocketAddress
    /// The one path that answers; any other is 404. Default: `/metrics`
    /// (the path Prometheus scrapes unless told otherwise).
    public var path: String

    /// The port used when `listen` names only an address.
    public static let defaultPort = 9090
    /// The section this configuration is read from.
    public static let sectionName = "metrics"

    /// Defaults: enabled, `127.0.0.1:9090`, `/metrics`.
    public init(enabled: Bool = true,
                listen: SocketAddress = SocketAddress(host: "127.0.0.1", port: MetricsConfiguration.defaultPort)!,
                path: String = "/metrics") {
        self.enabled = enabled
        self.listen = listen
        self.path = path
    }

    /// Reads `[metrics]` (keys `enabled`, `listen`); an absent section gives the
    /// defaults. Errors read `file:line: key: why`; an unknown key or a
    /// labeled `[metrics "x"]` section is an error too.
    public static func read(_ doc: INIDocument) throws -> MetricsConfiguration {
        // The parser already refuses a repeated [metrics]; a labeled one
        // would otherwise be a second, silently ignored section.
        let all = doc.sections(named: sectionName)
        if let labeled = all.first(where: { $0.label != nil }) {
            throw INIError(file: doc.file, line: labeled.line, message: "section [\(sectionName)] takes no label")
        }
        var r = INISectionReader(all.first ?? INISection(name: sectionName, line: 0), file: doc.file)
        var config = MetricsConfiguration()
        config.enabled = try r.bool("enabled", default: config.enabled)
        config.listen = try r.custom("listen", default: config.listen, parseListen)
        try r.finish()
        return config
    }

    /// `host[:port]` or `[v6][:port]`, numeric only: the endpoint must not
    /// depend on DNS at start-up. Port 0 (any free port) is refused because a
    /// scraper could not know where to look.
    static func parseListen(_ text: String) -> Result<SocketAddress, INIValueError> {
        guard let address = SocketAddress(endpoint: text, defaultPort: defaultPort) else {
            return .failure("'\(text)' is not a numeric IPv4/IPv6 address with optional port (e.g. 127.0.0.1:9090, [::1]:9090)")
        }
        guard address.port != 0 else {
            return .failure("port must be in 1...65535, got 0")
        }
        return .success(address)
    }
}
