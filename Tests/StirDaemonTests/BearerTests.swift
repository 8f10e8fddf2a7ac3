import Crypto
import Foundation
import INIConfig
import Logging
import SIPCore
@testable import SIPProxy
import STIRCore
import Testing
@testable import StirDaemon

/// Issues test tokens: an ES256 key made here, an RSA key made with the
/// openssl command line, and a JWKS file holding both public keys.
final class TokenIssuer {
    let directory: String
    let ec: ES256PrivateKey
    let otherEC: ES256PrivateKey
    let rsaKeyPath: String
    let jwksPath: String
    static let issuer = "https://as.example.net"
    static let audience = "sip:stird.example.net"

    init() throws {
        directory = NSTemporaryDirectory() + "stird-bearer-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        ec = try ES256PrivateKey.generate()
        otherEC = try ES256PrivateKey.generate()
        rsaKeyPath = directory + "/rsa.pem"
        try Self.openssl(["genrsa", "-out", rsaKeyPath, "2048"])
        let modulusLine = try Self.openssl(["rsa", "-in", rsaKeyPath, "-noout", "-modulus"])
        let n = StirConfiguration.hexBytes(String(modulusLine.split(separator: "=")[1]).trimmingCharacters(in: .whitespacesAndNewlines))!
        let spki = ec.publicKey.derSPKI
        let x = Base64URL.encode(spki.suffix(64).prefix(32)), y = Base64URL.encode(spki.suffix(32))
        let jwks = """
            {"keys": [
              {"kty": "EC", "crv": "P-256", "kid": "ec1", "use": "sig", "x": "\(x)", "y": "\(y)"},
              {"kty": "RSA", "kid": "rsa1", "alg": "RS256", "n": "\(Base64URL.encode(n))", "e": "AQAB"},
              {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"}
            ]}
            """
        jwksPath = directory + "/jwks.json"
        try jwks.write(toFile: jwksPath, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    @discardableResult
    static func openssl(_ args: [String], input: [UInt8]? = nil) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = args
        let out = Pipe(), inPipe = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = inPipe
        try p.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input)) }
        try inPipe.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// A compact JWS with these header and claims (JSON texts).
    func token(alg: String = "ES256", kid: String? = "ec1", claims: [String: String] = [:], now: Int64,
               signer: String = "ec") throws -> String {
        var c: [String: String] = ["iss": "\"\(Self.issuer)\"", "aud": "\"\(Self.audience)\"", "sub": "\"alice@example.net\"",
                                   "exp": "\(now + 300)", "nbf": "\(now - 10)"]
        for (k, v) in claims { c[k] = v }
        let header = "{\"alg\":\"\(alg)\",\"typ\":\"JWT\"" + (kid.map { ",\"kid\":\"\($0)\"" } ?? "") + "}"
        let payload = "{" + c.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }
            .joined(separator: ",") + "}"
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
        let signature: [UInt8]
        switch signer {
        case "ec": signature = try ec.sign(Array(input.utf8))
        case "other": signature = try otherEC.sign(Array(input.utf8))
        case "rsa":
            let sigPath = directory + "/sig-\(UUID().uuidString)"
            try Self.openssl(["dgst", "-sha256", "-sign", rsaKeyPath, "-out", sigPath], input: Array(input.utf8))
            signature = Array(try Data(contentsOf: URL(fileURLWithPath: sigPath)))
        default: signature = []
        }
        return input + "." + Base64URL.encode(signature)
    }

    var config: BearerConfiguration {
        var b = BearerConfiguration()
        b.jwksFile = jwksPath
        b.issuer = Self.issuer
        b.audience = Self.audience
        b.authzServer = "https://as.example.net/token"
        b.leewaySeconds = 30
        return b
    }
}

@Suite struct BearerTests {
    static let now: Int64 = 1_790_000_000

    @Test func keySetKeepsES256AndRS256KeysOnly() throws {
        let issuer = try TokenIssuer()
        let set = try JWKSet.load(path: issuer.jwksPath)
        #expect(set.keys.count == 2 && set.skipped == 1)
        #expect(set.keys.map(\.kid) == ["ec1", "rsa1"])
        #expect(throws: JWKSet.LoadError.self) { try JWKSet(json: Array(#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#.utf8)) }
        #expect(throws: JWKSet.LoadError.self) { try JWKSet(json: Array("[]".utf8)) }
        // An RSA key under 2048 bits is skipped (RFC 7518 §3.3).
        let short = #"{"keys":[{"kty":"RSA","n":"\#(Base64URL.encode([UInt8](repeating: 0xc1, count: 128)))","e":"AQAB"}]}"#
        #expect(throws: JWKSet.LoadError.self) { try JWKSet(json: Array(short.utf8)) }
    }

    @Test func validatesSignatureIssuerAudienceAndTimes() throws {
        let issuer = try TokenIssuer()
        let v = BearerValidator(keys: try JWKSet.load(path: issuer.jwksPath), config: issuer.config)
        let now = Self.now
        #expect(v.validate(try issuer.token(now: now), now: now) == .success("alice@example.net"))
        #expect(v.validate(try issuer.token(kid: nil, now: now), now: now) == .success("alice@example.net"))
        #expect(v.validate(try issuer.token(alg: "RS256", kid: "rsa1", now: now, signer: "rsa"), now: now) == .success("alice@example.net"))
        // Audience as a list.
        #expect(v.validate(try issuer.token(claims: ["aud": "[\"x\", \"\(TokenIssuer.audience)\"]"], now: now), now: now)
            == .success("alice@example.net"))
        #expect(v.validate(try issuer.token(now: now, signer: "other"), now: now) == .failure(.badSignature))
        #expect(v.validate(try issuer.token(kid: "nope", now: now), now: now) == .failure(.noKey))
        #expect(v.validate(try issuer.token(alg: "RS256", kid: "ec1", now: now, signer: "rsa"), now: now) == .failure(.noKey))
        #expect(v.validate(try issuer.token(claims: ["aud": "\"sip:other\""], now: now), now: now) == .failure(.wrongAudience))
        #expect(v.validate(try issuer.token(claims: ["iss": "\"https://evil\""], now: now), now: now) == .failure(.wrongIssuer))
        #expect(v.validate(try issuer.token(claims: ["exp": "\(now - 31)"], now: now), now: now) == .failure(.expired))
        #expect(v.validate(try issuer.token(claims: ["exp": "\(now - 29)"], now: now), now: now) == .success("alice@example.net"))
        #expect(v.validate(try issuer.token(claims: ["nbf": "\(now + 31)"], now: now), now: now) == .failure(.notYetValid))
        #expect(v.validate(try issuer.token(claims: ["sub": ""], now: now), now: now) == .failure(.noSubject))
        // alg none (an empty signature) and HMAC are never accepted.
        let none = try issuer.token(alg: "none", now: now, signer: "none")
        #expect(v.validate(none, now: now) == .failure(.unsupportedAlgorithm("none")))
        #expect(v.validate(try issuer.token(alg: "HS256", kid: "hmac", now: now, signer: "none"), now: now)
            == .failure(.unsupportedAlgorithm("HS256")))
        #expect(v.validate("a.b", now: now) == .failure(.malformed("not a JWS compact serialization")))
        #expect(v.validate(String(repeating: "a", count: 9_000), now: now) == .failure(.malformed("token too long")))
    }

    // MARK: In the proxy core

    final class Setup {
        let clock = TestClock(BearerTests.now)
        let issuer: TokenIssuer
        let keys: KeyFiles
        let harness: StirHarness

        init(authenticate: String = "bearer") throws {
            issuer = try TokenIssuer()
            keys = try KeyFiles()
            let config = try parseConfig("""
                [auth]
                realm = example.net
                [bearer]
                jwks_file = \(issuer.jwksPath)
                issuer = \(TokenIssuer.issuer)
                audience = \(TokenIssuer.audience)
                authz_server = https://as.example.net/token
                [account "alice"]
                bearer_subject = alice@example.net
                ha1_sha256 = \(AuthConfigurationTests.ha1SHA256)
                tns = 12155551000-12155551099
                [peer "pbx"]
                addresses = 192.0.2.1
                trusted = yes
                sign = yes
                authenticate = \(authenticate)
                [credential "main"]
                private_key = \(keys.keyPath)
                x5u = https://cr.example.net/main.pem
                """)
            let clock = self.clock
            let peers = PeerTable(config.peers)
            let validator = BearerValidator(keys: try JWKSet.load(path: issuer.jwksPath), config: config.bearer)
            let auth = AuthenticationProcessor(peers: peers, config: config.auth, bearer: validator, now: { clock.now })
            var c = CredentialConfiguration(name: "main")
            c.privateKeyFile = keys.keyPath
            c.x5u = "https://cr.example.net/main.pem"
            let sign = SigningProcessor(peers: peers, credentials: [try SigningCredential(c)], config: config.sign,
                                        extraction: IdentityExtractionPolicy(),
                                        authenticator: AccountOriginatorAuthenticator(accounts: config.auth.accounts), now: { clock.now })
            harness = StirHarness(processors: [auth, sign])
        }

        func send(_ extra: [String] = []) -> SIPMessage? {
            harness.receive(StirHarness.invite(extra: extra), from: "192.0.2.1").first
        }
    }

    @Test func tokensAreChallengedCheckedAndRemoved() throws {
        let s = try Setup()
        let plain = try #require(s.send())
        #expect(plain.statusCode == 407)
        #expect(plain.headers(named: "Proxy-Authenticate") == ["Bearer realm=\"example.net\", authz_server=\"https://as.example.net/token\""])
        let good = try s.issuer.token(now: Self.now)
        let forwarded = try #require(s.send(["Proxy-Authorization: Bearer \(good)"]))
        #expect(forwarded.method == "INVITE" && forwarded.headers(named: "Proxy-Authorization").isEmpty)
        let identity = try IdentityHeader.parse(try #require(forwarded.identityHeaders.first))
        #expect(try PASSporT.decode(identity.token).claims.attest == .a)
        for bad in [try s.issuer.token(claims: ["exp": "\(Self.now - 100)"], now: Self.now),
                    try s.issuer.token(claims: ["aud": "\"sip:other\""], now: Self.now),
                    try s.issuer.token(now: Self.now, signer: "other"),
                    try s.issuer.token(alg: "none", now: Self.now, signer: "none"),
                    try s.issuer.token(claims: ["sub": "\"mallory@example.net\""], now: Self.now)] {
            let r = try #require(s.send(["Proxy-Authorization: Bearer \(bad)"]))
            #expect(r.statusCode == 407)
            #expect(r.headers(named: "Proxy-Authenticate").last?.hasSuffix("error=\"invalid_token\"") == true)
        }
        // A Digest answer to a Bearer-only peer is not looked at.
        #expect(s.send(["Proxy-Authorization: Digest username=\"alice\", realm=\"example.net\""])?.statusCode == 407)
    }

    @Test func digestAndBearerAreOfferedTogether() throws {
        let s = try Setup(authenticate: "digest, bearer")
        let challenges = try #require(s.send()).headers(named: "Proxy-Authenticate")
        #expect(challenges.count == 3)
        #expect(challenges[0].contains("SHA-512-256") && challenges[1].contains("SHA-256") && challenges[2].hasPrefix("Bearer "))
        #expect(s.send(["Proxy-Authorization: Bearer \(try s.issuer.token(now: Self.now))"])?.method == "INVITE")
    }

    @Test func bearerConfigurationErrors() throws {
        let issuer = try TokenIssuer()
        func text(_ bearer: String, account: String = "bearer_subject = a@x") -> String {
            "[auth]\nrealm = r\n[bearer]\n\(bearer)\n[account \"a\"]\n\(account)\n[peer \"p\"]\naddresses = 192.0.2.1\nauthenticate = bearer"
        }
        let full = "jwks_file = \(issuer.jwksPath)\nissuer = i\naudience = a\nauthz_server = https://as"
        #expect(configError(text(full)) == nil)
        #expect(configError(text("jwks_file = \(issuer.jwksPath)\nissuer = i\naudience = a"))
            == "t.ini:3: authz_server: missing: a peer accepts Bearer tokens (authenticate = bearer)")
        #expect(configError(text("jwks_file = /nonexistent.json"))?.hasPrefix("t.ini:4: jwks_file: cannot read /nonexistent.json") == true)
        let twice = "bearer_subject = a@x\n[account \"b\"]\nbearer_subject = a@x"
        let dup = configError(text(full, account: twice)) ?? "loaded"
        #expect(dup.hasPrefix("t.ini:11: bearer_subject: 'a@x' is already the subject of account a"), "\(dup)")
    }
}
