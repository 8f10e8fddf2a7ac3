import Foundation
import INIConfig
import SIPProxy
import Testing
@testable import StirDaemon

@Suite struct DaemonConfigurationTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func shippedExampleParsesAndStatesTheDefaults() throws {
        let path = Self.repoRoot.appendingPathComponent("etc/stird.ini").path
        var loaded = try DaemonConfiguration.load(path: path)
        loaded.file = "<defaults>"
        var defaults = DaemonConfiguration()
        // The example listens where the defaults do.
        defaults.transport.udp = [SocketAddress(host: "127.0.0.1", port: 5060)!]
        defaults.transport.tcp = [SocketAddress(host: "127.0.0.1", port: 5060)!]
        #expect(loaded == defaults)
    }

    @Test func everyKeyReadByTheLoaderIsDocumentedInTheExample() throws {
        let text = try String(contentsOf: Self.repoRoot.appendingPathComponent("etc/stird.ini"), encoding: .utf8)
        let keys = ["log_level", "drain_timeout_s", "udp", "tcp", "max_message_size", "tcp_idle_timeout_s",
                    "tcp_max_connections", "tcp_message_timeout_ms", "tcp_max_connections_per_source", "udp_receive_buffer_bytes", "t1_ms", "t2_ms", "t4_ms", "timer_c_s",
                    "trying_after_ms", "record_route", "default_max_forwards", "processor_timeout_ms",
                    "local_names", "supported_extensions", "resolve_names", "user_prefix", "domain",
                    "next_hop", "transport", "suspend_requests_ms", "enabled", "listen", "loops", "max_queued_messages",
                    "shed_invites_above"]
        for key in keys {
            #expect(text.contains("\(key) ="), "etc/stird.ini does not document \(key)")
        }
    }

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

    @Test func readsRoutesTimersAndHosts() throws {
        let c = try load("""
        [listen]
        udp = 127.0.0.1:5090, [::1]:5090
        tcp =
        [transaction]
        t1_ms = 100
        timer_c_s = 200
        trying_after_ms = 0
        [route "ny"]
        user_prefix = 1212
        next_hop = 127.0.0.1:6000
        transport = tcp
        [route "rest"]
        next_hop = [::1]:6001
        [hosts]
        sbc.example.net = 127.0.0.2
        """)
        #expect(c.transport.udp.map(\.description) == ["127.0.0.1:5090", "[::1]:5090"])
        #expect(c.transport.tcp.isEmpty)
        #expect(c.proxy.timers.t1 == .milliseconds(100))
        #expect(c.proxy.timers.timerC == .seconds(200))
        #expect(c.proxy.autoTrying == nil)
        #expect(c.proxy.routes.routes.map(\.name) == ["ny", "rest"])
        #expect(c.proxy.routes.lookup(user: "12125550000", host: nil)?.transport == .tcp)
        #expect(c.proxy.staticHosts["sbc.example.net"] == "127.0.0.2")
    }

    /// The INVITE shedding threshold defaults to 1,000 and follows a
    /// smaller queue bound down to half of it, so that setting the bound
    /// alone stays valid.
    @Test func shedThresholdDefaultsAndFollowsASmallBound() throws {
        #expect(try load("").shedInvitesAbove == 1_000)
        #expect(try load("[proxy]\nmax_queued_messages = 1500").shedInvitesAbove == 750)
        #expect(try load("[proxy]\nmax_queued_messages = 100").shedInvitesAbove == 50)
        #expect(try load("[proxy]\nmax_queued_messages = 100000").shedInvitesAbove == 1_000)
        #expect(try load("[proxy]\nshed_invites_above = 5000").shedInvitesAbove == 5_000)
    }

    /// The TCP limits against slow or greedy peers: a message deadline and
    /// a per-source connection cap, both read from [transport].
    @Test func readsTheTCPLimits() throws {
        let c = try load("[transport]\ntcp_message_timeout_ms = 2500\ntcp_max_connections_per_source = 8")
        #expect(c.transport.tcpMessageTimeout == .milliseconds(2_500))
        #expect(c.transport.tcpMaxConnectionsPerSource == 8)
        let d = try load("")
        #expect(d.transport.tcpMessageTimeout == .seconds(10))
        #expect(d.transport.tcpMaxConnectionsPerSource == 64)
    }

    @Test(arguments: [
        ("[general]\nlog_level = loud", "t.ini:2: log_level:"),
        ("[transaction]\nt1_ms = 500\nt2_ms = 100", "t.ini:3: t2_ms: must not be smaller than t1_ms"),
        ("[listen]\nudp =\ntcp =", "t.ini:2: udp: no listening address"),
        ("[route]\nnext_hop = 127.0.0.1", "t.ini:1: route section needs a name"),
        ("[route \"a\"]\nuser_prefix = 12x\nnext_hop = 127.0.0.1", "t.ini:2: user_prefix: must be digits"),
        ("[route \"a\"]\nnext_hop = 127.0.0.1\ntransport = sctp", "t.ini:3: transport:"),
        ("[hosts]\nsbc = sbc.example.net", "t.ini:2: sbc: must be a numeric"),
        ("[proxy]\nrecord_route = maybe", "t.ini:2: record_route:"),
        ("[proxy]\nrecord_route = yes\n[proxy]\ndefault_max_forwards = 5", "t.ini:3:"),
        ("[debug]\nsuspend = 5", "t.ini:2: suspend: unknown key"),
        ("[proxy]\nmax_queued_messages = 500\nshed_invites_above = 501", "t.ini:3: shed_invites_above: must be in 1...500"),
        ("[proxy]\nshed_invites_above = 0", "t.ini:2: shed_invites_above: must be in 1...10000"),
        ("[transport]\ntcp_message_timeout_ms = 50", "t.ini:2: tcp_message_timeout_ms: must be in 100...3600000"),
        ("[transport]\ntcp_max_connections_per_source = 0", "t.ini:2: tcp_max_connections_per_source: must be in 1...1000000"),
    ])
    func rejectsBadValuesWithFileLineAndKey(text: String, expected: String) {
        let e = error(text)
        #expect(e?.hasPrefix(expected) == true, "got \(e ?? "no error")")
    }
}
