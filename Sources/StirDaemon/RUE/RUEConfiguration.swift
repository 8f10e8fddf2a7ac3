import Foundation
import INIConfig
import SIPProxy

/// `[rue]`: the provider configuration service of RFC 9248 §9, which relay
/// user equipment (RUE) fetches over HTTPS before it registers. Absent
/// section: no service. It runs on its own threads, never on a proxy loop
/// (docs/ARCHITECTURE.md rule 1).
public struct RUEConfiguration: Equatable, Sendable {
    /// Serve at all (the section is present).
    public var enabled = false
    /// Where the HTTPS listener binds (numeric address and port).
    public var listen = SocketAddress(host: "127.0.0.1", port: 8443)!
    /// PEM certificate chain and key of the HTTPS server (RFC 9248 §9: TLS).
    public var certificate = ""
    public var privateKey = ""
    /// The provider's SIP domain, `provider-domain` in the RUE configuration.
    public var providerDomain = ""
    /// SIP URIs of the provider's outbound proxies (`outbound-proxies`), in order.
    public var outboundProxies: [String] = []
    /// Hashes of the API keys that identify RUE implementations (one a line).
    public var apiKeysFile = ""
    /// The SQLite file holding the generated SIP credentials (hashes only).
    public var storeFile = ""
    /// `lifetime` of a configuration, seconds: the RUE fetches it again after.
    public var configLifetimeSeconds = 86_400
    /// Instances (devices) of one account holding a generated password at
    /// once; a new one beyond this replaces the oldest.
    public var maxInstancesPerAccount = 8
    /// `registrar`: the provider's registrar, to which REGISTERs from RUEs
    /// over TLS or TCP are relayed with a Path naming their flow (RFC 5626
    /// §5, RFC 3327); nil: REGISTER is routed like any request. Works
    /// with `enabled = no` too (the HTTPS service off, the relay on).
    public var registrar: EdgeRegistrar?

    public static let sectionName = "rue"

    public init() {}

    /// Reads `[rue]`; errors are `file:line: key: why`.
    public static func read(_ doc: INIDocument) throws -> RUEConfiguration {
        var c = RUEConfiguration()
        let all = doc.sections(named: sectionName)
        if let labeled = all.first(where: { $0.label != nil }) {
            throw INIError(file: doc.file, line: labeled.line, message: "section [\(sectionName)] takes no label")
        }
        guard let section = all.first else { return c }
        var r = INISectionReader(section, file: doc.file)
        c.enabled = try r.bool("enabled", default: true)
        c.listen = try r.custom("listen", default: c.listen) { text in
            guard let a = SocketAddress(endpoint: text, defaultPort: 443), a.port != 0 else {
                return .failure("'\(text)' is not a numeric IPv4/IPv6 address with a port in 1...65535 (e.g. 0.0.0.0:443)")
            }
            return .success(a)
        }
        c.certificate = try r.string("certificate", default: c.certificate)
        c.privateKey = try r.string("private_key", default: c.privateKey)
        c.providerDomain = try r.string("provider_domain", default: c.providerDomain)
        c.outboundProxies = try r.list("outbound_proxies", default: c.outboundProxies)
        c.apiKeysFile = try r.string("api_keys_file", default: c.apiKeysFile)
        c.storeFile = try r.string("store_file", default: c.storeFile)
        c.configLifetimeSeconds = try r.int("config_lifetime_s", default: c.configLifetimeSeconds, range: 60...31_536_000)
        c.maxInstancesPerAccount = try r.int("max_instances_per_account", default: c.maxInstancesPerAccount, range: 1...1_000)
        let domain = c.providerDomain
        c.registrar = try r.custom("registrar", default: c.registrar) { text in
            if text.isEmpty { return .success(nil) }
            guard let registrar = EdgeRegistrar(uri: text, domain: domain) else {
                return .failure("'\(text)' is not sip:HOST[:PORT][;transport=udp|tcp|tls] or sips:HOST[:PORT]")
            }
            return .success(registrar)
        }
        try r.finish()
        guard c.enabled else { return c }
        for (key, value) in [("certificate", c.certificate), ("private_key", c.privateKey), ("provider_domain", c.providerDomain),
                             ("api_keys_file", c.apiKeysFile), ("store_file", c.storeFile)] where value.isEmpty {
            throw INIError(file: doc.file, line: section.line, key: key, message: "missing: the RUE configuration service needs it")
        }
        for (key, path) in [("certificate", c.certificate), ("private_key", c.privateKey)] where !FileManager.default.isReadableFile(atPath: path) {
            throw INIError(file: doc.file, line: section.entry(key)?.line ?? section.line, key: key, message: "\(path): cannot be read")
        }
        for uri in c.outboundProxies where !(uri.hasPrefix("sip:") || uri.hasPrefix("sips:")) {
            throw INIError(file: doc.file, line: section.entry("outbound_proxies")?.line ?? section.line, key: "outbound_proxies",
                           message: "'\(uri)' is not a sip: or sips: URI")
        }
        do { _ = try APIKeySet.load(path: c.apiKeysFile) } catch {
            throw INIError(file: doc.file, line: section.entry("api_keys_file")?.line ?? section.line, key: "api_keys_file", message: "\(error)")
        }
        return c
    }
}
