import Certificates
import Crypto
import Foundation
import INIConfig
import STIRCore
import Testing
@testable import StirDaemon

@Suite struct StirConfigurationTests {
    @Test func readsPeersCredentialsSignAndVerify() throws {
        let keys = try KeyFiles()
        let cert = try keys.certificate()
        let c = try parseConfig("""
        [stir]
        orig_source = from
        numbering_plan = e164
        [sign]
        skewed_date = redate
        not_owned_attestation = none
        only_dest_prefixes = 1, +44
        [verify]
        trust_anchors_file = \(cert)
        x5u_hosts = CR.example.net
        x5u_ports = 443
        revocation = short_lived, ocsp:soft, crl:hard
        revocation_failure = hard
        verstat_headers = pai, from
        attestation_header =
        [peer "pbx"]
        addresses = 192.0.2.0/24, 2001:db8::1
        trusted = yes
        sign = yes
        tns = 12155551000-12155551999, 1215556*, 12155550000
        [peer "carrier"]
        addresses = 198.51.100.7
        verify = yes
        on_failure = continue_with_reason
        reason_form = stir
        require_identity = yes
        [credential "main"]
        private_key = \(keys.keyPath)
        certificate = \(cert)
        x5u = https://cr.example.net/main.pem
        spc = 1234
        """)
        #expect(c.originatingSource == .fromOnly)
        #expect(c.numberingPlan == .stepOneOnly)
        #expect(c.sign.redateSkewed && c.sign.notOwnedAttestation == nil && c.sign.onlyDestinationPrefixes == ["1", "44"])
        #expect(c.verify.x5uHosts == ["cr.example.net"] && c.verify.certificates.x5uPorts == [443])
        #expect(c.verify.certificates.revocation == [RevocationStep(.shortLived), RevocationStep(.ocsp, failureMode: .soft), RevocationStep(.crl, failureMode: .hard)] && c.verify.certificates.revocationHardFail)
        #expect(c.verify.verstatOnPAI && c.verify.verstatOnFrom && c.verify.attestationHeader == nil)
        #expect(c.peers.map(\.name) == ["pbx", "carrier"])
        #expect(c.peers[0].trusted && c.peers[0].sign && !c.peers[0].verify)
        #expect(c.peers[0].tns.contains("12155551500") && c.peers[0].tns.contains("12155569999") && !c.peers[0].tns.contains("12155552000"))
        #expect(c.peers[1].onFailure == .continueWithReason && c.peers[1].reasonForm == .stir && c.peers[1].requireIdentity)
        #expect(c.credentials.first?.x5u == "https://cr.example.net/main.pem" && c.credentials.first?.spc == "1234")
    }

    @Test(arguments: [
        ("[peer \"p\"]\ntrusted = yes", "t.ini:1: addresses: missing"),
        ("[peer \"p\"]\naddresses = 10.0.0.0/33", "t.ini:2: addresses: '10.0.0.0/33' is not a numeric address or CIDR"),
        ("[peer \"p\"]\naddresses = example.com", "t.ini:2: addresses: 'example.com' is not a numeric address"),
        ("[peer \"p\"]\naddresses = 10.0.0.1\nsign = yes", "t.ini:3: sign: only a trusted peer can be signed for"),
        ("[peer \"p\"]\naddresses = 10.0.0.1\nverify = yes", "t.ini:3: verify: a peer verifies but [verify] has neither"),
        ("[peer \"p\"]\naddresses = 10.0.0.1\ntrusted = yes\nsign = yes", "t.ini:1: a peer signs (sign = yes) but no [credential"),
        ("[peer \"p\"]\naddresses = 10.0.0.1\non_failure = drop", "t.ini:3: on_failure: must be one of continue, continue_with_reason, reject"),
        ("[peer \"p\"]\naddresses = 10.0.0.1\ntns = 1215-12", "t.ini:3: tns: range '1215-12' needs two numbers of equal length"),
        ("[peer \"p\"]\naddresses = 10.0.0.1\ntns = abc", "t.ini:3: tns: 'abc' is not a TN"),
        ("[peer \"p\"]\naddresses = 10.0.0.1\ncolour = blue", "t.ini:3: colour: unknown key in [peer \"p\"]"),
        ("[peer]\naddresses = 10.0.0.1", "t.ini:1: peer section needs a name"),
        ("[peer \"p\"]\naddresses = 10.0.0.1\n[peer \"p\"]\naddresses = 10.0.0.2", "t.ini:3: duplicate section [peer \"p\"], first at line 1"),
        ("[sign]\nnot_owned_attestation = D", "t.ini:2: not_owned_attestation: must be one of A, B, C, none"),
        ("[sign]\nskip_dest_prefixes = 44x", "t.ini:2: skip_dest_prefixes: '44x' is not a digit prefix"),
        ("[verify]\nrevocation = ocsp, magic", "t.ini:2: revocation: 'magic' is not one of none, short_lived, ocsp, crl"),
        ("[verify]\nverstat_headers = to", "t.ini:2: verstat_headers: 'to' is not pai or from"),
        ("[verify]\nmax_date_age_s = 0", "t.ini:2: max_date_age_s: must be in 1...86400"),
        ("[verify]\nkey_tables = -1", "t.ini:2: key_tables: must be in 0...4096"),
        ("[verify]\nkey_table_after = 0", "t.ini:2: key_table_after: must be in 1...1000000"),
        ("[credential \"c\"]\nx5u = https://x/y", "t.ini:1: private_key: missing"),
        ("[credential \"c\"]\nprivate_key = /nonexistent/key.pem\nx5u = https://x/y", "t.ini:2: private_key: credential \"c\": cannot read"),
        ("[credential \"c\"]\nprivate_key = /k\nx5u = ftp://x/y", "t.ini:3: x5u: must be an https URL"),
        ("[stir]\n[stir]", "t.ini:2: duplicate section [stir]"),
    ])
    func rejectsBadValuesWithFileLineAndKey(text: String, expected: String) {
        let message = configError(text)
        #expect(message?.hasPrefix(expected) == true, "got \(message ?? "no error")")
    }

    @Test func mismatchedKeyAndCertificateRefuseToLoad() throws {
        let keys = try KeyFiles()
        let otherCert = try keys.certificate(forOther: true)
        let message = configError("""
        [credential "main"]
        private_key = \(keys.keyPath)
        certificate = \(otherCert)
        x5u = https://cr.example.net/main.pem
        """)
        #expect(message?.hasPrefix("t.ini:3: certificate: credential \"main\": private_key \(keys.keyPath) does not match") == true,
                "got \(message ?? "no error")")
    }

    @Test func keyTableSettingsReachTheBudgetPolicy() throws {
        let c = try parseConfig("[verify]\nkey_tables = 4\nkey_table_after = 100\n")
        #expect(c.verify.keyTablePolicy == ES256KeyTables.Policy(capacity: 4, threshold: 100))
        #expect(try parseConfig("[verify]\n").verify.keyTablePolicy == ES256KeyTables.Policy())
    }

    /// Files and directories named in the INI are checked while it is read
    /// (so `--check-config`, start-up and SIGHUP refuse them alike), each at
    /// the line of the key that names it.
    @Test func refusesUnusablePathsAtTheirKeyAndLine() throws {
        let keys = try KeyFiles()
        let cert = try keys.certificate()
        let noCert = keys.directory + "/empty.pem"
        try "not a certificate\n".write(toFile: noCert, atomically: true, encoding: .utf8)
        let emptyDir = keys.directory + "/empty-dir"
        try FileManager.default.createDirectory(atPath: emptyDir, withIntermediateDirectories: true)
        try "junk\n".write(toFile: emptyDir + "/junk.pem", atomically: true, encoding: .utf8)
        let cases: [(String, String)] = [
            ("[verify]\nx5u_ports = 443\ntrust_anchors_file = /nonexistent/roots.pem",
             "t.ini:3: trust_anchors_file: cannot read /nonexistent/roots.pem: No such file or directory"),
            ("[verify]\ntrust_anchors_file = \(noCert)", "t.ini:2: trust_anchors_file: no PEM certificate in \(noCert)"),
            ("[verify]\ntrust_anchors_file = \(keys.directory)", "t.ini:2: trust_anchors_file: \(keys.directory) is not a regular file"),
            ("[verify]\ntrust_anchors_dir = /nonexistent/anchors",
             "t.ini:2: trust_anchors_dir: cannot open directory /nonexistent/anchors: No such file or directory"),
            ("[verify]\ntrust_anchors_dir = \(cert)", "t.ini:2: trust_anchors_dir: \(cert) is not a directory"),
            ("[verify]\ntrust_anchors_dir = \(emptyDir)", "t.ini:2: trust_anchors_dir: no certificate in any *.pem or *.crt file of \(emptyDir)"),
            ("[verify]\nhttps_ca_file = /nonexistent/web-ca.pem",
             "t.ini:2: https_ca_file: cannot read /nonexistent/web-ca.pem: No such file or directory"),
            ("[verify]\nhttps_ca_file = \(noCert)", "t.ini:2: https_ca_file: no PEM certificate in \(noCert)"),
            ("[verify]\ncache_dir = /nonexistent/cache",
             "t.ini:2: cache_dir: cannot open directory /nonexistent/cache: No such file or directory (it must be an existing directory"),
            ("[verify]\ncache_dir = \(cert)", "t.ini:2: cache_dir: \(cert) is not a directory"),
            // procfs refuses new files even to root.
            ("[verify]\ncache_dir = /proc/1", "t.ini:2: cache_dir: cannot write to directory /proc/1:"),
            ("[credential \"c\"]\nprivate_key = \(keys.keyPath)\ncertificate = /nonexistent/cert.pem\nx5u = https://x/y",
             "t.ini:3: certificate: credential \"c\": cannot read certificate /nonexistent/cert.pem"),
            ("[credential \"c\"]\nprivate_key = \(keys.keyPath)\ncertificate = \(keys.keyPath)\nx5u = https://x/y",
             "t.ini:3: certificate: credential \"c\": certificate \(keys.keyPath) has no P-256 public key"),
            ("[credential \"c\"]\ncertificate = \(cert)\nprivate_key = \(cert)\nx5u = https://x/y",
             "t.ini:3: private_key: credential \"c\": private_key \(cert) is not a P-256 private key"),
        ]
        for (text, expected) in cases {
            let message = configError(text)
            #expect(message?.hasPrefix(expected) == true, "got \(message ?? "no error") for \(text)")
        }
    }

    @Test func acceptsUsablePaths() throws {
        let keys = try KeyFiles()
        let cert = try keys.certificate()
        let anchors = keys.directory + "/anchors"
        try FileManager.default.createDirectory(atPath: anchors, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: cert, toPath: anchors + "/root.crt")
        try "ignored: only *.pem and *.crt are read\n".write(toFile: anchors + "/README", atomically: true, encoding: .utf8)
        let c = try parseConfig("""
        [verify]
        trust_anchors_file = \(cert)
        trust_anchors_dir = \(anchors)
        https_ca_file = \(cert)
        cache_dir = \(keys.directory)
        """)
        #expect(c.verify.certificates.trustAnchorsDirectory == anchors && c.verify.certificates.cacheDirectory == keys.directory)
    }

    /// The one loader all three paths use gives the error in the same form.
    @Test func loadingAFileReportsTheBrokenPathWithFileAndLine() throws {
        let keys = try KeyFiles()
        let path = keys.directory + "/stird.ini"
        try "[verify]\nhttps_ca_file = /nonexistent/web-ca.pem\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: INIError(file: path, line: 2, key: "https_ca_file",
                                 message: "cannot read /nonexistent/web-ca.pem: No such file or directory")) {
            try DaemonConfiguration.load(path: path)
        }
    }

    @Test func daemonConfigurationCarriesTheStirSections() throws {
        let doc = try INIDocument.parse("[peer \"default\"]\nstrip_identity = yes\n", file: "t.ini")
        let c = try DaemonConfiguration(document: doc)
        #expect(c.stir.peers.first?.stripIdentity == true)
        #expect(c.stir.isEnabled)
        #expect(!DaemonConfiguration().stir.isEnabled)
    }

    @Test func everyStirKeyIsDocumentedInTheExample() throws {
        let text = try String(contentsOf: DaemonConfigurationTests.repoRoot.appendingPathComponent("etc/stird.ini"), encoding: .utf8)
        let keys = ["orig_source", "dest_source", "tn_detection", "numbering_plan", "max_date_skew_s", "skewed_date",
                    "not_owned_attestation", "skip_dest_prefixes", "only_dest_prefixes", "trust_anchors_file", "trust_anchors_dir",
                    "x5u_hosts", "x5u_ports", "x5u_allow_http", "allow_special_purpose_addresses", "https_ca_file",
                    "cache_max_entries", "cache_default_ttl_s", "cache_min_ttl_s", "cache_max_ttl_s", "negative_ttl_s",
                    "negative_ttl_max_s", "fetch_timeout_ms", "lookup_deadline_ms", "fetch_max_bytes", "cache_dir", "revocation",
                    "revocation_failure", "short_lived_max_s", "require_shaken_cn", "max_date_age_s", "max_iat_age_s",
                    "max_future_skew_s", "require_date", "allow_compact_form", "accept_baseline", "check_destination",
                    "max_identity_headers", "key_tables", "key_table_after", "verstat_headers", "attestation_header", "addresses", "trusted", "sign", "verify",
                    "on_failure", "reason_form", "require_identity", "strip_identity", "tns", "gateway", "private_key",
                    "certificate", "x5u", "spc"]
        for key in keys {
            #expect(text.contains("\(key) ="), "etc/stird.ini does not document \(key)")
        }
    }
}
