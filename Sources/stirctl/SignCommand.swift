import ArgumentParser
import Crypto
import Foundation
import STIRCore

/// `stirctl sign`: prints a SHAKEN Identity header value (RFC 8224 §4, RFC 8588).
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sign", abstract: "Print a signed SHAKEN Identity header value.")

    @Option(help: "P-256 private key, PEM (SEC1 or PKCS#8).") var key: String
    @Option(help: "Certificate URL for x5u and info.") var x5u: String
    @Option(help: "Originating TN (separators and + are stripped).") var orig: String
    @Option(help: "Destination TN(s), comma-separated.") var dest: String
    @Option(help: "Attestation: A, B or C.") var attest: String
    @Option(help: "origid UUID (default: a fresh random UUID).") var origid: String?
    @Option(help: "iat, seconds since 1970 (default: now).") var iat: Int?
    @Flag(help: "Compact form (..signature) instead of the full form.") var compact = false
    @Option(help: "How many values to print, one per line, each with its own fresh origid (1 to 1,000,000; not with --origid).")
    var count = 1

    func run() throws {
        guard (1...1_000_000).contains(count) else { throw ValidationError("--count must be 1 to 1,000,000") }
        guard count == 1 || origid == nil else { throw ValidationError("--origid gives one value; it cannot be used with --count") }
        guard let level = Attestation(rawValue: attest.uppercased()) else {
            throw ValidationError("--attest must be A, B or C")
        }
        let privateKey: ES256PrivateKey
        do { privateKey = try ES256PrivateKey(pem: CLISupport.readText(key)) } catch let e as CryptoError {
            throw CLIError("\(key): \(e)")
        }
        guard let origTN = TNCanonicalizer.stepOneOnly.canonicalize(orig) else { throw ValidationError("--orig is not a TN") }
        var destTNs: [String] = []
        for d in dest.split(separator: ",") {
            guard let tn = TNCanonicalizer.stepOneOnly.canonicalize(d) else { throw ValidationError("--dest \(d) is not a TN") }
            destTNs.append(tn)
        }
        let signer = IdentitySigner(key: privateKey, x5u: x5u)
        let issued = iat ?? Int(CLISupport.now)
        var out = ""
        for _ in 0..<count {
            out += try signer.identityHeader(orig: origTN, dest: destTNs, attest: level,
                                             origid: origid ?? UUID().uuidString.lowercased(), iat: issued, compact: compact)
            out += "\n"
            if out.utf8.count > 1 << 20 {
                FileHandle.standardOutput.write(Data(out.utf8))
                out = ""
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
