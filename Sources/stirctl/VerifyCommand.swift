import ArgumentParser
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
        `verstat=...` and, for failures, the SIP and STIR Reason header values.
        Certificates: --cert FILE (a PEM certificate or public key) is used
        for every x5u; fetching x5u is not supported yet.
        """)

    @Option(help: "Identity header value; repeat for several headers.") var identity: [String]
    @Option(help: "Originating TN or URI as the SIP request carries it.") var orig: String
    @Option(help: "Destination TN or URI as the SIP request carries it.") var dest: String
    @Option(help: "PEM certificate (or public key) of the signer.") var cert: String?
    @Option(help: "Trust anchors for chain validation (not supported yet).") var ca: String?
    @Option(help: "Current time, seconds since 1970 (default: now).") var now: Int64?
    @Option(help: "SIP Date header value (default: none).") var date: String?
    @Option(name: .customLong("max-age"), help: "Freshness window for Date and iat, seconds.") var maxAge: Int64 = 60
    @Option(name: .customLong("future-skew"), help: "Allowed clock skew into the future, seconds.") var futureSkew: Int64 = 5
    @Option(help: "Supported ppt values, comma-separated.") var ppt: String = "shaken"
    @Flag(name: .customLong("shaken-only"), help: "Reject baseline and compact-form PASSporTs (SHAKEN profile).") var shakenOnly = false
    @Flag(name: .customLong("no-dest-check"), help: "Do not require the destination in dest.") var noDestCheck = false

    func run() throws {
        guard let cert else {
            CLISupport.warn("stirctl verify: fetching x5u is not supported yet: use --cert FILE")
            throw ExitCode(2)
        }
        if ca != nil {
            CLISupport.warn("stirctl verify: --ca (chain validation) is not supported yet; --cert is trusted as given")
            throw ExitCode(2)
        }
        let pem = try CLISupport.readText(cert)
        let key: ES256PublicKey
        do {
            key = pem.contains("BEGIN PUBLIC KEY") ? try ES256PublicKey(pem: pem) : try ES256PublicKey(certificatePEM: pem)
        } catch let e as CryptoError {
            throw CLIError("\(cert): \(e)")
        }
        let extractor = SIPIdentityExtractor()
        let sip = SIPIdentityContext(originating: [try CLISupport.identity(orig, extractor: extractor)],
                                     destinations: [try CLISupport.identity(dest, extractor: extractor)],
                                     date: date, now: now ?? CLISupport.now)
        var policy = shakenOnly ? VerificationPolicy.shaken : VerificationPolicy()
        policy.maxDateAgeSeconds = maxAge
        policy.maxIatAgeSeconds = maxAge
        policy.maxFutureSkewSeconds = futureSkew
        policy.supportedPPTs = Set(ppt.split(separator: ",").map(String.init))
        policy.checkDestination = !noDestCheck
        let certificate = StaticCertificate(publicKey: key)
        let result = IdentityVerifier.verify(identityHeaders: identity, sip: sip, policy: policy) { _ in .available(certificate) }
        switch result.outcome {
        case .valid(_, let attestation):
            print("valid" + (attestation.map { " attest=\($0.rawValue)" } ?? ""))
        case .failed(let failure, _):
            print("\(failure.code) \(failure.response.status) \(failure.response.reason)")
        }
        print("verstat=\(result.verstat.rawValue)")
        for h in result.headers where result.headers.count > 1 {
            print("header[\(h.index)]=\(h.outcome.failure?.code ?? "valid")")
        }
        if let sipReason = result.reasonHeaderValue(.sip), let stirReason = result.reasonHeaderValue(.stir) {
            print("Reason: \(sipReason)")
            print("Reason: \(stirReason)")
            throw ExitCode(1)
        }
    }
}
