import INIConfig
import SIPProxy
import Testing
import TestSupport
@testable import StirDaemon

/// `[listen] tls`, `[tls]` and `[route] transport = tls`: read, checked at
/// load (the files too), refused as `file:line: key: why`.
@Suite struct TLSConfigurationTests {
    private static let pki = TestPKI.shared

    private func load(_ text: String) throws -> DaemonConfiguration {
        try DaemonConfiguration(document: INIDocument.parse(text, file: "t.ini"))
    }

    private func error(_ text: String) -> String? {
        do {
            _ = try load(text)
            return nil
        } catch {
            return "\(error)"
        }
    }

    private var tls: String {
        """
        [tls]
        certificate = \(Self.pki.path("sip-server.pem"))
        private_key = \(Self.pki.path("sip-server.key"))
        ca_file = \(Self.pki.path("sip-ca.pem"))
        """
    }

    @Test func readsListenTLSSettingsAndATLSRoute() throws {
        let c = try load("""
            [listen]
            tls = 127.0.0.1, [::1]:5071
            \(tls)
            verify_client = yes
            handshake_timeout_ms = 2500
            min_version = 1.3
            [route "carrier"]
            next_hop = 192.0.2.1:5061
            transport = tls
            tls_server_name = sbc.carrier.test
            """)
        #expect(c.transport.tls == [SocketAddress(host: "127.0.0.1", port: 5061)!, SocketAddress(host: "::1", port: 5071)!])
        #expect(c.transport.tlsSettings.verifyClient == .yes)
        #expect(c.transport.tlsSettings.handshakeTimeout == .milliseconds(2500))
        #expect(c.transport.tlsSettings.minVersion == .tls13)
        #expect(c.transport.tlsSettings.ciphersuites == TLSSettings().ciphersuites)
        let route = try #require(c.proxy.routes.routes.first)
        #expect(route.transport == .tls && route.transportFixed && route.tlsServerName == "sbc.carrier.test")
    }

    @Test(arguments: [
        ("[listen]\ntls = 127.0.0.1:5061\n[tls]\nprivate_key = /x.key\n", "t.ini:3: certificate: missing"),
        ("[listen]\ntls = 127.0.0.1:5061\n[tls]\ncertificate = /nonexistent.pem\nprivate_key = /x.key\n", "t.ini:4: certificate: /nonexistent.pem"),
        ("[tls]\ncertificate = @server.pem\nprivate_key = @client.key\n", "t.ini:3: private_key: " + Self.pki.path("sip-client.key")),
        ("[tls]\ncertificate = @server.pem\nprivate_key = @server.key\nverify_client = yes\n", "t.ini:4: verify_client: yes needs ca_file"),
        ("[tls]\ncertificate = @server.pem\nprivate_key = @server.key\nciphers = NOPE-NOTHING\n", "t.ini:4: ciphers:"),
        ("[tls]\ncertificate = @server.pem\nprivate_key = @server.key\nmin_version = 1.1\n", "t.ini:4: min_version:"),
        ("[route \"r\"]\nnext_hop = 127.0.0.1:5061\ntransport = tls\n", "t.ini:1: transport: route \"r\" uses tls"),
        ("[route \"r\"]\nnext_hop = 127.0.0.1:5061\ntls_server_name = x.test\n", "t.ini:3: tls_server_name: only for transport = tls"),
    ])
    func refusesBadTLSConfiguration(text: String, expected: String) {
        let resolved = text.replacingOccurrences(of: "@server", with: Self.pki.path("sip-server"))
            .replacingOccurrences(of: "@client", with: Self.pki.path("sip-client"))
        let e = error(resolved) ?? "accepted"
        #expect(e.hasPrefix(expected), "\(e)")
    }
}
