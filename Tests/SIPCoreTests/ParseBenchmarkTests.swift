import Dispatch
import Foundation
import Testing
@testable import SIPCore

/// SIPp-style call flow (INVITE/100/180/200/ACK/BYE/200) as seen by a proxy
/// in the middle: requests carry the UAC's and an upstream proxy's Via.
/// Shared by the benchmark and the differential tests.
enum SIPpFlow {
    static let sdp = """
    v=0
    o=user1 53655765 2353687637 IN IP4 10.0.0.1
    s=-
    c=IN IP4 10.0.0.1
    t=0 0
    m=audio 6000 RTP/AVP 0
    a=rtpmap:0 PCMU/8000

    """

    static func withBody(_ head: String, _ body: String) -> [UInt8] {
        let bodyBytes = Array(body.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        return sip(head.replacingOccurrences(of: "#LEN#", with: String(bodyBytes.count))) + bodyBytes
    }

    static let invite = withBody("""
    INVITE sip:service@10.0.0.2:5060 SIP/2.0
    Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKsd1a2b3c4d5e6f7a8b.k3j2h1;rport=5060;received=10.0.0.9
    Via: SIP/2.0/UDP 10.0.0.1:5061;rport=5061;branch=z9hG4bK-4711-1-0
    Max-Forwards: 69
    Record-Route: <sip:10.0.0.9:5060;lr>
    From: sipp <sip:sipp@10.0.0.1:5061>;tag=4711SIPpTag001
    To: service <sip:service@10.0.0.2:5060>
    Call-ID: 1-4711@10.0.0.1
    CSeq: 1 INVITE
    Contact: sip:sipp@10.0.0.1:5061
    Subject: Performance Test
    Content-Type: application/sdp
    Content-Length: #LEN#


    """, sdp)

    static let trying = sip("""
    SIP/2.0 100 Trying
    Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKsd1a2b3c4d5e6f7a8b.k3j2h1;rport=5060;received=10.0.0.9
    Via: SIP/2.0/UDP 10.0.0.1:5061;rport=5061;branch=z9hG4bK-4711-1-0
    From: sipp <sip:sipp@10.0.0.1:5061>;tag=4711SIPpTag001
    To: service <sip:service@10.0.0.2:5060>
    Call-ID: 1-4711@10.0.0.1
    CSeq: 1 INVITE
    Content-Length: 0


    """)

    static let ringing = sip("""
    SIP/2.0 180 Ringing
    Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKsd1a2b3c4d5e6f7a8b.k3j2h1;rport=5060;received=10.0.0.9
    Via: SIP/2.0/UDP 10.0.0.1:5061;rport=5061;branch=z9hG4bK-4711-1-0
    Record-Route: <sip:10.0.0.9:5060;lr>
    From: sipp <sip:sipp@10.0.0.1:5061>;tag=4711SIPpTag001
    To: service <sip:service@10.0.0.2:5060>;tag=4722SIPpTag012
    Call-ID: 1-4711@10.0.0.1
    CSeq: 1 INVITE
    Contact: <sip:10.0.0.2:5060;transport=UDP>
    Content-Length: 0


    """)

    static let ok = withBody("""
    SIP/2.0 200 OK
    Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKsd1a2b3c4d5e6f7a8b.k3j2h1;rport=5060;received=10.0.0.9
    Via: SIP/2.0/UDP 10.0.0.1:5061;rport=5061;branch=z9hG4bK-4711-1-0
    Record-Route: <sip:10.0.0.9:5060;lr>
    From: sipp <sip:sipp@10.0.0.1:5061>;tag=4711SIPpTag001
    To: service <sip:service@10.0.0.2:5060>;tag=4722SIPpTag012
    Call-ID: 1-4711@10.0.0.1
    CSeq: 1 INVITE
    Contact: <sip:10.0.0.2:5060;transport=UDP>
    Content-Type: application/sdp
    Content-Length: #LEN#


    """, sdp.replacingOccurrences(of: "10.0.0.1", with: "10.0.0.2"))

    static let ack = sip("""
    ACK sip:10.0.0.2:5060;transport=UDP SIP/2.0
    Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKsd9f8e7d6c5b4a3f2e.k3j2h2;rport=5060;received=10.0.0.9
    Via: SIP/2.0/UDP 10.0.0.1:5061;rport=5061;branch=z9hG4bK-4711-1-5
    Route: <sip:10.0.0.9:5060;lr>
    Max-Forwards: 69
    From: sipp <sip:sipp@10.0.0.1:5061>;tag=4711SIPpTag001
    To: service <sip:service@10.0.0.2:5060>;tag=4722SIPpTag012
    Call-ID: 1-4711@10.0.0.1
    CSeq: 1 ACK
    Contact: sip:sipp@10.0.0.1:5061
    Subject: Performance Test
    Content-Length: 0


    """)

    static let bye = sip("""
    BYE sip:10.0.0.2:5060;transport=UDP SIP/2.0
    Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKsd0a1b2c3d4e5f6a7b.k3j2h3;rport=5060;received=10.0.0.9
    Via: SIP/2.0/UDP 10.0.0.1:5061;rport=5061;branch=z9hG4bK-4711-1-7
    Route: <sip:10.0.0.9:5060;lr>
    Max-Forwards: 69
    From: sipp <sip:sipp@10.0.0.1:5061>;tag=4711SIPpTag001
    To: service <sip:service@10.0.0.2:5060>;tag=4722SIPpTag012
    Call-ID: 1-4711@10.0.0.1
    CSeq: 2 BYE
    Contact: sip:sipp@10.0.0.1:5061
    Subject: Performance Test
    Content-Length: 0


    """)

    static let byeOK = sip("""
    SIP/2.0 200 OK
    Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKsd0a1b2c3d4e5f6a7b.k3j2h3;rport=5060;received=10.0.0.9
    Via: SIP/2.0/UDP 10.0.0.1:5061;rport=5061;branch=z9hG4bK-4711-1-7
    From: sipp <sip:sipp@10.0.0.1:5061>;tag=4711SIPpTag001
    To: service <sip:service@10.0.0.2:5060>;tag=4722SIPpTag012
    Call-ID: 1-4711@10.0.0.1
    CSeq: 2 BYE
    Contact: <sip:10.0.0.2:5060;transport=UDP>
    Content-Length: 0


    """)

    static let all: [(name: String, bytes: [UInt8])] = [
        ("INVITE", invite), ("100", trying), ("180", ringing), ("200/INVITE", ok),
        ("ACK", ack), ("BYE", bye), ("200/BYE", byeOK),
    ]

    /// What the proxy does with a message on arrival: parse, validate, read
    /// the fields transaction matching and loop detection use. Returns a
    /// checksum so the optimiser cannot drop the work.
    static func process(_ bytes: [UInt8]) -> Int {
        guard let message = try? SIPMessage.parse(bytes) else { return -1 }
        var sum = 0
        if message.isRequest {
            if message.validateRequest() != nil { return -2 }
            sum &+= message.vias.count
            sum &+= message.from?.tag?.utf8.count ?? 0
            sum &+= message.to?.tag?.utf8.count ?? 0
            sum &+= message.callID?.utf8.count ?? 0
            sum &+= Int(message.cseq?.number ?? 0)
        } else {
            if message.validateResponse() != nil { return -3 }
            sum &+= message.topVia?.branch?.utf8.count ?? 0   // what the proxy reads of a response
            sum &+= Int(message.cseq?.number ?? 0)
        }
        return sum
    }
}

/// ns per message for the SIPp flow. Run with
/// `STIRD_BENCH=1 swift test -c release --filter ParseBenchmarkTests`;
/// skipped in the normal test run.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["STIRD_BENCH"] != nil))
struct ParseBenchmarkTests {
    /// The machine may be shared: each kind is timed in several rounds and
    /// the fastest round is reported.
    @Test func parseAndValidateSIPpFlow() {
        let iterations = 20_000
        let rounds = 7
        var total = 0.0
        for (name, bytes) in SIPpFlow.all {
            #expect(SIPpFlow.process(bytes) > 0, "\(name)")
            for _ in 0..<2000 { _ = SIPpFlow.process(bytes) }   // warm up
            var best = Double.infinity
            var checksum = 0
            for _ in 0..<rounds {
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<iterations { checksum &+= SIPpFlow.process(bytes) }
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(iterations))
            }
            total += best
            print("BENCH \(name): \(Int(best)) ns/message (best of \(rounds) x \(iterations), checksum \(checksum))")
        }
        print("BENCH call flow total: \(Int(total)) ns per 7 messages")
    }

    /// ns per Via value parsed (`SIPVia.parse`), for SIPp's and stird's own
    /// Via shapes; each round gives every value a new branch, as calls do.
    @Test func parseVia() {
        let shapes = ["SIP/2.0/UDP 127.0.0.1:28080;branch=z9hG4bK-4711-%d-0",
                      "SIP/2.0/UDP 127.0.0.1:28060;branch=z9hG4bKs7a%dx;rport",
                      "SIP/2.0/UDP [2001:db8::1]:5060;received=2001:db8::1;branch=z9hG4bK%d;rport=5060"]
        let iterations = 20_000
        for shape in shapes {
            let values = (0..<iterations).map { Array(shape.replacingOccurrences(of: "%d", with: String($0)).utf8) }
            var report: [String] = []
            for table in [nil, ViaShapes()] {
                var best = Double.infinity
                var parsed = 0
                for _ in 0..<5 {
                    let start = DispatchTime.now().uptimeNanoseconds
                    for value in values {
                        value.withUnsafeBufferPointer { if SIPVia.parse($0, 0..<$0.count, shapes: table) != nil { parsed += 1 } }
                    }
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(iterations))
                }
                #expect(parsed == 5 * iterations)
                report.append("\(Int(best)) ns " + (table == nil ? "through libosip2" : "with ViaShapes"))
            }
            print("BENCH Via \(shape.prefix(40))...: \(report.joined(separator: ", ")) per value (best of 5 x \(iterations))")
        }
    }
}
