import Foundation
import INIConfig
import SIPCore
@testable import SIPProxy
import STIRCore
import Testing
@testable import StirDaemon

/// `[account] tls_identities`: a relay user equipment's device certificate
/// (mutual TLS, RFC 5922 §7.3) is its account, without a Digest challenge,
/// and the account's tns decide attestation; anything else is challenged.
@Suite struct AccountCertificateTests {
    static let aliceFingerprint = String(repeating: "a1", count: 32)
    static let tls = "[tls]\nca_file = /etc/stird/rue-ca.pem\nverify_client = optional\n"

    // MARK: Configuration

    @Test func readsIdentitiesAndACertificateAloneMakesAnAccount() throws {
        let colons = Self.aliceFingerprint.uppercased().enumerated().map { i, c in i > 0 && i % 2 == 0 ? ":\(c)" : "\(c)" }.joined()
        let c = try parseConfig(Self.tls + """
            [account "alice"]
            tls_identities = sha256:\(colons), SIP:Alice.RUE.test
            tns = 12155551000
            """)
        #expect(c.auth.accounts.first?.tlsIdentities == ["sha256:" + Self.aliceFingerprint, "sip:alice.rue.test"])
    }

    @Test(arguments: [
        // A bad entry, at its line.
        ("[account \"a\"]\ntls_identities = sha256:abcd\n", "t.ini:5: tls_identities: 'sha256:abcd' is not"),
        // One identity, two accounts: the second is refused.
        ("[account \"a\"]\ntls_identities = rue.test\n[account \"b\"]\ntls_identities = RUE.test\n",
         "t.ini:7: tls_identities: 'rue.test' already identifies account a"),
        // A peer's identity would be matched first and hide the account.
        ("[peer \"carrier\"]\ntls_identities = sip:carrier.test\n[account \"a\"]\ntls_identities = sip:carrier.test\n",
         "t.ini:7: tls_identities: 'sip:carrier.test' already identifies peer carrier"),
    ])
    func refusesBadOrSharedIdentities(text: String, expected: String) {
        let e = configError(Self.tls + text) ?? "accepted"
        #expect(e.hasPrefix(expected), "\(e)")
    }

    @Test func needsCAFileAndClientVerification() {
        let account = "[account \"a\"]\ntls_identities = rue.test\n"
        let noCA = configError("[tls]\nverify_client = optional\n" + account) ?? "accepted"
        #expect(noCA.hasPrefix("t.ini:4: tls_identities: needs [tls] ca_file"), "\(noCA)")
        let noTLS = configError(account) ?? "accepted"
        #expect(noTLS.hasPrefix("t.ini:2: tls_identities: needs [tls] ca_file"), "\(noTLS)")
        let notAsked = configError("[tls]\nca_file = /ca.pem\nverify_client = no\n" + account) ?? "accepted"
        #expect(notAsked.hasPrefix("t.ini:5: tls_identities: needs [tls] verify_client = optional or yes"), "\(notAsked)")
        #expect(configError("[tls]\nca_file = /ca.pem\nverify_client = yes\n" + account) == nil)
    }

    // MARK: The processor in a proxy core

    final class Setup {
        let keys: KeyFiles
        let harness: StirHarness
        static let rue = "192.0.2.1"

        init(authText: String = "realm = example.net") throws {
            keys = try KeyFiles()
            let config = try parseConfig(AccountCertificateTests.tls + """
                [auth]
                \(authText)
                [sign]
                not_owned_attestation = B
                [account "alice"]
                ha1_sha256 = \(AuthConfigurationTests.ha1SHA256)
                tns = 12155551000-12155551099
                tls_identities = sha256:\(AccountCertificateTests.aliceFingerprint)
                [account "bob"]
                tns = 12155553000
                tls_identities = sip:bob.rue.test
                [peer "rue"]
                addresses = \(Self.rue)
                trusted = yes
                sign = yes
                authenticate = digest
                [credential "main"]
                private_key = \(keys.keyPath)
                x5u = https://cr.example.net/main.pem
                """)
            let peers = PeerTable(config.peers)
            let auth = AuthenticationProcessor(peers: peers, config: config.auth, generated: RUECredentialTable())
            var c = CredentialConfiguration(name: "main")
            c.privateKeyFile = keys.keyPath
            c.x5u = "https://cr.example.net/main.pem"
            let sign = SigningProcessor(peers: peers, credentials: [try SigningCredential(c)], config: config.sign,
                                        extraction: IdentityExtractionPolicy(),
                                        authenticator: AccountOriginatorAuthenticator(accounts: config.auth.accounts))
            harness = StirHarness(processors: [auth, sign])
        }

        /// An INVITE from `from` over a TLS connection whose verified client
        /// certificate carries `identities`; the one message stird sent for it.
        func send(identities: [String], from: String = "+12155551010", extra: [String] = []) -> SIPMessage? {
            let text = StirHarness.invite(from: "<sip:\(from)@192.0.2.1;user=phone>;tag=f1", extra: extra)
            let rx = ReceivedMessage(bytes: Array(text.utf8), source: SocketAddress(host: Self.rue, port: 40_000)!,
                                     local: harness.sender.local, transport: .tls, connectionID: 7, tlsPeerIdentities: identities)
            harness.queue.sync { harness.core.receive(rx) }
            return harness.queue.sync {
                defer { harness.sender.sent.removeAll() }
                return harness.sender.sent.compactMap { try? SIPMessage.parse($0.bytes) }.first
            }
        }
    }

    static func attestation(of request: SIPMessage) throws -> String? {
        let header = try IdentityHeader.parse(try #require(request.identityHeaders.first))
        return try PASSporT.decode(header.token).claims.attest?.rawValue
    }

    @Test func deviceCertificateIsItsAccountWithoutAChallenge() throws {
        let s = try Setup()
        let ours = "Proxy-Authorization: Digest username=\"alice\", realm=\"example.net\", nonce=\"n\", uri=\"sip:x\", response=\"00\""
        let alice = try #require(s.send(identities: ["alice-phone.rue.test", "sha256:" + Self.aliceFingerprint], extra: [ours]))
        #expect(alice.method == "INVITE", "no 407: \(alice.statusCode ?? 0)")
        #expect(try Self.attestation(of: alice) == "A")
        #expect(alice.headers(named: "Proxy-Authorization").isEmpty, "our realm's credentials removed (RFC 3261 §22.3)")
        // The second account's certificate: its own TN is A, alice's is not.
        let bob = try #require(s.send(identities: ["sip:bob.rue.test"], from: "+12155553000"))
        #expect(bob.method == "INVITE")
        #expect(try Self.attestation(of: bob) == "A")
        let bobAsAlice = try #require(s.send(identities: ["sip:bob.rue.test"], from: "+12155551010"))
        #expect(try Self.attestation(of: bobAsAlice) == "B", "bob's certificate does not own alice's numbers")
    }

    @Test func otherCertificatesAreChallenged() throws {
        let s = try Setup()
        // A verified certificate no account names, and none at all (the
        // transport reports no identities for one it could not verify).
        for identities in [["other.rue.test", "sha256:" + String(repeating: "0", count: 64)], []] {
            let r = try #require(s.send(identities: identities))
            #expect(r.statusCode == 407 && !r.headers(named: "Proxy-Authenticate").isEmpty, "\(identities)")
        }
        // One certificate that two accounts name by different identities.
        let both = try #require(s.send(identities: ["sip:bob.rue.test", "sha256:" + Self.aliceFingerprint]))
        #expect(both.statusCode == 407)
    }

    /// The lock-out counts wrong passwords per source address; a device
    /// behind the same address with its certificate is not locked out.
    @Test func certificateIsNotLockedOutByPasswordFailures() throws {
        let s = try Setup(authText: "realm = example.net\nmax_failures = 1")
        let bad = "Proxy-Authorization: Digest username=\"mallory\", realm=\"example.net\", nonce=\"n\", uri=\"sip:+12155559999@127.0.0.1\", "
            + "response=\"00\", algorithm=SHA-256, cnonce=\"c\", qop=auth, nc=00000001"
        _ = s.send(identities: [], extra: [bad])
        #expect(s.send(identities: [])?.statusCode == 403, "the source is locked out")
        #expect(s.send(identities: ["sha256:" + Self.aliceFingerprint])?.method == "INVITE")
    }
}
