import Crypto
import Foundation
import Logging
import INIConfig
import Testing
@testable import StirDaemon

/// The RUE provider configuration service (RFC 9248 §9): the JSON it
/// returns, API keys, the login KDF, and the credential store that never
/// holds a password.
@Suite struct RUETests {
    /// A temp directory with an API keys file (one active, one revoked key),
    /// a store, and a service over one account whose login is "open sesame".
    final class Fixture {
        let dir: URL
        let active = APIKeySet.generateKey()
        let revoked = APIKeySet.generateKey()
        var config = RUEConfiguration()
        let store: RUECredentialStore
        let table = RUECredentialTable()
        let counters = RUECounters()
        let service: RUEConfigService

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("rue-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let keys = APIKeySet(entries: [.init(hash: APIKeySet.hash(ofKey: active), state: .active, label: "app 1"),
                                           .init(hash: APIKeySet.hash(ofKey: revoked), state: .revoked, label: "app 0")])
            try keys.text.write(to: dir.appendingPathComponent("keys"), atomically: true, encoding: .utf8)
            config.enabled = true
            config.providerDomain = "vrs.example.net"
            config.outboundProxies = ["sips:edge.vrs.example.net"]
            config.apiKeysFile = dir.appendingPathComponent("keys").path
            config.storeFile = dir.appendingPathComponent("store.sqlite").path
            config.configLifetimeSeconds = 3600
            config.maxInstancesPerAccount = 2
            store = try RUECredentialStore(path: config.storeFile)
            var alice = AccountConfiguration(name: "alice")
            alice.rueLogin = PasswordKDF.make(password: "open sesame", iterations: PasswordKDF.minimumIterations)
            alice.tns = TNSet([try TNPattern.parse("12155551234").get()])
            let accounts = [alice]
            service = try RUEConfigService(config: config, accounts: { ("vrs.example.net", accounts) }, store: store, table: table,
                                           counters: counters, logger: Logger(label: "test"))
        }

        deinit { try? FileManager.default.removeItem(at: dir) }

        func get(_ target: String, user: String? = "alice", password: String = "open sesame") -> RUEHTTPResponse {
            var head = "GET \(target) HTTP/1.1\r\nHost: x"
            if let user { head += "\r\nAuthorization: Basic " + Data("\(user):\(password)".utf8).base64EncodedString() }
            return service.respond(to: RUEHTTPRequest.parse(Array(head.utf8))!)
        }

        func json(_ r: RUEHTTPResponse) throws -> [String: Any] {
            try #require(JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
        }
    }

    @Test func providerConfigHasTheProviderMembers() throws {
        let f = try Fixture()
        let r = f.get("/rum/v1/ProviderConfig?apiKey=\(f.active)&instanceId=i1", user: nil)
        #expect(r.status == 200)
        let j = try f.json(r)
        #expect(Set(j.keys) == ["lifetime", "provider-domain", "outbound-proxies"])
        #expect(j["lifetime"] as? Int == 3600)
        #expect(j["provider-domain"] as? String == "vrs.example.net")
        #expect(j["outbound-proxies"] as? [String] == ["sips:edge.vrs.example.net"])
    }

    @Test func rueConfigReturnsAGeneratedPasswordKeptOnlyAsHA1() throws {
        let f = try Fixture()
        let r = f.get("/rum/v1/RueConfig?apiKey=\(f.active)&instanceId=urn:uuid:1&future=ignored")
        #expect(r.status == 200)
        #expect(r.headers.contains { $0.0 == "Cache-Control" && $0.1 == "no-store" })
        let j = try f.json(r)
        #expect(Set(j.keys) == ["lifetime", "provider-domain", "outbound-proxies", "phone-number", "user-name", "sip-password"])
        #expect(j["phone-number"] as? String == "+12155551234")
        #expect(j["user-name"] as? String == "alice")
        let password = try #require(j["sip-password"] as? String)
        #expect(password.count >= 40)
        let expected = DigestAlgorithm.sha256.ha1(username: "alice", realm: "vrs.example.net", password: password)
        #expect(f.table.ha1s(account: "alice", realm: "vrs.example.net", algorithm: .sha256) == [expected])
        #expect(f.table.ha1s(account: "alice", realm: "other", algorithm: .sha256).isEmpty)
        // A second fetch for the same instance replaces its password.
        let again = try f.json(f.get("/rum/v1/RueConfig?apiKey=\(f.active)&instanceId=urn:uuid:1"))
        #expect(again["sip-password"] as? String != password)
        #expect(f.table.ha1s(account: "alice", realm: "vrs.example.net", algorithm: .sha256).count == 1)
    }

    @Test func refusals() throws {
        let f = try Fixture()
        #expect(f.get("/rum/v1/RueConfig?instanceId=i1").status == 403)
        #expect(f.get("/rum/v1/RueConfig?apiKey=nope&instanceId=i1").status == 403)
        #expect(f.get("/rum/v1/RueConfig?apiKey=\(f.revoked)&instanceId=i1").status == 403)
        #expect(f.get("/rum/v1/RueConfig?apiKey=\(f.active)").status == 400)
        let wrong = f.get("/rum/v1/RueConfig?apiKey=\(f.active)&instanceId=i1", password: "wrong")
        #expect(wrong.status == 401)
        #expect(wrong.headers.contains { $0.0 == "WWW-Authenticate" && $0.1.hasPrefix("Basic ") })
        #expect(f.get("/rum/v1/RueConfig?apiKey=\(f.active)&instanceId=i1", user: "mallory").status == 401)
        #expect(f.get("/rum/v1/RueConfig?apiKey=\(f.active)&instanceId=i1", user: nil).status == 401)
        #expect(f.get("/rum/v2/RueConfig?apiKey=\(f.active)&instanceId=i1").status == 404)
        #expect(f.table.count == 0)
        let samples = f.counters.samples(credentials: 0)
        func value(_ name: String, _ label: String) -> Double? { samples.first { $0.name == name && $0.labels.first?.1 == label }?.value }
        #expect(value("stird_rue_api_keys_refused_total", "missing") == 1)
        #expect(value("stird_rue_api_keys_refused_total", "unknown") == 1)
        #expect(value("stird_rue_api_keys_refused_total", "revoked") == 1)
        #expect(value("stird_rue_config_fetches_total", "unauthorized") == 3)
    }

    @Test func revocationTakesEffectOnReload() throws {
        let f = try Fixture()
        #expect(f.get("/rum/v1/ProviderConfig?apiKey=\(f.active)", user: nil).status == 200)
        var keys = try APIKeySet.load(path: f.config.apiKeysFile)
        keys.entries[0].state = .revoked
        try keys.text.write(toFile: f.config.apiKeysFile, atomically: true, encoding: .utf8)
        #expect(f.get("/rum/v1/ProviderConfig?apiKey=\(f.active)", user: nil).status == 200)
        try f.service.reloadKeys()
        #expect(f.get("/rum/v1/ProviderConfig?apiKey=\(f.active)", user: nil).status == 403)
    }

    /// The seam to Digest: a password generated for an instance
    /// authenticates the account (and its calls are signed A for the
    /// account's TNs) next to the configured hash, only in its realm.
    @Test func generatedCredentialsAuthenticateTheAccount() throws {
        let table = RUECredentialTable()
        let s = try AuthenticationProcessorTests.Setup(generated: table)
        #expect(s.challengeAndAnswer(password: "generated-1")?.statusCode == 407)
        func row(_ instance: String, _ password: String, realm: String = AuthenticationProcessorTests.realm) -> RUECredentialStore.Row {
            RUECredentialStore.Row(account: "alice", instance: instance, realm: realm,
                                   ha1: [.sha256: DigestAlgorithm.sha256.ha1(username: "alice", realm: realm, password: password)], created: 1)
        }
        table.put(row("dev-1", "generated-1"), keep: 2)
        table.put(row("dev-2", "generated-2", realm: "elsewhere.example"), keep: 2)
        let forwarded = try #require(s.challengeAndAnswer(password: "generated-1"))
        #expect(forwarded.method == "INVITE")
        #expect(try AuthenticationProcessorTests().attestation(of: forwarded) == "A")
        // The configured password still works; another realm's row does not.
        #expect(s.challengeAndAnswer()?.method == "INVITE")
        #expect(s.challengeAndAnswer(password: "generated-2")?.statusCode == 407)
        // A newer instance beyond `keep` replaces the oldest.
        table.put(row("dev-3", "generated-3"), keep: 2)
        table.put(row("dev-4", "generated-4"), keep: 2)
        #expect(s.challengeAndAnswer(password: "generated-1")?.statusCode == 407)
        #expect(s.challengeAndAnswer(password: "generated-4")?.method == "INVITE")
    }

    @Test func apiKeysFileHoldsHashesOnly() throws {
        let key = APIKeySet.generateKey()
        #expect(key.count == 43)
        let set = APIKeySet(entries: [.init(hash: APIKeySet.hash(ofKey: key), state: .active, label: "x")])
        #expect(!set.text.contains(key))
        let parsed = try APIKeySet.parse(set.text)
        #expect(parsed.lookup(key) == .active(label: "x"))
        #expect(parsed.lookup(key + "x") == .unknown)
        #expect(throws: APIKeySet.LoadError.self) { try APIKeySet.parse("abc active x") }
    }

    @Test func kdfVerifiesOnlyTheRightPassword() throws {
        let k = PasswordKDF.make(password: "correct horse", iterations: PasswordKDF.minimumIterations)
        let back = try #require(PasswordKDF(encoded: k.encoded))
        #expect(back == k)
        #expect(back.verify("correct horse"))
        #expect(!back.verify("correct horsf"))
        #expect(k.encoded.hasPrefix("pbkdf2-sha256$10000$"))
        #expect(!k.encoded.contains("correct"))
        // Two hashes of one password differ (salt).
        #expect(PasswordKDF.make(password: "correct horse", iterations: 10_000).encoded != k.encoded)
        #expect(PasswordKDF(encoded: "pbkdf2-sha256$1000$00112233445566778899$" + String(repeating: "00", count: 32)) == nil)
        // RFC 6070 has SHA-1 vectors only; this one (P="password",
        // S="salt", c=4096, SHA-256) is from Python's hashlib.pbkdf2_hmac.
        #expect(MessageDigest.hex(PasswordKDF.derive(password: "password", salt: Array("salt".utf8), iterations: 4096))
            == "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a")
    }

    @Test func storeSurvivesReopenAndHoldsNoPassword() throws {
        let f = try Fixture()
        let j = try f.json(f.get("/rum/v1/RueConfig?apiKey=\(f.active)&instanceId=dev-a"))
        _ = try f.json(f.get("/rum/v1/RueConfig?apiKey=\(f.active)&instanceId=dev-b"))
        let c = try f.json(f.get("/rum/v1/RueConfig?apiKey=\(f.active)&instanceId=dev-c"))
        let password = try #require(j["sip-password"] as? String)
        let latest = try #require(c["sip-password"] as? String)
        let reopened = try RUECredentialStore(path: f.config.storeFile)
        let rows = try reopened.all()
        // max_instances_per_account = 2: dev-a was replaced by dev-c.
        #expect(rows.map(\.instance) == ["dev-b", "dev-c"])
        #expect(rows.last?.ha1[.sha512_256] == DigestAlgorithm.sha512_256.ha1(username: "alice", realm: "vrs.example.net", password: latest))
        let fresh = RUECredentialTable()
        fresh.replaceAll(rows, keep: 2)
        #expect(fresh.ha1s(account: "alice", realm: "vrs.example.net", algorithm: .sha256).count == 2)
        let mode = try FileManager.default.attributesOfItem(atPath: f.config.storeFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: f.config.storeFile))
        for p in [password, latest] {
            #expect(bytes.range(of: Data(p.utf8)) == nil)
        }
        #expect(bytes.range(of: Data("dev-c".utf8)) != nil)  // the search itself can find what is there
    }
}

/// `[rue]` as read from the INI: defaults, and what is refused with
/// `file:line: key: why`.
@Suite struct RUEConfigurationTests {
    func load(_ text: String) throws -> DaemonConfiguration {
        try DaemonConfiguration(document: INIDocument.parse(text, file: "t.ini"))
    }

    @Test func readsTheSectionAndRefusesWhatCannotWork() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ruecfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pem = dir.appendingPathComponent("c.pem").path
        let keys = dir.appendingPathComponent("keys").path
        try "x".write(toFile: pem, atomically: true, encoding: .utf8)
        try APIKeySet().text.write(toFile: keys, atomically: true, encoding: .utf8)
        let rue = """
            [rue]
            listen = 127.0.0.1:9443
            certificate = \(pem)
            private_key = \(pem)
            provider_domain = vrs.example.net
            outbound_proxies = sips:a.example.net, sip:b.example.net
            api_keys_file = \(keys)
            store_file = \(dir.path)/s.sqlite
            config_lifetime_s = 600
            """
        let c = try load("[auth]\nrealm = vrs.example.net\n" + rue)
        #expect(c.rue.enabled && c.rue.listen.port == 9443 && c.rue.configLifetimeSeconds == 600)
        #expect(c.rue.outboundProxies == ["sips:a.example.net", "sip:b.example.net"])
        #expect(c.rue.maxInstancesPerAccount == 8)
        #expect(try load("").rue.enabled == false)
        func refusal(_ text: String) -> String {
            do { _ = try load(text); return "accepted" } catch { return "\(error)" }
        }
        #expect(refusal(rue).contains("t.ini:1: [rue] needs [auth] realm"))
        let realm = "[auth]\nrealm = r\n"
        #expect(refusal(realm + rue.replacingOccurrences(of: "provider_domain = vrs.example.net\n", with: "")).contains("t.ini:3: provider_domain: missing"))
        #expect(refusal(realm + rue.replacingOccurrences(of: "sip:b.example.net", with: "b.example.net")).contains("t.ini:8: outbound_proxies: 'b.example.net' is not"))
        #expect(refusal(realm + rue.replacingOccurrences(of: "certificate = \(pem)", with: "certificate = /nonexistent.pem")).contains("t.ini:5: certificate: /nonexistent.pem: cannot be read"))
        #expect(refusal(realm + rue.replacingOccurrences(of: "600", with: "5")).contains("t.ini:11: config_lifetime_s: must be in 60...31536000"))
        try "not a key line\n".write(toFile: keys, atomically: true, encoding: .utf8)
        #expect(refusal(realm + rue).contains("t.ini:9: api_keys_file:"))
        #expect(refusal(realm + "[rue]\nenabled = no\n").contains("accepted"))
    }

    /// `registrar` becomes the proxy's edge registrar (for provider_domain);
    /// a value that is not a sip/sips URI of a host, or a stird without a
    /// TLS or TCP listener (no flows), is refused with file:line.
    @Test func registrarIsReadIntoTheProxyAndChecked() throws {
        let c = try load("[rue]\nenabled = no\nprovider_domain = vrs.example.net\nregistrar = sip:reg.example.net:5070;transport=tls\n")
        let r = try #require(c.proxy.registrar)
        #expect(r.host == "reg.example.net" && r.port == 5070 && r.transport == .tls && r.transportFixed)
        #expect(r.serverName == "reg.example.net" && r.domain == "vrs.example.net")
        #expect(try load("[rue]\nenabled = no\nregistrar = sips:192.0.2.9\n").proxy.registrar?.port == 5061)
        #expect(try load("[rue]\nenabled = no\n").proxy.registrar == nil)
        func refusal(_ text: String) -> String {
            do { _ = try load(text); return "accepted" } catch { return "\(error)" }
        }
        #expect(refusal("[rue]\nenabled = no\nregistrar = sip:alice@reg.example.net\n").contains("t.ini:3: registrar: 'sip:alice@reg.example.net' is not"))
        #expect(refusal("[rue]\nenabled = no\nregistrar = sip:reg.example.net;transport=sctp\n").contains("t.ini:3: registrar:"))
        #expect(refusal("[listen]\nudp = 127.0.0.1:5060\ntcp =\n[rue]\nenabled = no\nregistrar = sip:192.0.2.9\n")
            .contains("t.ini:6: registrar: needs a [listen] tls or tcp listener"))
    }

    /// A login hash that is not a PBKDF2 string of enough iterations is refused.
    @Test func accountLoginHashIsChecked() throws {
        let good = PasswordKDF.make(password: "x", iterations: PasswordKDF.minimumIterations).encoded
        let a = try parseConfig("[auth]\nrealm = r\n[account \"alice\"]\nrue_login_hash = \(good)\n")
        #expect(a.auth.accounts.first?.rueLogin?.iterations == PasswordKDF.minimumIterations)
        #expect(throws: INIError.self) { try parseConfig("[auth]\nrealm = r\n[account \"alice\"]\nrue_login_hash = sha256$abc\n") }
    }
}
