import SIPCore
import Testing
@testable import SIPProxy
import TestSupport

/// RFC 3261 §16.9, §17.1.4: when the transport cannot send a forwarded
/// request, the proxy answers upstream at once as if a 503 had come back,
/// instead of waiting for Timer B (INVITE) or F.
@Suite struct TransportFailureTests {
    @Test(arguments: ["INVITE", "OPTIONS"])
    func undeliveredRequestIsAnswered503(method: String) throws {
        let h = ProxyHarness()
        h.receive(Msg.invite(method: method))
        let forwarded = try #require(h.take().first { $0.to == ProxyHarness.callee })
        h.queue.sync { h.core.transportFailed(forwarded.bytes) }
        let out = h.take()
        #expect(out.map(\.firstLine) == ["SIP/2.0 503 Service Unavailable"])
        #expect(out.first?.to == ProxyHarness.caller)
        h.advance(.seconds(64))
        #expect(h.take().allSatisfy { !$0.firstLine.hasPrefix("SIP/2.0 408") }, "no 408 after the 503")
    }

    /// Only the transaction that sent the bytes is told: an unknown branch,
    /// a response, or an already answered request change nothing.
    @Test func otherUndeliveredMessagesAreIgnored() throws {
        let h = ProxyHarness()
        h.receive(Msg.invite())
        let forwarded = try #require(h.take().first)
        let response = Array(Msg.response(to: try #require(forwarded.message), status: 180, reason: "Ringing").utf8)
        let otherBranch = Array(String(decoding: forwarded.bytes, as: UTF8.self)
            .replacingOccurrences(of: "branch=z9hG4bKsd", with: "branch=z9hG4bKxx").utf8)
        h.queue.sync {
            h.core.transportFailed(response)
            h.core.transportFailed(otherBranch)
        }
        #expect(h.take().isEmpty)
    }
}
