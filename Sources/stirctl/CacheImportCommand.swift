import ArgumentParser
import Certificates
import Dispatch
import Foundation

/// `stirctl cache import`: validates a chain and stores it for a URL as if
/// fetched (pre-population, Asterisk #860), through CertificateProvider.
struct CacheImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Validate a PEM chain and cache it for an x5u URL.",
        discussion: """
        The chain is validated now against --ca/--ca-dir and the --revocation
        policies; the entry lives --ttl-s seconds, never past the chain's
        notAfter (nor a revocation nextUpdate). Prints `imported <url>
        expires=... spc=... file=...`, or `invalid <code>[: detail]` (exit 1).
        Other entries of the directory are left untouched.
        """)

    @Option(name: .customLong("dir"), help: "Cache directory (cache_dir); created if missing.") var directory: String
    @Option(help: "x5u URL the chain is served at.") var url: String
    @Option(help: "PEM chain: leaf first, then intermediates.") var cert: String
    @Option(name: .customLong("ttl-s"), help: "Entry lifetime, seconds.") var ttlSeconds = 86_400
    @OptionGroup var trust: TrustOptions
    @OptionGroup var network: NetworkOptions
    @Option(help: "Current time, seconds since 1970 (default: now).") var now: Int64?

    func validate() throws {
        guard ttlSeconds > 0 else { throw ValidationError("--ttl-s must be positive") }
        guard let parts = URLComponents(string: url), parts.scheme != nil, parts.host != nil else {
            throw ValidationError("--url is not an absolute URL: \(url)")
        }
    }

    func run() throws {
        let pem: String
        do { pem = try CLISupport.readText(cert) } catch { throw UsageError("\(error)") }
        let anchors = try trust.anchors()
        // The provider writes into a private staging directory (loading the
        // real one would re-validate, and drop, every other entry); the
        // file is then renamed into place, atomically replacing an old one.
        let staging = directory + "/.import-\(UUID().uuidString)"
        do { try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true) } catch {
            throw UsageError("cannot create \(staging): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let requester = network.requester()
        var configuration = CertificateProvider.Configuration()
        configuration.persistenceDirectory = staging
        configuration.defaultTTL = TimeInterval(ttlSeconds)
        configuration.minimumTTL = 0
        configuration.maximumTTL = TimeInterval(ttlSeconds)
        configuration.deadline = network.timeout
        let clock = Date(timeIntervalSince1970: TimeInterval(now ?? CLISupport.now))
        let provider = CertificateProvider(configuration: configuration, validator: ChainValidator(anchors: anchors),
                                           requester: requester,
                                           revocation: try network.checker(requester: requester, anchors: anchors),
                                           clock: { clock })
        switch X5ULookup(provider: provider, deadline: network.timeout).importChain(pem: Array(pem.utf8), for: url) {
        case .failure(let failure):
            print("invalid \(CertificateText.failure(failure))")
            throw ExitCode(1)
        case .success(let chain):
            let names = (try? FileManager.default.contentsOfDirectory(atPath: staging))?.filter { $0.hasSuffix(".pem") } ?? []
            guard names.count == 1, let name = names.first else { throw CLIError("the provider wrote no cache file") }
            guard rename(staging + "/" + name, directory + "/" + name) == 0 else {
                throw CLIError("cannot move the cache file into \(directory): errno \(errno)")
            }
            let expires = provider.entries().first { $0.url == url }?.expires ?? chain.notAfter
            print("imported \(url) expires=\(CertificateText.date(expires)) spc=\(chain.spc ?? "-") "
                  + "not_after=\(CertificateText.date(chain.notAfter)) revocation=\(CertificateText.revocation(chain.revocation)) "
                  + "file=\(name)")
        }
    }
}
