import INIConfig
import SIPProxy
import Testing
@testable import StirDaemon

@Suite struct MetricsConfigurationTests {
    private func read(_ text: String) throws -> MetricsConfiguration {
        try MetricsConfiguration.read(INIDocument.parse(text, file: "t.ini"))
    }

    private func error(_ text: String) -> String? {
        do {
            _ = try read(text)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func absentSectionServesOnLoopback9090() throws {
        let config = try read("[general]\nlog_level = info\n")
        #expect(config == MetricsConfiguration())
        #expect(config.enabled)
        #expect(config.listen.description == "127.0.0.1:9090")
        #expect(config.path == "/metrics")
    }

    /// The block handed over for etc/stird.ini: it must state the defaults.
    static let documentedBlock = """
        [metrics]
        ; Prometheus scrape endpoint (text format 0.0.4): GET /metrics. It runs on
        ; its own thread, never the SIP loop; each connection may send at most an
        ; 8 KiB request within 5 s, and at most 64 are served at once.
        enabled = yes
        ; Numeric IPv4/IPv6 address with optional port (default 9090); IPv6 in
        ; brackets: [::1]:9090. Loopback by default: the counters show traffic
        ; and peers, so listen on another address only behind a firewall.
        listen = 127.0.0.1:9090
        """

    @Test func documentedBlockStatesTheDefaults() throws {
        #expect(try read(Self.documentedBlock) == MetricsConfiguration())
    }

    @Test func emptySectionGivesTheDefaults() throws {
        #expect(try read("[metrics]\n") == MetricsConfiguration())
    }

    @Test(arguments: [
        ("listen = 127.0.0.1:9191", "127.0.0.1:9191"),
        ("listen = 0.0.0.0", "0.0.0.0:9090"),
        ("listen = [::1]:9100", "[::1]:9100"),
        ("listen = ::1", "[::1]:9090"),
        ("listen = [::]", "[::]:9090"),
    ])
    func readsNumericListenAddresses(line: String, expected: String) throws {
        #expect(try read("[metrics]\n\(line)\n").listen.description == expected)
    }

    @Test(arguments: [("yes", true), ("off", false), ("FALSE", false), ("1", true)])
    func readsEnabled(text: String, expected: Bool) throws {
        #expect(try read("[metrics]\nenabled = \(text)\n").enabled == expected)
    }

    @Test(arguments: [
        ("[metrics]\nlisten = localhost:9090", "t.ini:2: listen: 'localhost:9090' is not a numeric IPv4/IPv6 address"),
        ("[metrics]\nlisten = 127.0.0.1:70000", "t.ini:2: listen: '127.0.0.1:70000' is not a numeric"),
        ("[metrics]\nlisten = 127.0.0.1:0", "t.ini:2: listen: port must be in 1...65535, got 0"),
        ("[metrics]\nlisten =", "t.ini:2: listen: '' is not a numeric"),
        ("[metrics]\nenabled = maybe", "t.ini:2: enabled: must be true/false"),
        ("[metrics]\nenabled = yes\nport = 9090", "t.ini:3: port: unknown key in [metrics]"),
        ("[metrics]\n[metrics]\nenabled = no", "t.ini:2: duplicate section [metrics], first at line 1"),
        ("[metrics \"a\"]\nenabled = no", "t.ini:1: section [metrics] takes no label"),
        ("[metrics]\nenabled = no\n[metrics \"b\"]", "t.ini:3: section [metrics] takes no label"),
    ])
    func rejectsBadValuesWithFileAndLine(text: String, expected: String) {
        let message = error(text)
        #expect(message?.hasPrefix(expected) == true, "got \(message ?? "no error")")
    }
}
