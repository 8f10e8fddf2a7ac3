import Foundation
import INIConfig
import Testing
@testable import StirDaemon

/// `[auth]`, `[account "name"]` and `authenticate` on peers: what is read,
/// and what is refused with `file:line: key: why`.
@Suite struct AuthConfigurationTests {
    /// H(A1) of alice:example.net:"correct horse", computed with Python's
    /// hashlib when this test was written.
    static let ha1SHA512 = "4d6e19228efd8f79f29ee610ae7ee786ae8832e0271559dd11365f524fe5035b"
    static let ha1SHA256 = "b2ce7503dec4ba6a5637cac1daa70be58ef62cd5733c790a48585e5fd3e444e9"
    static let ha1MD5 = "736549f196758dbebc967069eeb8c56d"

    static func text(auth: String = "realm = example.net", account: String? = nil, peer: String = "authenticate = digest") -> String {
        """
        [auth]
        \(auth)
        [account "alice"]
        \(account ?? "ha1_sha512_256 = \(ha1SHA512)\nha1_sha256 = \(ha1SHA256)\ntns = 12155551000-12155551099\nbearer_subject = alice@example.net")
        [peer "pbx"]
        addresses = 192.0.2.1
        \(peer)
        """
    }

    @Test func readsAuthAccountsAndPeers() throws {
        let c = try parseConfig(Self.text(auth: """
            realm = example.net
            nonce_lifetime_s = 120
            allow_md5 = yes
            authenticate_register = yes
            nonce_secret = 00112233445566778899aabbccddeeff
            max_failures = 3
            failure_window_s = 30
            lockout_s = 600
            """))
        #expect(c.auth.realm == "example.net")
        #expect(c.auth.nonceLifetimeSeconds == 120)
        #expect(c.auth.allowMD5 && c.auth.authenticateRegister)
        #expect(c.auth.nonceSecret == [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff])
        #expect(c.auth.maxFailures == 3 && c.auth.failureWindowSeconds == 30 && c.auth.lockoutSeconds == 600)
        #expect(c.auth.algorithms == [.sha512_256, .sha256, .md5])
        let alice = try #require(c.auth.accounts.first)
        #expect(alice.name == "alice")
        #expect(alice.ha1 == [.sha512_256: Self.ha1SHA512, .sha256: Self.ha1SHA256])
        #expect(alice.tns.contains("12155551050") && !alice.tns.contains("12155552000"))
        #expect(alice.bearerSubject == "alice@example.net")
        #expect(c.peers.first?.authenticate == [.digest])
    }

    @Test func defaults() throws {
        let c = try parseConfig(Self.text())
        #expect(c.auth.nonceLifetimeSeconds == 300 && !c.auth.allowMD5 && c.auth.nonceSecret == nil && !c.auth.authenticateRegister)
        #expect(c.auth.maxFailures == 10 && c.auth.failureWindowSeconds == 60 && c.auth.lockoutSeconds == 300)
        #expect(c.auth.algorithms == [.sha512_256, .sha256])
    }

    @Test(arguments: [
        // A cleartext password in an account: refused at its line, however spelled.
        (account: "password = hunter2\nha1_sha256 = \(ha1SHA256)", error: "t.ini:4: password: an account holds no password"),
        (account: "ha1_sha256 = \(ha1SHA256)\nsecret = hunter2", error: "t.ini:5: secret: an account holds no password"),
        (account: "ha1_sha256 = \(ha1SHA256)\nsip_passwd = x", error: "t.ini:5: sip_passwd: an account holds no password"),
        (account: "ha1_sha256 = abc", error: "t.ini:4: ha1_sha256: must be 64 hex digits"),
        (account: "ha1_md5 = \(ha1SHA256)", error: "t.ini:4: ha1_md5: must be 32 hex digits"),
        (account: "ha1_md5 = \(ha1MD5)", error: "t.ini:3: ha1_sha512_256: missing: the account needs ha1_sha512_256 or ha1_sha256"),
        (account: "ha1_sha256 = \(ha1SHA256)\nusername = bob", error: "t.ini:5: username: unknown key in [account \"alice\"]"),
    ])
    func refusesBadAccounts(account: String, error: String) {
        let message = configError(Self.text(account: account)) ?? "loaded"
        #expect(message.hasPrefix(error), "\(message)")
    }

    @Test func refusesBadAuthAndPeerSettings() throws {
        #expect(configError(Self.text(auth: "realm =")) == "t.ini:10: authenticate: a peer authenticates but [auth] has no realm")
        #expect(configError(Self.text(auth: "realm = a\\\\b"))?.hasPrefix("t.ini:2: realm: must not contain quotes") == true)
        #expect(configError(Self.text(auth: "realm = r\nnonce_secret = abcd"))?
            .hasPrefix("t.ini:3: nonce_secret: must be at least 32 hex digits") == true)
        #expect(configError(Self.text(auth: "realm = r\nnonce_lifetime_s = 5"))?.hasPrefix("t.ini:3: nonce_lifetime_s: must be in 10...86400") == true)
        #expect(configError(Self.text(peer: "authenticate = basic"))?.hasPrefix("t.ini:10: authenticate: must be digest and/or bearer, got 'basic'") == true)
        #expect(configError(Self.text(auth: "realm = r\nallow_md5 = yes", peer: "authenticate = digest\ndigest_algorithms = md5, SHA-256"))
            == nil)
        #expect(try parseConfig(Self.text(auth: "realm = r\nallow_md5 = yes", peer: "authenticate = digest\ndigest_algorithms = md5, SHA-256"))
            .peers[0].digestAlgorithms == [.md5, .sha256])
        #expect(configError(Self.text(peer: "authenticate = digest\ndigest_algorithms = MD5"))
            == "t.ini:11: digest_algorithms: MD5 is offered only with [auth] allow_md5 = yes (RFC 8760 §2.4)")
        #expect(configError(Self.text(peer: "digest_algorithms = SHA-256"))?
            .hasPrefix("t.ini:10: digest_algorithms: only used with authenticate = digest") == true)
        #expect(configError(Self.text(peer: "authenticate = digest\ndigest_algorithms = SHA-1"))?
            .hasPrefix("t.ini:11: digest_algorithms: 'SHA-1' is not one of") == true)
        let noAccounts = """
            [auth]
            realm = r
            [peer "pbx"]
            addresses = 192.0.2.1
            authenticate = digest
            """
        #expect(configError(noAccounts) == "t.ini:5: authenticate: a peer authenticates but no [account \"name\"] is configured")
        #expect(configError("[auth \"x\"]\nrealm = r")?.hasPrefix("t.ini:1: section [auth] takes no label") == true)
        #expect(configError("[account]\nha1_sha256 = \(Self.ha1SHA256)")?.hasPrefix("t.ini:1: account section needs a name") == true)
    }
}
