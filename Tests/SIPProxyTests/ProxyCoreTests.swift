import SIPCore
import Testing
@testable import SIPProxy

@Suite("Proxy core (RFC 3261 §16)")
struct ProxyCoreTests {
    @Test func forwardsInviteWithOwnViaRecordRouteAndDecrementedMaxForwards() throws {
        let h = ProxyHarness()
        h.receive(Msg.invite())
        let out = h.take()
        #expect(out.count == 1)
        let fwd = try #require(out.first?.message)
        #expect(out[0].to == ProxyHarness.callee)
        #expect(fwd.method == "INVITE")
        #expect(fwd.maxForwards == 69)
        #expect(fwd.vias.count == 2)
        #expect(fwd.vias[0].host == "127.0.0.1" && fwd.vias[0].port == 5060)
        #expect(fwd.vias[0].branch?.hasPrefix("z9hG4bK") == true)
        #expect(fwd.vias[1].branch == "z9hG4bKc1")
        #expect(fwd.vias[1].rport == .some(5070))
        #expect(fwd.recordRoutes.first?.uri == "sip:127.0.0.1:5060;lr")
    }

    @Test func addsMaxForwardsSeventyWhenMissing() throws {
        let h = ProxyHarness()
        h.receive(Msg.invite(maxForwards: nil))
        let fwd = try #require(h.take().first?.message)
        #expect(fwd.maxForwards == 70)
    }

    @Test func answers483WhenMaxForwardsIsZero() {
        let h = ProxyHarness()
        h.receive(Msg.invite(maxForwards: 0))
        let out = h.take()
        #expect(out.map(\.firstLine) == ["SIP/2.0 483 Too Many Hops"])
        #expect(out[0].to == ProxyHarness.caller)
    }

    /// RFC 3261 §18.2.2 over UDP: without rport a response goes to the
    /// address it came from and the port in the Via sent-by (5060 when
    /// absent); with rport (RFC 3581) to the source port.
    @Test(arguments: [("127.0.0.1:5099;branch=z9hG4bKc1", 5099), ("127.0.0.1;branch=z9hG4bKc1", 5060),
                      ("127.0.0.1:5099;branch=z9hG4bKc1;rport", 40000)])
    func responseGoesToTheViaSentByPortWithoutRport(_ via: String, _ port: Int) throws {
        let h = ProxyHarness()
        let source = try #require(SocketAddress(host: "192.0.2.8", port: 40000))
        let invite = Msg.invite(maxForwards: 0).replacingOccurrences(of: "127.0.0.1:5070;branch=z9hG4bKc1;rport", with: via)
        h.receive(invite, from: source)
        let out = h.take()
        #expect(out.map(\.firstLine) == ["SIP/2.0 483 Too Many Hops"])
        #expect(out.first?.to == SocketAddress(host: "192.0.2.8", port: port))
    }

    @Test func answers416ForUnknownRequestURIScheme() {
        let h = ProxyHarness()
        h.receive(Msg.invite(ruri: "nobodyKnowsThisScheme:opaque", method: "OPTIONS"))
        #expect(h.take().map(\.firstLine) == ["SIP/2.0 416 Unsupported URI Scheme"])
    }

    @Test func answers420ListingUnsupportedProxyRequireTags() throws {
        var cfg = ProxyConfiguration()
        cfg.supportedExtensions = ["known"]
        cfg.routes = RouteTable(routes: [StaticRoute(name: "c", userPrefix: nil, domain: nil, nextHop: ProxyHarness.callee, transport: .udp)])
        let h = ProxyHarness(config: cfg)
        h.receive(Msg.invite(extra: "Proxy-Require: known, foo, bar\r\n"))
        let out = h.take()
        #expect(out.map(\.firstLine) == ["SIP/2.0 420 Bad Extension"])
        #expect(out.first?.message?.headers(named: "Unsupported") == ["foo, bar"])
    }

    @Test func answers400WithReasonForMalformedRequest() {
        let h = ProxyHarness()
        h.receive(Msg.invite().replacingOccurrences(of: "CSeq: 1 INVITE", with: "CSeq: 1 OPTIONS"))
        let out = h.take()
        #expect(out.count == 1)
        #expect(out.first?.firstLine.hasPrefix("SIP/2.0 400 ") == true)
    }

    @Test func detectsLoopWith482ButForwardsSpiral() throws {
        let h = ProxyHarness()
        h.receive(Msg.invite())
        let fwd = try #require(h.take().first?.message)
        // The forwarded request comes back through B unchanged: a loop.
        fwd.prependVia("SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKb1")
        h.receive(String(decoding: fwd.serialize(), as: UTF8.self), from: ProxyHarness.callee)
        #expect(h.take().map(\.firstLine) == ["SIP/2.0 482 Loop Detected"])
        // B retargets it to another user and sends it back: a spiral, forwarded.
        fwd.removeTopVia()
        fwd.prependVia("SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKb2")
        fwd.requestURI = "sip:+15559990000@127.0.0.1:5060"
        h.receive(String(decoding: fwd.serialize(), as: UTF8.self), from: ProxyHarness.callee)
        let spiral = h.take()
        #expect(spiral.count == 1)
        #expect(spiral.first?.message?.method == "INVITE")
        #expect(spiral.first?.message?.vias.count == 4)
    }

    @Test func forwardsA2xxAckStatelesslyButDropsItWhenItLoopsBack() throws {
        let h = ProxyHarness()
        let ack = Msg.invite(branch: "z9hG4bKack1", method: "ACK")
            .replacingOccurrences(of: "To: <sip:+15551230000@127.0.0.1>", with: "To: <sip:+15551230000@127.0.0.1>;tag=t9")
        h.receive(ack)
        let out = h.take()
        #expect(out.count == 1)
        let fwd = try #require(out.first?.message)
        #expect(fwd.method == "ACK" && out[0].to == ProxyHarness.callee)
        // The same ACK comes back through another hop: dropped, not forwarded again.
        fwd.prependVia("SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKother")
        h.receive(String(decoding: fwd.serialize(), as: UTF8.self), from: ProxyHarness.callee)
        #expect(h.take().isEmpty)
    }

    @Test func absorbsRetransmittedInviteAndResendsLastResponse() throws {
        let h = ProxyHarness()
        h.receive(Msg.invite())
        #expect(h.take().count == 1)
        h.receive(Msg.invite())  // retransmission before any response: absorbed
        #expect(h.take().isEmpty)
        h.advance(.milliseconds(200))  // 100 Trying from the transaction layer
        #expect(h.take().map(\.firstLine).contains("SIP/2.0 100 Trying"))
        h.receive(Msg.invite())  // retransmission after 100: 100 resent, not forwarded
        #expect(h.take().map(\.firstLine) == ["SIP/2.0 100 Trying"])
    }

    @Test func routesResponsesUpstreamWithoutOwnViaAndSwallows100() throws {
        let h = ProxyHarness()
        h.receive(Msg.invite())
        let fwd = try #require(h.take().first?.message)
        h.receive(Msg.response(to: fwd, status: 100, reason: "Trying"), from: ProxyHarness.callee)
        #expect(h.take().isEmpty)
        h.receive(Msg.response(to: fwd, status: 180, reason: "Ringing"), from: ProxyHarness.callee)
        let ringing = h.take()
        #expect(ringing.map(\.firstLine) == ["SIP/2.0 180 Ringing"])
        #expect(ringing[0].to == ProxyHarness.caller)
        #expect(ringing[0].message?.vias.count == 1)
        #expect(ringing[0].message?.vias.first?.branch == "z9hG4bKc1")
        h.receive(Msg.response(to: fwd, status: 200, reason: "OK"), from: ProxyHarness.callee)
        #expect(h.take().map(\.firstLine) == ["SIP/2.0 200 OK"])
    }

    /// Only the topmost Via of a response is ours to judge: one the
    /// upstream wrote is returned to it byte for byte, however it looks; a
    /// malformed topmost Via drops the response.
    @Test func judgesOnlyTheTopmostViaOfAResponse() throws {
        let h = ProxyHarness()
        h.receive(Msg.invite())
        let fwd = try #require(h.take().first?.message)
        let ringing = Msg.response(to: fwd, status: 180, reason: "Ringing")
        let upstreamVia = "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKc1;rport=5070\r\n"
        #expect(ringing.contains(upstreamVia))
        let oddVia = "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKc1;rport=5070;;odd=\"open"
        h.receive(ringing.replacingOccurrences(of: upstreamVia, with: oddVia + "\r\n"), from: ProxyHarness.callee)
        let relayed = h.take()
        #expect(relayed.map(\.firstLine) == ["SIP/2.0 180 Ringing"])
        #expect(relayed.first?.text.contains(oddVia + "\r\n") == true)
        #expect(relayed.first?.text.contains("z9hG4bKsd") == false)

        let ok = Msg.response(to: fwd, status: 200, reason: "OK")
        let ourVia = try #require(ok.split(separator: "\r\n").first { $0.hasPrefix("Via:") })
        h.receive(ok.replacingOccurrences(of: String(ourVia), with: "Via: SIP/2.0/UDP ;branch=z9hG4bKx"),
                  from: ProxyHarness.callee)
        #expect(h.take().isEmpty)
        #expect(h.core.stats.droppedResponses == 1)
    }

    @Test func forwardsNon2xxFinalAndAcksItHopByHop() throws {
        let h = ProxyHarness()
        h.receive(Msg.invite())
        let fwd = try #require(h.take().first?.message)
        h.receive(Msg.response(to: fwd, status: 486, reason: "Busy Here"), from: ProxyHarness.callee)
        let out = h.take()
        #expect(Set(out.map(\.firstLine)) == ["SIP/2.0 486 Busy Here", "ACK sip:+15551230000@127.0.0.1:5060 SIP/2.0"])
        let ack = try #require(out.first { $0.firstLine.hasPrefix("ACK") })
        #expect(ack.to == ProxyHarness.callee)
        #expect(ack.message?.vias.first?.branch == fwd.vias.first?.branch)
    }

    @Test func dropsStrayResponses() {
        let h = ProxyHarness()
        let stray = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnope\r\nFrom: <sip:a@b>;tag=1\r\n"
            + "To: <sip:c@d>;tag=2\r\nCall-ID: stray\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        h.receive(stray, from: ProxyHarness.callee)
        #expect(h.take().isEmpty)
        #expect(h.core.stats.strayResponses == 1)
    }

    /// A response whose top Via names stird with a branch of our shape, but
    /// not one stird sealed for the second Via, is not relayed: anyone
    /// could otherwise reflect traffic through stird to any address.
    @Test func dropsAForgedResponseNamingUsAtopAVictimsVia() throws {
        let h = ProxyHarness()
        let forged = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKsd0123456789abcdef.k1.0123456789abcdef\r\n"
            + "Via: SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bKvictim\r\nFrom: <sip:a@b>;tag=1\r\n"
            + "To: <sip:c@d>;tag=2\r\nCall-ID: reflect\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        h.receive(forged, from: ProxyHarness.callee)
        #expect(h.take().isEmpty)
        #expect(h.core.stats.strayResponses == 1)
    }

    /// A branch stird sealed for one upstream Via does not open for
    /// another: a response seen once cannot be replayed at a victim.
    @Test func aSealedBranchOpensOnlyForItsUpstreamVia() throws {
        let h = ProxyHarness()
        h.receive(Msg.invite(method: "OPTIONS"))
        let fwd = try #require(h.take().first?.message)
        let ours = try #require(fwd.vias.first?.branch)
        // The callee answers after the transaction ended (Timer K gone):
        // the response matches nothing and is relayed by its second Via.
        h.advance(.seconds(40))
        _ = h.take()
        h.receive(Msg.response(to: fwd, status: 200, reason: "OK"), from: ProxyHarness.callee)
        let relayed = h.take()
        #expect(relayed.count == 1)
        #expect(relayed.first?.to == ProxyHarness.caller)
        // The same branch over another second Via is dropped.
        let replay = Msg.response(to: fwd, status: 200, reason: "OK")
            .replacingOccurrences(of: "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKc1;rport=5070", with: "SIP/2.0/UDP 192.0.2.99:5070;branch=z9hG4bKc1;rport=5070")
        #expect(replay.contains("192.0.2.99") && replay.contains(ours))
        h.receive(replay, from: ProxyHarness.callee)
        #expect(h.take().isEmpty)
    }

    @Test func timeoutOfSilentCalleeGives408() throws {
        let h = ProxyHarness()
        h.receive(Msg.invite())
        _ = h.take()
        h.advance(.seconds(33))  // Timer B = 64*T1 = 32 s
        let out = h.take().map(\.firstLine)
        #expect(out.contains("SIP/2.0 408 Request Timeout"))
        #expect(out.filter { $0.hasPrefix("INVITE") }.count >= 5)  // Timer A retransmissions
    }

    @Test func nonInviteTimeoutSendsNo408Upstream() throws {
        let h = ProxyHarness()
        h.receive(Msg.invite(method: "OPTIONS"))
        #expect(h.take().first?.message?.method == "OPTIONS")
        h.advance(.seconds(33))  // Timer F = 64*T1
        let out = h.take().map(\.firstLine)
        #expect(!out.contains { $0.hasPrefix("SIP/2.0 408") })  // RFC 4320 §4.2
        #expect(out.filter { $0.hasPrefix("OPTIONS") }.count >= 5)  // Timer E retransmissions
    }

    @Test func cancelAfterProvisionalIsForwardedAnd487ReachesCaller() throws {
        let h = ProxyHarness()
        h.receive(Msg.invite())
        let fwd = try #require(h.take().first?.message)
        h.receive(Msg.response(to: fwd, status: 180, reason: "Ringing"), from: ProxyHarness.callee)
        _ = h.take()
        h.receive(Msg.cancel())
        let out = h.take()
        #expect(out.contains { $0.firstLine == "SIP/2.0 200 OK" && $0.to == ProxyHarness.caller })
        let cancel = try #require(out.first { $0.firstLine.hasPrefix("CANCEL") }?.message)
        #expect(cancel.vias.count == 1)
        #expect(cancel.vias.first?.branch == fwd.vias.first?.branch)
        h.receive(Msg.response(to: fwd, status: 487, reason: "Request Terminated"), from: ProxyHarness.callee)
        #expect(h.take().contains { $0.firstLine == "SIP/2.0 487 Request Terminated" && $0.to == ProxyHarness.caller })
    }

    @Test func cancelBeforeProvisionalWaitsForIt() throws {
        let h = ProxyHarness()
        h.receive(Msg.invite())
        let fwd = try #require(h.take().first?.message)
        h.receive(Msg.cancel())
        #expect(!h.take().contains { $0.firstLine.hasPrefix("CANCEL") })  // RFC 3261 §9.1
        h.receive(Msg.response(to: fwd, status: 180, reason: "Ringing"), from: ProxyHarness.callee)
        #expect(h.take().contains { $0.firstLine.hasPrefix("CANCEL") })
    }

    @Test func suspendedRequestIsForwardedWhenResumed() throws {
        let p = ManualProcessor()
        let h = ProxyHarness(processors: [p])
        h.receive(Msg.invite())
        #expect(h.take().isEmpty)
        #expect(p.pending.count == 1)
        p.pending[0].resume { request in
            request.addHeader(name: "X-Checked", value: "yes")
            return .proceed
        }
        h.flush()
        let fwd = try #require(h.take().first?.message)
        #expect(fwd.headers(named: "X-Checked") == ["yes"])
        // A second resume is ignored.
        p.pending[0].resume { _ in .respond(SIPStatus(403, reason: "No"), headers: []) }
        h.flush()
        #expect(h.take().isEmpty)
    }

    @Test func suspendedRequestCanBeAnsweredByProcessor() {
        let p = ManualProcessor()
        let h = ProxyHarness(processors: [p])
        h.receive(Msg.invite())
        p.pending[0].resume { _ in .respond(SIPStatus(438, reason: "Invalid Identity Header"), headers: [("Reason", "SIP;cause=438")]) }
        h.flush()
        let out = h.take()
        #expect(out.map(\.firstLine) == ["SIP/2.0 438 Invalid Identity Header"])
        #expect(out.first?.message?.headers(named: "Reason") == ["SIP;cause=438"])
    }

    @Test func notedHeadersGoOnTheNextUpstreamResponseOnly() throws {
        final class Noter: RequestProcessor {
            let name = "noter"
            func process(_ request: SIPMessage, context: RequestContext, resumption: ProcessorResumption) -> ProcessorDecision {
                context.notes.upstreamResponseHeaders.append((name: "Reason", value: "SIP;cause=438;text=\"Invalid Identity Header\""))
                return .proceed
            }
        }
        let h = ProxyHarness(processors: [Noter()])
        h.receive(Msg.invite())
        let fwd = try #require(h.take().first?.message)
        #expect(fwd.headers(named: "Reason").isEmpty)
        h.receive(Msg.response(to: fwd, status: 100, reason: "Trying"), from: ProxyHarness.callee)
        h.receive(Msg.response(to: fwd, status: 180, reason: "Ringing"), from: ProxyHarness.callee)
        let ringing = try #require(h.take().first { $0.firstLine.hasPrefix("SIP/2.0 180") }?.message)
        #expect(ringing.headers(named: "Reason") == ["SIP;cause=438;text=\"Invalid Identity Header\""])
        h.receive(Msg.response(to: fwd, status: 200, reason: "OK"), from: ProxyHarness.callee)
        let ok = try #require(h.take().first { $0.firstLine.hasPrefix("SIP/2.0 200") }?.message)
        #expect(ok.headers(named: "Reason").isEmpty)
    }

    @Test func suspendedRequestTimesOutWith500() {
        let p = ManualProcessor()
        var cfg = ProxyConfiguration()
        cfg.processorTimeout = .seconds(2)
        cfg.autoTrying = nil
        let h = ProxyHarness(config: cfg, processors: [p])
        h.receive(Msg.invite())
        h.advance(.seconds(3))
        #expect(h.take().map(\.firstLine).first?.hasPrefix("SIP/2.0 500 ") == true)
        p.pending[0].resume { _ in .proceed }  // too late: ignored
        h.flush()
        #expect(h.take().isEmpty)
    }

    @Test func cancelWhileSuspendedAnswers487WithoutForwarding() {
        let p = ManualProcessor()
        let h = ProxyHarness(processors: [p])
        h.receive(Msg.invite())
        h.receive(Msg.cancel())
        let lines = h.take().map(\.firstLine)
        #expect(lines.contains("SIP/2.0 200 OK"))
        #expect(lines.contains("SIP/2.0 487 Request Terminated"))
        p.pending[0].resume { _ in .proceed }
        h.flush()
        #expect(!h.take().contains { $0.firstLine.hasPrefix("INVITE") })
    }

    @Test func drainingRefusesNewRequestsWith503() {
        let h = ProxyHarness()
        h.queue.sync { h.core.beginDrain() }
        h.receive(Msg.invite())
        let out = h.take()
        #expect(out.map(\.firstLine) == ["SIP/2.0 503 Service Unavailable"])
        #expect(out.first?.message?.headers(named: "Retry-After") == ["5"])
    }

    /// A BYE (or re-INVITE) carries the To tag of a dialog that exists:
    /// it is routed while draining, or the far end never learns the call ended.
    @Test(arguments: ["BYE", "INVITE", "INFO"])
    func drainingStillRoutesInDialogRequests(_ method: String) throws {
        let h = ProxyHarness()
        h.queue.sync { h.core.beginDrain() }
        let request = Msg.invite(branch: "z9hG4bKd1", method: method)
            .replacingOccurrences(of: "To: <sip:+15551230000@127.0.0.1>", with: "To: <sip:+15551230000@127.0.0.1>;tag=t9")
        h.receive(request)
        let out = h.take()
        #expect(out.count == 1)
        #expect(out.first?.firstLine.hasPrefix("\(method) ") == true)
        #expect(out.first?.to == ProxyHarness.callee)
    }

    /// RFC 3261 §25.1 allows no NUL in a header section: a request with
    /// one is refused, not forwarded with the byte in it; a response with
    /// one is dropped.
    @Test func refusesANulByteInAHeaderValueWith400() throws {
        let h = ProxyHarness()
        h.receive(Msg.invite(extra: "Subject: a\u{0}b\r\n"))
        let out = h.take()
        #expect(out.map(\.firstLine) == ["SIP/2.0 400 NUL Byte In Header"])
        #expect(out.first?.to == ProxyHarness.caller)
        // A NUL in the body is the body's business.
        h.receive(Msg.invite(branch: "z9hG4bKbody", callID: "call-body").replacingOccurrences(
            of: "Content-Length: 0\r\n\r\n", with: "Content-Length: 3\r\n\r\na\u{0}b"))
        let body = h.take()
        #expect(body.count == 1 && body.first?.firstLine.hasPrefix("INVITE ") == true)
        let fwd = try #require(body.first?.message)
        let response = Msg.response(to: fwd, status: 200, reason: "OK").replacingOccurrences(of: "OK\r\n", with: "OK\r\nX-Bad: \u{0}\r\n")
        h.receive(response, from: ProxyHarness.callee)
        #expect(!h.take().contains { $0.firstLine.hasPrefix("SIP/2.0 200") })
    }

    @Test func noRouteGives404() {
        let h = ProxyHarness(config: ProxyConfiguration())
        h.receive(Msg.invite())
        #expect(h.take().map(\.firstLine) == ["SIP/2.0 404 Not Found"])
    }

    @Test func transactionsEndAfterTheirTimers() throws {
        let h = ProxyHarness()
        h.receive(Msg.invite())
        let fwd = try #require(h.take().first?.message)
        h.receive(Msg.response(to: fwd, status: 486, reason: "Busy Here"), from: ProxyHarness.callee)
        #expect(h.transactions == 2)
        h.advance(.seconds(40))  // Timer D and H
        #expect(h.transactions == 0)
    }
}

@Suite("Proxy Timer C (RFC 3261 §16.8)")
struct ProxyTimerCTests {
    @Test func timerCCancelsABranchThatOnlyRang() throws {
        var cfg = ProxyConfiguration()
        cfg.timers = TransactionTimers(timerC: .seconds(60))
        cfg.routes = RouteTable(routes: [StaticRoute(name: "c", userPrefix: nil, domain: nil, nextHop: ProxyHarness.callee, transport: .udp)])
        let h = ProxyHarness(config: cfg)
        h.receive(Msg.invite())
        let fwd = try #require(h.take().first?.message)
        h.receive(Msg.response(to: fwd, status: 180, reason: "Ringing"), from: ProxyHarness.callee)
        _ = h.take()
        h.advance(.seconds(59))
        #expect(!h.take().contains { $0.firstLine.hasPrefix("CANCEL") })
        h.advance(.seconds(2))
        let cancel = try #require(h.take().first { $0.firstLine.hasPrefix("CANCEL") })
        #expect(cancel.to == ProxyHarness.callee)
        h.receive(Msg.response(to: fwd, status: 487, reason: "Request Terminated"), from: ProxyHarness.callee)
        #expect(h.take().contains { $0.firstLine == "SIP/2.0 487 Request Terminated" && $0.to == ProxyHarness.caller })
    }

    @Test func provisionalResponsesRestartTimerC() throws {
        var cfg = ProxyConfiguration()
        cfg.timers = TransactionTimers(timerC: .seconds(60))
        cfg.routes = RouteTable(routes: [StaticRoute(name: "c", userPrefix: nil, domain: nil, nextHop: ProxyHarness.callee, transport: .udp)])
        let h = ProxyHarness(config: cfg)
        h.receive(Msg.invite())
        let fwd = try #require(h.take().first?.message)
        h.receive(Msg.response(to: fwd, status: 180, reason: "Ringing"), from: ProxyHarness.callee)
        h.advance(.seconds(50))
        h.receive(Msg.response(to: fwd, status: 183, reason: "Session Progress"), from: ProxyHarness.callee)
        _ = h.take()
        h.advance(.seconds(50))  // 100 s after the INVITE, 50 s after the last 1xx
        #expect(!h.take().contains { $0.firstLine.hasPrefix("CANCEL") })
        h.advance(.seconds(11))
        #expect(h.take().contains { $0.firstLine.hasPrefix("CANCEL") })
    }
}
