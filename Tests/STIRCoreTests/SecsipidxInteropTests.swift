import Crypto
import Foundation
import Testing
@testable import STIRCore

/// Interop with an independent implementation, `secsipidx` (Debian package
/// of asipto/secsipidx), in both directions. Loopback only: no network.
@Suite(.enabled(if: Interop.secsipidxAvailable, "secsipidx not installed at /usr/bin/secsipidx (apt install secsipidx)"))
struct SecsipidxInteropTests {
    static let x5u = "https://cert.example.org/passport.cer"
    static let origid = "123e4567-e89b-12d3-a456-426655440000"
    let dir: Interop.TempDir
    let key: ES256PrivateKey
    let otherKey: ES256PrivateKey

    init() throws {
        dir = try Interop.TempDir()
        // Our own keygen output (PKCS#8) also proves secsipidx reads it.
        key = try ES256PrivateKey.generate()
        otherKey = try ES256PrivateKey.generate()
        try dir.write("key.pem", key.pemPKCS8)
        try dir.write("pub.pem", key.publicKey.pem)
        try dir.write("other.pem", otherKey.publicKey.pem)
    }

    var now: Int64 { Int64(Date().timeIntervalSince1970) }

    func sip(orig: String = "12155550121", dest: String = "12155550131") -> SIPIdentityContext {
        SIPIdentityContext(originating: [.tn(orig)], destinations: [.tn(dest)], date: nil, now: now)
    }

    func verify(_ value: String, with pub: ES256PublicKey, sip: SIPIdentityContext) -> VerificationResult {
        IdentityVerifier.verify(identityHeaders: [value], sip: sip, policy: .shaken) { _ in
            .available(StaticCertificate(publicKey: pub))
        }
    }

    func secsipidxSign(attest: String, iat: Int64? = nil) throws -> String {
        if let iat {
            // -sign takes -iat; it prints the bare token, so add the parameters ourselves.
            let r = try Interop.run(Interop.secsipidx, ["-sign", "-k", dir.path("key.pem"), "-o", "12155550121", "-d", "12155550131",
                                                        "-a", attest, "-x5u", Self.x5u, "-orig-id", Self.origid, "-iat", "\(iat)"])
            try #require(r.status == 0, "secsipidx -sign failed: \(r.stderr)")
            return r.stdout + ";info=<\(Self.x5u)>;alg=ES256;ppt=shaken"
        }
        let r = try Interop.run(Interop.secsipidx, ["-sign-full", "-k", dir.path("key.pem"), "-o", "12155550121", "-d", "12155550131",
                                                    "-a", attest, "-x5u", Self.x5u])
        try #require(r.status == 0, "secsipidx -sign-full failed: \(r.stderr)")
        return r.stdout
    }

    func secsipidxCheck(_ value: String, pub: String = "pub.pem") throws -> Interop.Output {
        // secsipidx's CLI default expiry is 0 s (any token older than the
        // current second fails), so give it the RFC 8224 60 s window.
        try Interop.run(Interop.secsipidx, ["-check", "-expire", "60", "-identity", value, "-p", dir.path(pub)])
    }

    /// Our Identity header as `stirctl sign` prints it (the built binary if
    /// present, else the same IdentitySigner in-process).
    func stirdSign(attest: Attestation, iat: Int64? = nil) throws -> String {
        let iat = iat ?? now
        if let stirctl = Interop.stirctl {
            let r = try Interop.run(stirctl, ["sign", "--key", dir.path("key.pem"), "--x5u", Self.x5u, "--orig", "+1-215-555-0121",
                                              "--dest", "12155550131", "--attest", attest.rawValue, "--origid", Self.origid, "--iat", "\(iat)"])
            try #require(r.status == 0, "stirctl sign failed: \(r.stderr)")
            return r.stdout
        }
        return try IdentitySigner(key: key, x5u: Self.x5u)
            .identityHeader(orig: "12155550121", dest: ["12155550131"], attest: attest, origid: Self.origid, iat: Int(iat))
    }

    // MARK: secsipidx → stird

    @Test(arguments: Attestation.allCases)
    func secsipidxTokensVerifyWithStird(attest: Attestation) throws {
        let r = verify(try secsipidxSign(attest: attest.rawValue), with: key.publicKey, sip: sip())
        #expect(r.isValid, "\(r.outcome)")
        #expect(r.attestation == attest)
    }

    @Test func secsipidxTokenWithWrongKeyFails() throws {
        let r = verify(try secsipidxSign(attest: "A"), with: otherKey.publicKey, sip: sip())
        #expect(r.failure == .signatureInvalid)
    }

    @Test func secsipidxTokenWithAlteredClaimFails() throws {
        let value = try secsipidxSign(attest: "B")
        let payload = String(decoding: Base64URL.decode(value.split(separator: ".")[1])!, as: UTF8.self)
        let altered = VerifierFixture.replacingPayload(of: value, with: payload.replacingOccurrences(of: "12155550121", with: "12155550199"))
        #expect(verify(altered, with: key.publicKey, sip: sip(orig: "12155550199")).failure == .signatureInvalid)
        #expect(verify(altered, with: key.publicKey, sip: sip()).failure == .origMismatch)
    }

    @Test func secsipidxStaleTokenFails() throws {
        let value = try secsipidxSign(attest: "A", iat: now - 3600)
        #expect(verify(value, with: key.publicKey, sip: sip()).failure == .staleIat)
        // The same token is otherwise good: it verifies at its own time.
        var then = sip()
        then.now -= 3600
        #expect(verify(value, with: key.publicKey, sip: then).isValid)
    }

    // MARK: stird → secsipidx

    @Test(arguments: Attestation.allCases)
    func stirdTokensPassSecsipidxCheck(attest: Attestation) throws {
        let r = try secsipidxCheck(try stirdSign(attest: attest))
        #expect(r.status == 0, "secsipidx: \(r.stdout) \(r.stderr)")
        #expect(r.stdout == "ok")
    }

    @Test func stirdTokenFailsSecsipidxCheckWithWrongKey() throws {
        let r = try secsipidxCheck(try stirdSign(attest: .a), pub: "other.pem")
        #expect(r.status != 0)
    }

    @Test func stirdTokenWithAlteredClaimFailsSecsipidxCheck() throws {
        let value = try stirdSign(attest: .a)
        let payload = String(decoding: Base64URL.decode(value.split(separator: ".")[1])!, as: UTF8.self)
        let altered = VerifierFixture.replacingPayload(of: value, with: payload.replacingOccurrences(of: "\"A\"", with: "\"C\""))
        #expect(try secsipidxCheck(altered).status != 0)
        #expect(try secsipidxCheck(value).status == 0)
    }

    @Test func stirdStaleTokenFailsSecsipidxCheck() throws {
        let r = try secsipidxCheck(try stirdSign(attest: .a, iat: now - 3600))
        #expect(r.status != 0)
        #expect(r.stdout.contains("not-ok") || r.stderr.contains("expired"))
    }
}
