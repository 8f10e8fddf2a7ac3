import ArgumentParser
import Certificates
import Foundation
import STIRCore

/// `stirctl check-cert`: validates a certificate chain offline, as the
/// verifier would after fetching it, and shows its TN authority.
struct CheckCertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-cert",
        abstract: "Validate a STIR certificate chain offline and show its SPC and TNAuthList.",
        discussion: """
        Prints `valid` then `key=value` lines (spc, cn, serial, not_before,
        not_after, tnauthlist, ca_tnauthlist, jwt_claim_constraints) and, with
        --tn, `covers <tn>=yes|no`; or `invalid <code>[: detail]`.
        Exit 0 when valid (and covering --tn), 1 otherwise, 2 for usage errors.
        """)

    @Option(help: "PEM chain: leaf first, then intermediates (as served at x5u).") var cert: String
    @OptionGroup var trust: TrustOptions
    @Option(help: "Telephone number the chain must cover (RFC 8226 §9).") var tn: String?
    @Option(help: "Validation time, seconds since 1970 (default: now).") var at: Int64?
    @Flag(name: .customLong("require-shaken-cn"), help: "Require the leaf CN to be `SHAKEN <SPC>`.")
    var requireSHAKENCommonName = false

    func run() throws {
        var canonicalTN: String?
        if let tn {
            guard let canonical = TNCanonicalizer.stepOneOnly.canonicalize(tn) else {
                throw ValidationError("--tn is not a telephone number: \(tn)")
            }
            canonicalTN = canonical
        }
        let pem: String
        do { pem = try CLISupport.readText(cert) } catch { throw UsageError("\(error)") }
        let validator = try trust.validator(requireSHAKENCommonName: requireSHAKENCommonName)
        let time = Date(timeIntervalSince1970: TimeInterval(at ?? CLISupport.now))
        switch validator.validate(pem: Array(pem.utf8), at: time) {
        case .failure(let failure):
            print("invalid \(CertificateText.failure(failure))")
            throw ExitCode(1)
        case .success(let chain):
            print("valid")
            for line in CertificateText.lines(chain) { print(line) }
            if let canonicalTN {
                let covered = chain.covers(tn: canonicalTN)
                print("covers \(canonicalTN)=\(covered ? "yes" : "no")")
                if !covered { throw ExitCode(1) }
            }
        }
    }
}
