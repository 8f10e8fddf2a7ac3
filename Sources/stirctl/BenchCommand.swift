import ArgumentParser
import Crypto
import Dispatch
import STIRCore

/// `stirctl bench`: micro-benchmark of the STIR hot paths against the bare
/// OpenSSL ES256 operations, measured in the same run. Build with
/// `-c release` (Scripts/bench-stir does).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Time sign/verify/parse/canonicalize (ns/op).")

    @Option(help: "Operations per round for the crypto cases.") var iterations = 2_000
    @Option(help: "Rounds; each case reports its median round.") var rounds = 7
    @Option(help: "Run only cases whose name contains this text (for profiling).") var only: String?

    func run() throws {
        let key = try ES256PrivateKey.generate()
        let x5u = "https://cert.example.org/passport.cer"
        let signer = IdentitySigner(key: key, x5u: x5u)
        let origid = "123e4567-e89b-12d3-a456-426655440000"
        let now: Int64 = 1_700_000_000
        let value = try signer.identityHeader(orig: "12155550121", dest: ["12155550131"], attest: .a, origid: origid, iat: Int(now))
        let token = String(value.prefix { $0 != ";" })
        let signingInput = Array(token[..<token.lastIndex(of: ".")!].utf8)
        let der = try key.signDER(signingInput)
        let certificate = StaticCertificate(publicKey: key.publicKey)
        let sip = SIPIdentityContext(originating: [.tn("12155550121")], destinations: [.tn("12155550131")],
                                     date: SIPDate.format(now), now: now)
        let extractor = SIPIdentityExtractor()
        let cheap = iterations * 20
        let claimsJSON = try PASSporT.decode(token).payloadJSON

        var cases: [(String, Int, () -> Void)] = [
            ("raw_openssl_sign", iterations, { _ = try! key.signDER(signingInput) }),
            ("full_sign", iterations, {
                _ = try! signer.identityHeader(orig: "12155550121", dest: ["12155550131"], attest: .a, origid: origid, iat: Int(now))
            }),
            ("raw_openssl_verify", iterations, { precondition(key.publicKey.isValidDERSignature(der, for: signingInput)) }),
            ("full_verify", iterations, {
                let plan = IdentityVerifier.prepare(identityHeaders: [value], sip: sip)
                precondition(plan.finish(certificates: [x5u: .available(certificate)]).isValid)
            }),
        ]
        cases += [
            ("identity_parse", cheap, { _ = try! PASSporT.decode(IdentityHeader.parse(value).token) }),
            ("identity_header_parse_only", cheap, { _ = try! IdentityHeader.parse(value) }),
            ("passport_decode_only", cheap, { _ = try! PASSporT.decode(token) }),
            ("sip_date_parse", cheap, { _ = SIPDate.parse("Tue, 14 Nov 2023 22:13:20 GMT") }),
            ("canonical_json_claims", cheap, { _ = CanonicalJSON.encode(claimsJSON) }),
            ("verify_prepare_only", cheap, { _ = IdentityVerifier.prepare(identityHeaders: [value], sip: sip) }),
            ("canonicalize_tn", cheap, { _ = extractor.identity(ofURI: "sip:+1-215-555-1212;tgrp=x@gw.example.com;user=phone") }),
            ("canonicalize_sip_context", cheap, {
                _ = extractor.context(from: "\"Bob\" <sip:+12155550121@gw.example.com;user=phone>;tag=a1",
                                      pAssertedIdentity: ["<tel:+1-215-555-0121>"], to: "<sip:+12155550131@example.com>",
                                      date: nil, now: now)
            }),
        ]
        if let only { cases = cases.filter { $0.0.contains(only) } }
        var samples: [String: [Double]] = [:]
        for _ in 0..<rounds {
            // Interleave cases per round so drift and noise hit all of them alike.
            for (name, n, body) in cases {
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<n { body() }
                let elapsed = DispatchTime.now().uptimeNanoseconds - start
                samples[name, default: []].append(Double(elapsed) / Double(n))
            }
        }
        func median(_ name: String) -> Double {
            let s = samples[name]!.sorted()
            return s[s.count / 2]
        }
        func fmt(_ v: Double) -> String {
            let r = (v * 10).rounded() / 10
            return String(r)
        }
        print("case ns_per_op_median ns_per_op_min")
        for (name, _, _) in cases {
            print("\(name) \(fmt(median(name))) \(fmt(samples[name]!.min()!))")
        }
        guard samples["full_sign"] != nil, samples["full_verify"] != nil else { return }
        let signRatio = median("full_sign") / median("raw_openssl_sign")
        let verifyRatio = median("full_verify") / median("raw_openssl_verify")
        print("ratio full_sign/raw_sign \(fmt(signRatio * 100) )% target<=130%")
        print("ratio full_verify/raw_verify \(fmt(verifyRatio * 100))% target<=130%")
        if signRatio > 1.3 || verifyRatio > 1.3 { throw ExitCode(1) }
    }
}
