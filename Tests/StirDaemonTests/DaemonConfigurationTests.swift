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

    /// The keys come from the readers themselves (`INIKeyLog`): a key a
    /// reader asks for that etc/stird.ini does not document fails here.
    @Test func everyKeyReadByTheLoaderIsDocumentedInTheExample() throws {
        let path = Self.repoRoot.appendingPathComponent("etc/stird.ini").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        // Labeled sections are only commented examples in the file: read one
        // of each as well, with the values their readers need to go on
        // (the credential fails on its missing key file after every key
        // was read).
        let labeled = """
            [route "r"]
            next_hop = 127.0.0.1:5080
            [peer "p"]
            addresses = 192.0.2.1
            [account "a"]
            ha1_sha256 = 0000000000000000000000000000000000000000000000000000000000000000
            [credential "c"]
            private_key = /nonexistent/key.pem
            x5u = https://cr.example.net/c.pem
            """
        let log = INIKeyLog()
        INIKeyLog.$current.withValue(log) {
            _ = try? DaemonConfiguration.load(path: path)
            _ = try? DaemonConfiguration(document: INIDocument.parse(labeled, file: "labeled.ini"))
            // [rue] is only a commented example too; read after the others.
            _ = try? DaemonConfiguration(document: INIDocument.parse("[rue]\n", file: "rue.ini"))
        }
        let keys = log.keys
        let sections = DaemonConfiguration.sectionNames.union(StirConfiguration.sectionNames).subtracting(["hosts"])
        #expect(Set(keys.keys).isSuperset(of: sections), "readers not reached: \(sections.subtracting(keys.keys).sorted())")
        let documented = Set(text.split(separator: "\n").compactMap { line -> String? in
            var body = line.drop { $0 == " " || $0 == ";" }
            guard let eq = body.firstIndex(of: "=") else { return nil }
            body = body[..<eq]
            let key = body.trimmingCharacters(in: .whitespaces)
            return key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } && !key.isEmpty ? key : nil
        })
        for (section, names) in keys.sorted(by: { $0.key < $1.key }) where section != "hosts" {
            for key in names.sorted() {
                #expect(documented.contains(key), "etc/stird.ini does not document [\(section)] \(key)")
            }
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

    /// B2BUA keys: the default mode is proxy, `[proxy] mode` is the
    /// default of routes without their own, and the pass list refuses the
    /// fields each leg owns and Identity without Date.
    @Test func readsTheB2BUAKeys() throws {
        let c = try load("""
        [proxy]
        mode = b2bua
        b2bua_pass_headers = Identity, Date, X-Carrier
        max_dialogs = 10
        max_dialog_s = 60
        [route "edge"]
        user_prefix = 1
        next_hop = 127.0.0.1:6000
        [route "core"]
        next_hop = 127.0.0.1:6001
        mode = proxy
        """)
        #expect(c.proxy.mode == .b2bua)
        #expect(c.proxy.routes.routes.map(\.mode) == [.b2bua, .proxy])
        #expect(c.proxy.b2bua.passHeaders == ["Identity", "Date", "X-Carrier"])
        #expect(c.proxy.b2bua.maxDialogs == 10 && c.proxy.b2bua.maxDialogDuration == .seconds(60))
        #expect(try load("[route \"r\"]\nnext_hop = 127.0.0.1:6000").proxy.routes.routes.first?.mode == .proxy)
        #expect(error("[proxy]\nb2bua_pass_headers = Date, Via")?.contains("t.ini:2: b2bua_pass_headers: 'Via' belongs to each leg") == true)
        #expect(error("[proxy]\nb2bua_pass_headers = Identity")?.contains("Identity needs Date") == true)
        #expect(error("[proxy]\nmode = sbc")?.contains("t.ini:2: mode") == true)
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
