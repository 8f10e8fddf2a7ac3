import ArgumentParser
import Crypto
import Foundation
import STIRCore

/// `stirctl sign`: prints a SHAKEN Identity header value (RFC 8224 §4,
/// RFC 8588), or a `div` (RFC 8946 §3) or `rcd` (RFC 9795) one.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign", abstract: "Print a signed SHAKEN, div or rcd Identity header value.",
        discussion: """
        --ppt div: --div is the target before the retarget, --dest the new one;
        the key must be the retargeting entity's (authority over --div).
        --ppt rcd: --nam (and optionally --icn, --jcl with their --icn-rcdi,
        --jcl-rcdi digests) for the caller; no attest or origid.
        """)

    @Option(help: "P-256 private key, PEM (SEC1 or PKCS#8).") var key: String
    @Option(help: "Certificate URL for x5u and info.") var x5u: String
    @Option(help: "Originating TN (separators and + are stripped).") var orig: String
    @Option(help: "Destination TN(s), comma-separated.") var dest: String
    @Option(help: "Attestation: A, B or C (SHAKEN only).") var attest: String?
    @Option(help: "PASSporT type: shaken, div or rcd.") var ppt = "shaken"
    @Option(help: "div: the TN the call was retargeted from.") var div: String?
    @Option(help: "rcd: the caller's display name (nam).") var nam: String?
    @Option(help: "rcd: https URL of the caller's icon (icn).") var icn: String?
    @Option(help: "rcd: https URL of the caller's jCard (jcl).") var jcl: String?
    @Option(name: .customLong("icn-rcdi"), help: "rcd: digest of the icon content, e.g. sha256-<base64>.") var icnRcdi: String?
    @Option(name: .customLong("jcl-rcdi"), help: "rcd: digest of the jCard content, e.g. sha256-<base64>.") var jclRcdi: String?
    @Option(help: "origid UUID (default: a fresh random UUID).") var origid: String?
    @Option(help: "iat, seconds since 1970 (default: now).") var iat: Int?
    @Flag(help: "Compact form (..signature) instead of the full form.") var compact = false
    @Option(help: "How many values to print, one per line, each with its own fresh origid (1 to 1,000,000; not with --origid).")
    var count = 1

    func run() throws {
        guard (1...1_000_000).contains(count) else { throw ValidationError("--count must be 1 to 1,000,000") }
        guard count == 1 || origid == nil else { throw ValidationError("--origid gives one value; it cannot be used with --count") }
        guard ["shaken", "div", "rcd"].contains(ppt) else { throw ValidationError("--ppt must be shaken, div or rcd") }
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
        let extension_ = try extensionClaims(orig: origTN, dest: destTNs, iat: issued)
        var level = Attestation.a
        if extension_ == nil {
            guard let attest, let a = Attestation(rawValue: attest.uppercased()) else { throw ValidationError("--attest must be A, B or C") }
            level = a
        }
        var out = ""
        for _ in 0..<count {
            if let claims = extension_ {
                out += try signer.identityHeader(claims: claims, ppt: ppt, compact: compact)
            } else {
                out += try signer.identityHeader(orig: origTN, dest: destTNs, attest: level,
                                                 origid: origid ?? UUID().uuidString.lowercased(), iat: issued, compact: compact)
            }
            out += "\n"
            if out.utf8.count > 1 << 20 {
                FileHandle.standardOutput.write(Data(out.utf8))
                out = ""
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// The claims of a div or rcd PASSporT; nil for SHAKEN.
    private func extensionClaims(orig: String, dest: [String], iat: Int) throws -> PASSporTClaims? {
        switch ppt {
        case "div":
            guard attest == nil, nam == nil else { throw ValidationError("--ppt div takes --div, not --attest or --nam") }
            guard let div, let tn = TNCanonicalizer.stepOneOnly.canonicalize(div) else {
                throw ValidationError("--ppt div needs --div TN (the target before the retarget)")
            }
            // RFC 8946 §3: no div PASSporT when the canonical target did not change.
            guard !dest.contains(tn) else { throw ValidationError("--div equals --dest: not a retarget (RFC 8946 §3)") }
            return PASSporTClaims(iat: Int64(iat), orig: .tn(orig), dest: dest.map { .tn($0) }, div: .tn(tn))
        case "rcd":
            guard attest == nil, div == nil else { throw ValidationError("--ppt rcd takes --nam, not --attest or --div") }
            guard let nam else { throw ValidationError("--ppt rcd needs --nam NAME") }
            var rcd: [String: JSONValue] = ["nam": .string(nam)]
            var rcdi: [String: JSONValue] = [:]
            for (key, url, digest) in [("icn", icn, icnRcdi), ("jcl", jcl, jclRcdi)] {
                if let digest {
                    guard url != nil else { throw ValidationError("--\(key)-rcdi needs --\(key)") }
                    guard RcdIntegrity.parseDigest(digest) != nil else { throw ValidationError("--\(key)-rcdi must be sha256-, sha384- or sha512-<base64>") }
                    rcdi["/" + key] = .string(digest)
                }
                if let url {
                    guard url.lowercased().hasPrefix("https://") else { throw ValidationError("--\(key) must be an https URL") }
                    rcd[key] = .string(url)
                }
            }
            return PASSporTClaims(iat: Int64(iat), orig: .tn(orig), dest: dest.map { .tn($0) }, rcd: .object(rcd),
                                  rcdi: rcdi.isEmpty ? nil : .object(rcdi))
        default:
            guard div == nil, nam == nil, icn == nil, jcl == nil else { throw ValidationError("--div and the rcd options need --ppt div or rcd") }
            return nil
        }
    }
}
