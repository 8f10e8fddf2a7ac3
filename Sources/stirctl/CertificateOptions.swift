import ArgumentParser
import Certificates
import Foundation

/// STI trust anchors shared by `verify`, `check-cert` and `cache`.
struct TrustOptions: ParsableArguments {
    @Option(help: "STI-CA trust anchors, PEM bundle file.") var ca: String?
    @Option(name: .customLong("ca-dir"), help: "Directory of trust anchors (*.pem, *.crt).") var caDirectory: String?

    /// Whether any anchor source was given.
    var isSet: Bool { ca != nil || caDirectory != nil }

    /// The anchors, or a usage error naming what is missing or unreadable.
    func anchors() throws -> TrustAnchors {
        guard isSet else { throw UsageError("need --ca FILE and/or --ca-dir DIR (STI trust anchors)") }
        let anchors: TrustAnchors
        do { anchors = try TrustAnchors(file: ca, directory: caDirectory) } catch {
            throw UsageError("trust anchors: \(Self.describe(error))")
        }
        guard anchors.count > 0 else { throw UsageError("no trust anchor certificate in --ca/--ca-dir") }
        return anchors
    }

    /// The default STIR chain validator over `anchors()`.
    func validator(requireSHAKENCommonName: Bool = false) throws -> ChainValidator {
        var validator = ChainValidator(anchors: try anchors())
        validator.requireSHAKENCommonName = requireSHAKENCommonName
        return validator
    }

    static func describe(_ error: Error) -> String {
        if let failure = error as? CertificateFailure { return CertificateText.failure(failure) }
        return "\(error)"
    }
}

/// Network access and revocation for x5u, OCSP and CRL (CurlRequester).
struct NetworkOptions: ParsableArguments {
    @Flag(name: .customLong("allow-loopback"),
          help: "Allow special-purpose destinations (loopback, RFC 1918, ...; RFC 6890). Refused by default.")
    var allowLoopback = false
    @Option(name: .customLong("ca-file-for-https"), help: "CA bundle authenticating the https x5u server (default: system store).")
    var httpsCAFile: String?
    @Option(name: .customLong("timeout-ms"), help: "One deadline for fetch, validation and revocation, milliseconds.")
    var timeoutMilliseconds = 4_000
    @Option(help: "Revocation policies in order, comma-separated: none, short_lived, ocsp, crl (each may end in :hard or :soft).")
    var revocation = "none"
    @Option(name: .customLong("revocation-mode"), help: "Failure mode when no status is obtained: hard or soft.")
    var revocationMode = "hard"
    @Option(name: .customLong("short-lived-max-s"), help: "Longest leaf lifetime the short_lived policy exempts, seconds.")
    var shortLivedMaximumSeconds = 8 * 86_400

    func validate() throws {
        guard timeoutMilliseconds > 0 else { throw ValidationError("--timeout-ms must be positive") }
        guard RevocationFailureMode(rawValue: revocationMode) != nil else {
            throw ValidationError("--revocation-mode must be hard or soft")
        }
        if let httpsCAFile, !FileManager.default.isReadableFile(atPath: httpsCAFile) {
            throw ValidationError("cannot read --ca-file-for-https \(httpsCAFile)")
        }
    }

    var timeout: TimeInterval { Double(timeoutMilliseconds) / 1000 }

    /// A libcurl requester with the address rule and TLS trust requested.
    func requester() -> CurlRequester {
        var configuration = CurlRequester.Configuration()
        configuration.allowSpecialPurposeAddresses = allowLoopback
        configuration.caFile = httpsCAFile
        configuration.connectTimeout = min(configuration.connectTimeout, timeout)
        return CurlRequester(configuration: configuration)
    }

    /// The composed revocation policies (`none` = no checking).
    func checker(requester: any HTTPRequester, anchors: TrustAnchors) throws -> RevocationChecker {
        let names = revocation.split(separator: ",").map(String.init)
        do {
            return try RevocationChecker.named(names, failureMode: RevocationFailureMode(rawValue: revocationMode) ?? .hard,
                                               shortLivedMaximum: TimeInterval(shortLivedMaximumSeconds),
                                               requester: requester, anchors: anchors)
        } catch {
            throw UsageError("--revocation: \(TrustOptions.describe(error))")
        }
    }
}
