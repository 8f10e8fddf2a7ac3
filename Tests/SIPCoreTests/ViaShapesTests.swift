import Testing
@testable import SIPCore

/// `ViaShapes` answers for libosip2 on Via values of a known shape: a Via
/// parsed with the table must equal the Via parsed without it (or both be
/// rejected), whatever the table learnt before.
@Suite struct ViaShapesTests {
    static func parse(_ text: String, _ shapes: ViaShapes?) -> SIPVia? {
        Array(text.utf8).withUnsafeBufferPointer { SIPVia.parse($0, 0..<$0.count, shapes: shapes) }
    }

    /// Values built from 300 templates (transport, host, port, parameter
    /// names) whose parameter values are drawn per value, tokens with a
    /// fresh number and non-tokens, and a third of them then mutated at
    /// random; each is parsed with a shared table and without one.
    @Test func answersMatchLibosipOnVariedAndMutatedValues() {
        let hosts = ["127.0.0.1", "10.0.0.2", "[2001:db8::1]", "[::1]", "proxy.example.com", "a", "1.2.3.4"]
        let ports = ["", ":5060", ":28080", ":0", ":65535", ":65536", ":x", ":"]
        let transports = ["UDP", "TCP", "TLS", "udp", "SCTP", "WS", "U DP", ""]
        let others = ["z9hG4bK\"q\"", "\"quoted;value\"", "a b", "(c)", "[x]", "a:b", "a/b", "", "a=b", "2001:db8::1"]
        let parameterNames = ["branch", "rport", "received", "ttl", "maddr", "x-ext", "BRANCH"]
        var random = SplitMix64(state: 0x7A5E)
        let templates: [(head: String, names: [String?])] = (0..<300).map { _ in
            let head = "SIP/2.0/" + transports[random.below(transports.count)] + " " + hosts[random.below(hosts.count)]
                + ports[random.below(ports.count)]
            // nil: a flag parameter (no value).
            let names: [String?] = (0..<random.below(4)).map { _ in
                random.below(4) == 0 ? nil : parameterNames[random.below(parameterNames.count)]
            }
            return (head, names)
        }
        let shapes = ViaShapes(slots: 1024)
        var accepted = 0, rejected = 0
        for round in 0..<30_000 {
            let template = templates[random.below(templates.count)]
            var text = template.head
            for name in template.names {
                guard let name else {
                    text += ";rport"
                    continue
                }
                let value = random.below(5) == 0 ? others[random.below(others.count)] : "z9hG4bK-\(round)-\(random.below(1000))"
                text += ";" + name + "=" + value
            }
            if round % 3 == 0 { text = mutateValue(text, &random) }
            let reference = Self.parse(text, nil)
            let answered = Self.parse(text, shapes)
            #expect(answered == reference, "\(text.debugDescription)")
            if reference == nil { rejected += 1 } else { accepted += 1 }
        }
        #expect(accepted > 3_000)
        #expect(rejected > 3_000)
        // The table was consulted and answered, not merely present.
        #expect(shapes.hits > 3_000)
        print("VIA shapes: \(accepted) accepted, \(rejected) rejected, \(shapes.hits) answered from the table")
    }

    /// A new branch on a known shape is answered from the table; a value
    /// whose host or port differs is a new shape.
    @Test func onlyParameterTokensAreOutOfTheShape() {
        let shapes = ViaShapes()
        #expect(Self.parse("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport=5060", shapes)?.host == "10.0.0.1")
        #expect(shapes.hits == 0)
        let second = Self.parse("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK2;rport=6000", shapes)
        #expect(shapes.hits == 1)
        #expect(second?.branch == "z9hG4bK2")
        #expect(second?.rport == .some(6000))
        #expect(Self.parse("SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK3;rport=5060", shapes)?.host == "10.0.0.2")
        #expect(Self.parse("SIP/2.0/UDP 10.0.0.1:5061;branch=z9hG4bK3;rport=5060", shapes)?.port == 5061)
        #expect(Self.parse("SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK3;rport=5060", shapes)?.transport == "TCP")
        #expect(shapes.hits == 1)
    }

    /// A ';' that our parameter split does not see (inside quotes) can come
    /// before the host osip reads, and osip takes a host like "h=b". Only
    /// values after osip's own parameter start are replaced, so "b" stays
    /// in the shape and cannot answer for "c".
    @Test func aHiddenSemicolonBeforeTheHostGivesNoShape() {
        for (first, second) in [("\"S;a\"/2.0/UDP h=b", "\"S;a\"/2.0/UDP h=c"),
                                ("S;x=\"a;/2.0/UDP h=b;z\"", "S;x=\"a;/2.0/UDP h=c;z\""),
                                ("<S;a>/2.0/UDP h=b", "<S;a>/2.0/UDP h=c")] {
            let shapes = ViaShapes()
            #expect(Self.parse(first, shapes) == Self.parse(first, nil))
            #expect(Self.parse(second, shapes) == Self.parse(second, nil), "\(second)")
        }
        // The first two are Vias osip and our checks accept, with host "h=c".
        #expect(Self.parse("\"S;a\"/2.0/UDP h=c", nil)?.host == "h=c")
        #expect(Self.parse("S;x=\"a;/2.0/UDP h=c;z\"", nil)?.host == "h=c")
    }

    /// The parameter start is where osip starts: after the space that ends
    /// the sent-protocol, also when spaces follow the second '/'.
    @Test func parameterStartFollowsOsip() {
        func start(_ text: String) -> Int? {
            Array(text.utf8).withUnsafeBufferPointer { ViaShapes.parameterStart($0, 0..<$0.count) }
        }
        #expect(start("SIP/2.0/UDP h;branch=z") == 13)
        #expect(start("SIP/2.0/UDP h") == 13)
        #expect(start("SIP/2.0/  UDP;a=b h;branch=z") == 19)
        #expect(start("S;a=b/2.0/UDP h;c=d") == 15)
        #expect(start("SIP/2.0/UDP") == nil)
        #expect(start("SIP/2.0 UDP h") == nil)
    }

    /// Values libosip2 or the sent-by check reject are never stored, so
    /// they cannot answer for others. (The table keeps libosip2's answer:
    /// an empty `branch=` passes osip and is stored, and our own parameter
    /// check still rejects the Via.)
    @Test func rejectedValuesAreNotStored() {
        let shapes = ViaShapes()
        #expect(Self.parse("SIP/2.0/UDP ;branch=z9hG4bK1", shapes) == nil)
        #expect(Self.parse("SIP/2.0/UDP 10.0.0.1:99999;branch=z9hG4bK1", shapes) == nil)
        #expect(Self.parse("SIP/2.0/U:DP 10.0.0.1;branch=z9hG4bK1", shapes) == nil)
        #expect(Self.parse("SIP/2.0/UDP 10.0.0.1 (comment;branch=z9hG4bK1", shapes) == nil)
        #expect(shapes.count == 0)
        #expect(Self.parse("SIP/2.0/UDP 10.0.0.1;branch=a", shapes) != nil)
        #expect(shapes.count == 1)
    }

    /// A 16-slot table fed 500 shapes stays at 16 and answers right.
    @Test func theTableStaysBounded() {
        let shapes = ViaShapes(slots: 16)
        for index in 0..<500 {
            let via = Self.parse("SIP/2.0/UDP 10.0.\(index / 250).\(index % 250):5060;branch=z9hG4bK\(index)", shapes)
            #expect(via?.host == "10.0.\(index / 250).\(index % 250)")
        }
        #expect(shapes.count <= 16)
    }
}
