import INIConfig
import Logging
@testable import SIPProxy
import Testing
@testable import StirDaemon

/// `[peer] tls_identities`: a verified TLS client certificate names its
/// peer whatever the source address.
@Suite struct TLSPeerTests {
    private static let fingerprint = String(repeating: "ab", count: 32)

    private func context(from host: String, identities: [String]) -> RequestContext {
        RequestContext(source: SocketAddress(host: host, port: 5061)!, local: SocketAddress(host: "127.0.0.1", port: 5061)!,
                       transport: .tls, callID: "c", method: "INVITE", logger: Logger(label: "t"), notes: TransactionNotes(),
                       tlsPeerIdentities: identities)
    }

    private func peers(_ text: String) throws -> [PeerConfiguration] {
        try DaemonConfiguration(document: INIDocument.parse(text, file: "t.ini")).stir.peers
    }

    @Test func readsAndNormalizesIdentities() throws {
        let p = try peers("""
            [peer "carrier"]
            tls_identities = Carrier.Test, SIP:carrier.test, sha256:\(Self.fingerprint.uppercased().enumerated().map { i, c in i > 0 && i % 2 == 0 ? ":\(c)" : "\(c)" }.joined())
            trusted = yes
            """)
        #expect(p.first?.tlsIdentities == ["carrier.test", "sip:carrier.test", "sha256:" + Self.fingerprint])
        #expect(p.first?.networks.isEmpty == true, "tls_identities alone identify a peer")
    }

    @Test(arguments: ["sha256:abcd", "carrier..test", "has space.test", "sip:"])
    func refusesBadIdentities(item: String) {
        let text = "[peer \"carrier\"]\ntls_identities = \(item)\n"
        let e = (try? peers(text)).map { _ in "accepted" } ?? { do { _ = try peers(text); return "" } catch { return "\(error)" } }()
        #expect(e.hasPrefix("t.ini:2: tls_identities: '\(item)' is not"), "\(e)")
    }

    /// The certificate's identities pick the peer from any address; without
    /// a match, the source address decides as before.
    @Test func certificateIdentifiesThePeerWhateverTheAddress() {
        var carrier = PeerConfiguration(name: "carrier")
        carrier.tlsIdentities = ["sip:carrier.test"]
        carrier.trusted = true
        var pinned = PeerConfiguration(name: "pinned")
        pinned.tlsIdentities = ["sha256:" + Self.fingerprint]
        var office = PeerConfiguration(name: "office")
        office.networks = [IPNetwork("192.0.2.0/24")!]
        let table = PeerTable([office, carrier, pinned])
        #expect(table.peer(for: context(from: "198.51.100.7", identities: ["carrier.test", "sip:carrier.test", "sha256:00"])).name == "carrier")
        #expect(table.peer(for: context(from: "192.0.2.9", identities: ["sip:carrier.test"])).name == "carrier",
                "the certificate wins over the address")
        #expect(table.peer(for: context(from: "198.51.100.7", identities: ["other.test", "sha256:" + Self.fingerprint])).name == "pinned")
        #expect(table.peer(for: context(from: "192.0.2.9", identities: ["other.test"])).name == "office")
        #expect(table.peer(for: context(from: "198.51.100.7", identities: [])).name == "unknown")
    }
}
