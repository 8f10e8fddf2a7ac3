import Logging
import Testing
@testable import StirDaemon

@Suite struct StirPipelineTests {
    let logger = Logger(label: "test")

    @Test func noPeersMeansNoProcessors() throws {
        #expect(try StirPipeline.processors(for: StirConfiguration(), logger: logger).isEmpty)
    }

    @Test func processorsRunScrubThenVerifyThenSign() throws {
        let keys = try KeyFiles()
        var c = try parseConfig("""
        [peer "pbx"]
        addresses = 10.0.0.1
        trusted = yes
        sign = yes
        [credential "main"]
        private_key = \(keys.keyPath)
        x5u = https://cr.example.net/main.pem
        """)
        #expect(try StirPipeline.processors(for: c, logger: logger).map(\.name) == ["stir-scrub", "stir-sign"])
        let anchors = try keys.certificate()
        c.verify.certificates.trustAnchorsFile = anchors
        var carrier = PeerConfiguration(name: "carrier")
        carrier.networks = [IPNetwork("10.0.0.2")!]
        carrier.verify = true
        c.peers.append(carrier)
        #expect(try StirPipeline.processors(for: c, logger: logger).map(\.name) == ["stir-scrub", "stir-verify", "stir-sign"])
    }

    @Test func unreadableTrustAnchorsRefuseToStart() throws {
        var c = StirConfiguration()
        var carrier = PeerConfiguration(name: "carrier")
        carrier.networks = [IPNetwork("10.0.0.2")!]
        carrier.verify = true
        c.peers = [carrier]
        c.verify.certificates.trustAnchorsFile = "/nonexistent/roots.pem"
        #expect(throws: StirPipeline.SetupError.self) { try StirPipeline.processors(for: c, logger: logger) }
    }

    /// A directory gone after the INI was read: the message names it
    /// plainly, not as a Foundation error dump.
    @Test func missingAnchorDirectoryIsNamedPlainly() throws {
        var c = StirConfiguration()
        var carrier = PeerConfiguration(name: "carrier")
        carrier.networks = [IPNetwork("10.0.0.2")!]
        carrier.verify = true
        c.peers = [carrier]
        c.verify.certificates.trustAnchorsDirectory = "/nonexistent/anchors"
        var message = ""
        do { _ = try StirPipeline.processors(for: c, logger: logger) } catch { message = "\(error)" }
        #expect(message == "[verify] trust anchors (-, /nonexistent/anchors): cannot read directory /nonexistent/anchors")
    }

    /// Names and paths from the INI reach the terminal escaped here too.
    @Test func setupErrorsEscapeControlBytes() {
        #expect(StirPipeline.SetupError(description: "credential \"a\u{1b}[2Jb\": x").description == "credential \"a\\x1b[2Jb\": x")
    }
}
