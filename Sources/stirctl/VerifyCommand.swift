import ArgumentParser
import Certificates
import Crypto
import Foundation
import STIRCore

/// `stirctl verify`: runs the verification service over one or more
/// Identity header values and prints the outcome. Exit 0 only if valid.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify Identity header value(s); exit 0 only if valid.",
        discussion: """
        Prints one line: `valid attest=A` or `<code> <status> <reason>`, then
        `verstat=...`, one `x5u=<url> cert=<ok|code> ...` line per certificate
        looked up, and, for failures, the SIP and STIR Reason header values.
        Certificates: without --cert, each x5u is fetched (https, ports
        --x5u-port) and its chain validated against --ca/--ca-dir now, then
        checked at the PASSporT iat, with the --revocation policies. --cert
        FILE is used for every x5u instead: a certificate chain validated the
        same way when --ca/--ca-dir is given, else trusted as given (a
        certificate or public key). Exit 0 valid, 1 invalid, 2 usage.
        """)

    @Option(help: "Identity header value; repeat for several headers.") var identity: [String]
    @Option(help: "Originating TN or URI as the SIP request carries it.") var orig: String
    @Option(help: "Destination TN or URI as the SIP request carries it.") var dest: String
    @Option(help: "PEM certificate chain (or public key) to use instead of fetching x5u.") var cert: String?
    @OptionGroup var trust: TrustOptions
    @OptionGroup var network: NetworkOptions
    @Option(name: .customLong("x5u-port"), help: "Allowed x5u port; repeat for several (default: 443 and 8443).")
    var x5uPorts: [Int] = []
    @Option(name: .customLong("cache-dir"), help: "x5u disk cache directory to read and fill (default: none).")
    var cacheDirectory: String?
    @Flag(name: .customLong("require-shaken-cn"), help: "Require the leaf CN to be `SHAKEN <SPC>`.")
    var requireSHAKENCommonName = false
    @Option(help: "Current time, seconds since 1970 (default: now).") var now: Int64?
    @Option(help: "SIP Date header value (default: none).") var date: String?
    @Option(name: .customLong("max-age"), help: "Freshness window for Date and iat, seconds.") var maxAge: Int64 = 60
    @Option(name: .customLong("future-skew"), help: "Allowed clock skew into the future, seconds.") var futureSkew: Int64 = 5
    @Option(help: "Supported ppt values, comma-separated.") var ppt: String = "shaken"
    @Flag(name: .customLong("shaken-only"), help: "Reject baseline and compact-form PASSporTs (SHAKEN profile).") var shakenOnly = false
    @Flag(name: .customLong("no-dest-check"), help: "Do not require the destination in dest.") var noDestCheck = false
    @Option(name: .customLong("div-max-age"),
            help: "div chains (RFC 8946 §4.2): max iat age of inner links, seconds; 0: ppt=div unsupported. The values of --identity are one request's set; --dest is the current target.")
    var divMaxAge: Int64 = 10_800

    func run() throws {
        let current = now ?? CLISupport.now
        let extractor = SIPIdentityExtractor()
        let sip = SIPIdentityContext(originating: [try CLISupport.identity(orig, extractor: extractor)],
                                     destinations: [try CLISupport.identity(dest, extractor: extractor)],
                                     date: date, now: current, targets: [try CLISupport.identity(dest, extractor: extractor)])
        var policy = shakenOnly ? VerificationPolicy.shaken : VerificationPolicy()
        policy.maxDateAgeSeconds = maxAge
        policy.maxIatAgeSeconds = maxAge
        policy.maxFutureSkewSeconds = futureSkew
        policy.supportedPPTs = Set(ppt.split(separator: ",").map(String.init))
        policy.checkDestination = !noDestCheck
        guard divMaxAge == 0 || divMaxAge >= maxAge else { throw ValidationError("--div-max-age must be 0 or at least --max-age") }
        policy.divMaxAgeSeconds = divMaxAge > 0 ? divMaxAge : nil
        let plan = IdentityVerifier.prepare(identityHeaders: identity, sip: sip, policy: policy)
        var notes: [String] = []
        let certificates: [String: CertificateResult]
        if let cert, !trust.isSet {
            let certificate = StaticCertificate(publicKey: try Self.publicKey(cert))
            certificates = Dictionary(uniqueKeysWithValues: plan.requiredX5Us.map { ($0, .available(certificate)) })
        } else {
            certificates = try lookUp(plan.requiredX5Us, now: current, notes: &notes)
        }
        let result = plan.finish(certificates: certificates)
        switch result.outcome {
        case .valid(_, let attestation):
            print("valid" + (attestation.map { " attest=\($0.rawValue)" } ?? ""))
        case .failed(let failure, _):
            print("\(failure.code) \(failure.status)")
        }
        print("verstat=\(result.verstat.rawValue)")
        for h in result.headers where result.headers.count > 1 {
            print("header[\(h.index)]=\(h.outcome.failure?.code ?? "valid")")
        }
        if let chain = result.divChain {
            print("div_chain=\(chain.links.map(String.init).joined(separator: ","))" + (chain.failure.map { " broken: \($0)" } ?? " valid"))
        }
        for note in notes { print(note) }
        if let sipReason = result.reasonHeaderValue(.sip), let stirReason = result.reasonHeaderValue(.stir) {
            print("Reason: \(sipReason)")
            print("Reason: \(stirReason)")
            throw ExitCode(1)
        }
    }

    /// Chains for `urls` through a CertificateProvider: fetched, or the
    /// --cert chain, validated against the trust anchors.
    private func lookUp(_ urls: [String], now: Int64, notes: inout [String]) throws -> [String: CertificateResult] {
        let anchors = try trust.anchors()
        let requester = network.requester()
        var configuration = CertificateProvider.Configuration()
        if !x5uPorts.isEmpty { configuration.urlPolicy.ports = Set(x5uPorts) }
        configuration.fetchTimeout = network.timeout
        configuration.deadline = network.timeout
        configuration.persistenceDirectory = cert == nil ? cacheDirectory : nil
        var validator = ChainValidator(anchors: anchors)
        validator.requireSHAKENCommonName = requireSHAKENCommonName
        let clock = Date(timeIntervalSince1970: TimeInterval(now))
        let provider = CertificateProvider(configuration: configuration, validator: validator, requester: requester,
                                           revocation: try network.checker(requester: requester, anchors: anchors),
                                           clock: { clock })
        let lookup = X5ULookup(provider: provider, deadline: network.timeout)
        let references = X5ULookup.references(identityHeaders: identity, now: now)
        var chains: [String: Result<ValidatedChain, CertificateFailure>]
        if let cert {
            let pem = Array(try CLISupport.readText(cert).utf8)
            let chain = lookup.importChain(pem: pem, for: cert)
            chains = Dictionary(uniqueKeysWithValues: urls.map { ($0, chain) })
        } else {
            var times: [String: Int64] = [:]
            for reference in references where times[reference.url] == nil { times[reference.url] = reference.iat }
            chains = lookup.fetch(urls, at: times)
        }
        var results: [String: CertificateResult] = [:]
        for url in urls {
            let lookupResult = chains[url] ?? .failure(.fetchTimeout)
            results[url] = X5ULookup.certificateResult(lookupResult, url: url, references: references)
            switch lookupResult {
            case .success(let chain):
                notes.append("x5u=\(url) cert=ok spc=\(chain.spc ?? "-") not_after=\(CertificateText.date(chain.notAfter)) "
                             + "revocation=\(CertificateText.revocation(chain.revocation))")
            case .failure(let failure):
                notes.append("x5u=\(url) cert=\(CertificateText.failure(failure))")
            }
        }
        return results
    }

    /// The key of a PEM public key or certificate, trusted as given.
    static func publicKey(_ path: String) throws -> ES256PublicKey {
        let pem: String
        do { pem = try CLISupport.readText(path) } catch { throw UsageError("\(error)") }
        do {
            return pem.contains("BEGIN PUBLIC KEY") ? try ES256PublicKey(pem: pem) : try ES256PublicKey(certificatePEM: pem)
        } catch {
            throw UsageError("\(path): \(error)")
        }
    }
}
