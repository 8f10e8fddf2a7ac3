import Dispatch
import Logging
import SIPCore
@testable import SIPProxy
import TestSupport

/// A proxy core on a private queue with a manual clock.
final class ProxyHarness {
    let queue = DispatchQueue(label: "test.proxy")
    let sender = CapturingSender()
    let clock = ManualTimerScheduler()
    let core: ProxyCore
    static let caller = SocketAddress(host: "127.0.0.1", port: 5070)!
    static let callee = SocketAddress(host: "127.0.0.1", port: 5080)!

    init(config: ProxyConfiguration? = nil, processors: [RequestProcessor] = []) {
        var cfg = config ?? ProxyConfiguration()
        if config == nil {
            cfg.routes = RouteTable(routes: [StaticRoute(name: "callee", userPrefix: nil, domain: nil,
                                                         nextHop: ProxyHarness.callee, transport: .udp)])
        }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        core = ProxyCore(config: cfg, sender: sender, scheduler: clock, queue: queue, processors: processors, logger: logger)
    }

    func receive(_ text: String, from: SocketAddress = ProxyHarness.caller, transport: TransportProtocol = .udp) {
        let rx = ReceivedMessage(bytes: Array(text.utf8), source: from, local: sender.local, transport: transport, connectionID: nil)
        queue.sync { core.receive(rx) }
    }

    func advance(_ d: Duration) { queue.sync { clock.advance(by: d) } }
    /// Lets work queued with `queue.async` (resumptions) run.
    func flush() { queue.sync {} }
    func take() -> [CapturingSender.Sent] { queue.sync { sender.take() } }
    var transactions: Int { queue.sync { core.activeTransactionCount } }
}

enum Msg {
    static func invite(branch: String = "z9hG4bKc1", callID: String = "call-1", maxForwards: Int? = 70,
                       ruri: String = "sip:+15551230000@127.0.0.1:5060", extra: String = "", method: String = "INVITE") -> String {
        var s = "\(method) \(ruri) SIP/2.0\r\n"
        s += "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=\(branch);rport\r\n"
        if let mf = maxForwards { s += "Max-Forwards: \(mf)\r\n" }
        s += "From: <sip:+15551110000@127.0.0.1>;tag=f1\r\nTo: <sip:+15551230000@127.0.0.1>\r\n"
        s += "Call-ID: \(callID)\r\nCSeq: 1 \(method)\r\nContact: <sip:caller@127.0.0.1:5070>\r\n"
        s += extra
        s += "Content-Length: 0\r\n\r\n"
        return s
    }

    /// A response from the callee to a request the proxy forwarded.
    static func response(to forwarded: SIPMessage, status: Int, reason: String, toTag: String? = "t1") -> String {
        let r = forwarded.makeResponse(status: status, reason: reason, toTag: status > 100 ? toTag : nil)
        return String(decoding: r.serialize(), as: UTF8.self)
    }

    static func cancel(branch: String = "z9hG4bKc1", callID: String = "call-1") -> String {
        "CANCEL sip:+15551230000@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=\(branch);rport\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:+15551110000@127.0.0.1>;tag=f1\r\nTo: <sip:+15551230000@127.0.0.1>\r\n"
            + "Call-ID: \(callID)\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n"
    }
}

/// Suspends every request until the test resumes it.
final class ManualProcessor: RequestProcessor {
    let name = "manual"
    var pending: [ProcessorResumption] = []
    func process(_ request: SIPMessage, context: RequestContext, resumption: ProcessorResumption) -> ProcessorDecision {
        pending.append(resumption)
        return .suspend
    }
}
