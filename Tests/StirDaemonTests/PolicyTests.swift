import STIRCore
import Testing
@testable import StirDaemon

@Suite struct PolicyTests {
    static func tns(_ items: String...) -> TNSet {
        TNSet(items.map { try! TNPattern.parse($0).get() })
    }

    @Test(arguments: [
        ("12155551212", "12155551212", true), ("12155551212", "12155551213", false),
        ("1215555*", "12155559999", true), ("1215555*", "12155565555", false),
        ("12155551000-12155551999", "12155551000", true), ("12155551000-12155551999", "12155551999", true),
        ("12155551000-12155551999", "12155552000", false), ("12155551000-12155551999", "1215555150", false),
        ("+12155551212", "12155551212", true),
    ])
    func tnPatternsMatchExactPrefixAndRange(pattern: String, tn: String, expected: Bool) throws {
        #expect(try TNPattern.parse(pattern).get().contains(tn) == expected)
    }

    @Test(arguments: [
        ("192.0.2.0/24", "192.0.2.77", true), ("192.0.2.0/24", "192.0.3.1", false), ("10.1.2.3", "10.1.2.3", true),
        ("10.0.0.0/8", "::ffff:10.9.9.9", true), ("2001:db8::/32", "2001:db8:1::5", true), ("2001:db8::/32", "2001:db9::1", false),
        ("0.0.0.0/0", "203.0.113.9", true), ("127.0.0.2", "127.0.0.3", false), ("::1", "127.0.0.1", false),
    ])
    func networksMatchSourceAddresses(network: String, host: String, expected: Bool) throws {
        #expect(try #require(IPNetwork(network)).contains(host: host) == expected)
    }

    @Test func peerTableFirstMatchWinsAndDefaultCatchesTheRest() {
        var a = PeerConfiguration(name: "a"); a.networks = [IPNetwork("10.0.0.0/8")!]
        var b = PeerConfiguration(name: "b"); b.networks = [IPNetwork("10.1.0.0/16")!]
        var d = PeerConfiguration(name: "default"); d.verify = true
        let table = PeerTable([a, b, d])
        #expect(table.peer(for: "10.1.2.3").name == "a")
        #expect(table.peer(for: "192.0.2.1").name == "default")
        #expect(PeerTable([a]).peer(for: "192.0.2.1").name == "unknown")
        #expect(!PeerTable([a]).peer(for: "192.0.2.1").trusted)
    }

    static let owner = Originator(name: "pbx", ownedTNs: tns("12155551000-12155551999"), gateway: false)

    @Test(arguments: [
        // (owned?, gateway, not_owned setting, orig, expected)
        (false, "B", "12155551212", "A"), (false, "B", "12155559999", "B"), (false, "C", "12155559999", "C"),
        (false, "none", "12155559999", "skip"), (true, "B", "12155551212", "C"), (true, "none", "12155559999", "C"),
    ])
    func attestationFromOwnershipGatewayAndDefault(gateway: Bool, notOwned: String, orig: String, expected: String) {
        var sign = SignConfiguration()
        sign.notOwnedAttestation = Attestation(rawValue: notOwned)
        var originator = Self.owner
        originator.gateway = gateway
        let result = AttestationPolicy(sign).decide(originator: originator, orig: orig, dest: ["12155550000"])
        switch result {
        case .success(let a): #expect(a.rawValue == expected)
        case .failure(let why): #expect(expected == "skip" && why.skip == .tnNotOwned)
        }
    }

    @Test func destinationRulesVetoSigning() {
        var sign = SignConfiguration()
        sign.onlyDestinationPrefixes = ["1"]
        #expect(throws: AttestationPolicy.SkipReason.self) {
            try AttestationPolicy(sign).decide(originator: Self.owner, orig: "12155551212", dest: ["442079460000"]).get()
        }
        #expect((try? AttestationPolicy(sign).decide(originator: Self.owner, orig: "12155551212", dest: ["12125550000"]).get()) == .a)
        sign = SignConfiguration()
        sign.skipDestinationPrefixes = ["1900"]
        #expect((try? AttestationPolicy(sign).decide(originator: Self.owner, orig: "12155551212", dest: ["19005550000"]).get()) == nil)
    }
}
