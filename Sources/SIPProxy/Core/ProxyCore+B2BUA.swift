import SIPCore

/// The back-to-back user agent (RFC 3261 §6, RFC 7092): for an INVITE a
/// `b2bua` route carries, stird is the UAS of leg A and the UAC of a new
/// dialog on leg B, driven by the same transaction machines as the proxy.
/// Each leg's requests are built here from its own dialog state (§12.2.1.1);
/// only the body and the configured header fields cross.
extension ProxyCore {
    /// The user part of the Contact stird puts on both legs: in-dialog
    /// requests aimed at it that match no dialog get 481 (§12.2.2).
    static let b2buaContactUser = "b2bua"

    /// This loop's share of `max_dialogs` (calls stay on their loop).
    var dialogLimit: Int {
        let loops = max(1, loopCount)
        return max(1, (config.b2bua.maxDialogs + loops - 1) / loops)
    }

    static func dialogKey(_ callID: String, _ localTag: String) -> String { callID + "|" + localTag }

    // MARK: initial INVITE

    /// The static route of an initial INVITE that a `b2bua` route carries.
    func b2buaRoute(for ctx: ServerContext, _ request: SIPMessage) -> StaticRoute? {
        guard ctx.method == "INVITE", request.toTag == nil else { return nil }
        for r in request.routes {
            guard let uri = r.parsedURI, isLocal(host: uri.host, port: uri.port ?? Self.defaultPort(uri)) else { return nil }
        }
        let ruri = request.parsedRequestURI
        guard let route = config.routes.lookup(user: ruri?.user, host: ruri?.host), route.mode == .b2bua else { return nil }
        return route
    }

    /// RFC 7332 §3 and its own check: an INVITE carrying one of our leg-B
    /// Call-IDs and From tags with the Request-URI we sent is our own
    /// INVITE come back, a loop (482), not a spiral.
    func b2buaLooped(_ request: SIPMessage) -> Bool {
        guard let callID = request.callID, let tag = request.fromTag, let d = dialogs[Self.dialogKey(callID, tag)] else {
            return false
        }
        return d.b.callID == callID && d.b.localTag == tag
    }

    func startB2BUA(_ ctx: ServerContext, route: StaticRoute) {
        guard let request = ctx.request else { return }
        if dialogCount >= dialogLimit {
            stats.dialogsRefused += 1
            decision(ctx.callID, "INVITE", "503: max_dialogs reached")
            respond(ctx, SIPStatus(503).detailed("too many dialogs"), headers: [("Retry-After", "5")])
            return
        }
        guard let from = request.from, let to = request.to, let fromTag = request.fromTag,
              let contact = request.contacts.first, let cseq = request.cseq, let ruri = request.requestURI else {
            respond(ctx, SIPStatus(400).detailed("INVITE without Contact"))
            return
        }
        let hop = NextHop(host: route.nextHop.host, port: route.nextHop.port, transport: route.transport,
                          transportFixed: route.transportFixed, serverName: route.tlsServerName)
        guard let local = sender.localAddress(transport: hop.transport, family: route.nextHop.family) else {
            respond(ctx, SIPStatus(503).detailed("no transport"))
            return
        }
        let a = DialogLeg(callID: ctx.callID, localTag: ctx.toTag, remoteTag: fromTag, local: DialogLeg.untagged(to),
                          remote: DialogLeg.untagged(from), remoteTarget: contact.uri,
                          routeSet: request.recordRoutes.map(\.description), localCSeq: 0, remoteCSeq: cseq.number)
        var b = DialogLeg(callID: B2BUACallID.make(loop: loopIndex, of: loopCount), localTag: makeTag(), remoteTag: nil,
                          local: DialogLeg.untagged(from), remote: DialogLeg.untagged(to), remoteTarget: ruri,
                          routeSet: [], localCSeq: 1, remoteCSeq: nil)
        b.inviteCSeq = 1
        let d = DialogContext(a: a, b: b, bHop: hop, aUpstream: ctx.upstream)
        // RFC 7332 §3: a B2BUA passes Max-Forwards on, decremented.
        let maxForwards = request.maxForwards.map { $0 - 1 } ?? config.defaultMaxForwards
        let branch = b2buaBranch()
        guard let invite = legRequest("INVITE", leg: b, cseq: 1, requestURI: ruri, local: local, transport: hop.transport,
                                      branch: branch, maxForwards: maxForwards, source: request, contact: true) else {
            respond(ctx, SIPStatus(500).detailed("leg B request not buildable"))
            return
        }
        let bytes = invite.serialize()
        // RFC 3261 §18.1.1: leg B's INVITE must fit a UDP datagram (stird
        // does not switch a B2BUA leg to TCP).
        if hop.transport == .udp, bytes.count > udpLimit(route.nextHop.family) {
            decision(ctx.callID, "INVITE", "513: leg B INVITE of \(bytes.count) bytes too large for UDP")
            respond(ctx, SIPStatus(513))
            return
        }
        let machine = ClientContext.Machine.invite(InviteClientTransaction(reliable: hop.transport.isReliable, timers: config.timers))
        let client = ClientContext(branch: branch, method: "INVITE", machine: machine, request: invite, bytes: bytes,
                                   destination: route.nextHop, transport: hop.transport, server: ctx)
        client.serverName = hop.serverName
        client.dialog = d
        client.initialB2BUAInvite = true
        clients[client.key] = client
        ctx.client = client
        ctx.phase = .forwarded
        ctx.dialog = d
        d.inviteServer = ctx
        d.inviteClient = client
        dialogs[Self.dialogKey(a.callID, a.localTag)] = d
        dialogs[Self.dialogKey(b.callID, b.localTag)] = d
        dialogCount += 1
        stats.dialogsCreated += 1
        stats.dialogsActive = dialogCount
        d.lifetimeTimer = scheduler.schedule(after: config.b2bua.maxDialogDuration) { [weak self, d] in
            d.lifetimeTimer = nil
            self?.dialogExpired(d)
        }
        stats.requestsForwarded += 1
        decision(ctx.callID, "INVITE", "b2bua: leg B \(b.callID) to \(route.nextHop)")
        startClient(client)
        armTimerC(client)
    }

    // MARK: responses from the far side of a leg

    /// A response to a request stird sent on one leg, passed up by its
    /// client transaction: relayed as a response of stird's own on the
    /// other leg's server transaction.
    func b2buaResponse(_ client: ClientContext, _ d: DialogContext, _ response: SIPMessage, status: Int) {
        let toB = d.b.callID == response.callID
        if client.method == "INVITE", client.initialB2BUAInvite {
            initialInviteResponse(client, d, response, status: status)
            return
        }
        if client.method == "INVITE", status >= 200 {
            _ = d.dialog.handle(.reinviteEnded)
            if status < 300, let target = response.contacts.first?.uri {  // §12.2.1.2: target refresh
                if toB { d.b.remoteTarget = target } else { d.a.remoteTarget = target }
            }
        }
        guard let server = client.server, servers[server.key] === server, server.finalStatusSent == nil else { return }
        relay(response, status: status, to: server, contact: status < 300 && (client.method == "INVITE" || client.method == "UPDATE"),
              toTag: nil, d, serverOnA: toB)
    }

    private func initialInviteResponse(_ client: ClientContext, _ d: DialogContext, _ response: SIPMessage, status: Int) {
        if (200..<300).contains(status), d.dialog.state != .early {
            if d.isConfirmed, response.toTag == d.b.remoteTag {
                // The 2xx again: the same ACK again (§13.2.2.4).
                if let ack = d.ackB, let hop = legHop(d.b, isB: true), let address = SocketAddress(host: hop.host, port: hop.port) {
                    sender.send(ack, to: address, transport: hop.transport, connectionID: nil, serverName: hop.serverName)
                }
                return
            }
            // Leg A is gone (CANCEL, Timer C), or a second fork answered
            // after the first: that dialog on leg B is ACKed and ended with
            // a BYE (§13.2.2.4, §15).
            endStrayDialog(d, response)
            return
        }
        if case .terminated = d.dialog.state { return }
        guard let server = client.server, servers[server.key] === server, server.finalStatusSent == nil else { return }
        var aTag = server.toTag
        if status < 300, response.toTag != nil {
            adoptRemote(d, response, final: status >= 200)
            aTag = fork(d, response).aTag
            if status >= 200 { pickFork(d, aTag: aTag) }
        }
        if status >= 200 {
            d.inviteClient = nil
            if status < 300 { _ = d.dialog.handle(.answered) }
        }
        // No answer: Timer C CANCELled leg B, leg A hears 408 (§16.8).
        if status == 487, !server.cancelled {
            respond(server, SIPStatus(408))
            return
        }
        relay(response, status: status, to: server, contact: status < 300, toTag: aTag, d, serverOnA: true)
    }

    /// The early dialog a provisional or 2xx on leg B belongs to, made on
    /// its first response: the first fork keeps leg A's To tag, each later
    /// one gets a new one, found in the table like it (§12.1.2).
    private func fork(_ d: DialogContext, _ response: SIPMessage) -> EarlyFork {
        let tag = response.toTag ?? ""
        let target = response.contacts.first?.uri
        let routes = response.recordRoutes.reversed().map(\.description)
        if let i = d.forks.firstIndex(where: { $0.bTag == tag }) {
            if let target { d.forks[i].remoteTarget = target }
            if !routes.isEmpty { d.forks[i].routeSet = routes }
            return d.forks[i]
        }
        let aTag = d.forks.isEmpty ? d.a.localTag : makeTag()
        let fork = EarlyFork(bTag: tag, aTag: aTag, remoteTarget: target ?? d.b.remoteTarget, routeSet: routes)
        d.forks.append(fork)
        dialogs[Self.dialogKey(d.a.callID, aTag)] = d
        return fork
    }

    /// A 2xx chose the fork leg A's To tag `aTag` stands for: it becomes
    /// the call's leg A tag, the other early dialogs leave the table.
    private func pickFork(_ d: DialogContext, aTag: String) {
        for f in d.forks where f.aTag != aTag {
            let key = Self.dialogKey(d.a.callID, f.aTag)
            if dialogs[key] === d { dialogs[key] = nil }
        }
        d.a.localTag = aTag
        d.forks = []
    }

    /// Leg A and leg B as one early fork sees them: leg A with the fork's
    /// To tag, leg B with its remote tag, target and route set.
    private func forkLegs(_ d: DialogContext, _ fork: EarlyFork) -> (a: DialogLeg, b: DialogLeg) {
        var a = d.a
        a.localTag = fork.aTag
        var b = d.b
        b.remoteTag = fork.bTag
        b.remoteTarget = fork.remoteTarget
        b.routeSet = fork.routeSet
        return (a, b)
    }

    /// ACK and BYE for a dialog a 2xx made on leg B that leg A will not
    /// have: built from leg B with that response's tag, Contact and
    /// Record-Route (§12.1.2).
    func endStrayDialog(_ d: DialogContext, _ response: SIPMessage) {
        guard let tag = response.toTag else { return }
        var stray = d.b
        stray.remoteTag = tag
        if let target = response.contacts.first?.uri { stray.remoteTarget = target }
        stray.routeSet = response.recordRoutes.reversed().map(\.description)
        sendAck(on: true, d, body: [], source: nil, leg: stray)
        sendOnLeg(toB: true, d, method: "BYE", source: nil, server: nil, maxForwards: config.defaultMaxForwards, leg: stray)
    }

    /// Leg B's far end as a response shows it (§12.1.2); a 2xx decides.
    private func adoptRemote(_ d: DialogContext, _ response: SIPMessage, final: Bool) {
        guard let tag = response.toTag else { return }
        if d.b.remoteTag == nil || final { d.b.remoteTag = tag }
        guard d.b.remoteTag == tag else { return }
        if let target = response.contacts.first?.uri { d.b.remoteTarget = target }
        d.b.routeSet = response.recordRoutes.reversed().map(\.description)
    }

    /// Builds stird's response on `server` from the request it received,
    /// with the status, body and passed header fields of `response`.
    private func relay(_ response: SIPMessage, status: Int, to server: ServerContext, contact: Bool, toTag: String?,
                       _ d: DialogContext, serverOnA: Bool) {
        guard let original = server.originalRequest() else { return }
        if server.upstream.viaReceived != nil || server.upstream.viaRport != nil {
            original.setTopViaReceived(server.upstream.viaReceived, rport: server.upstream.viaRport)
        }
        let out = original.makeResponse(status: status, reason: response.reasonPhrase ?? "", toTag: toTag)
        if contact { out.addHeader(name: "Contact", value: contactValue(server.upstream.local, server.upstream.transport)) }
        // RFC 3262 §3: a reliable provisional keeps its RSeq end to end;
        // leg B's numbering serves leg A, whose one early dialog it maps to.
        if status < 200, let rseq = response.headers(named: "RSeq").first { out.addHeader(name: "RSeq", value: rseq) }
        for (name, value) in passedHeaders(response) { out.addHeader(name: name, value: value) }
        out.body = response.body
        stats.responsesForwarded += 1
        let bytes = out.serialize()
        sendOnServer(server, bytes, status: status)
        if server.method == "INVITE", (200..<300).contains(status), !server.upstream.transport.isReliable {
            retransmit2xx(d, side: serverOnA ? 0 : 1, Unacknowledged2xx(bytes: bytes, upstream: server.upstream, t1: config.timers.t1))
        }
    }

    /// §13.3.1.4: resend the 2xx at T1, 2*T1, … (at most T2 apart) until
    /// its ACK; after 64*T1 without one the call is ended on both legs.
    private func retransmit2xx(_ d: DialogContext, side: Int, _ pending: Unacknowledged2xx) {
        var p = pending
        if let t = d.unacked[side]?.timer { scheduler.cancel(t) }
        p.timer = scheduler.schedule(after: p.interval) { [weak self, d] in
            guard let self, var p = d.unacked[side] else { return }
            p.elapsed += p.interval
            if p.elapsed >= self.config.timers.t1 * 64 {
                d.unacked[side] = nil
                guard case .ended = self.dialogEvent(d, .unacknowledged) else { return }
                self.sendBye(on: true, d)
                self.sendBye(on: false, d)
                return
            }
            let u = p.upstream
            self.sender.send(p.bytes, to: u.responseAddress, transport: u.transport, connectionID: u.connectionID)
            p.interval = min(p.interval * 2, self.config.timers.t2)
            self.retransmit2xx(d, side: side, p)
        }
        d.unacked[side] = p
    }

    /// A 2xx retransmitted by leg B after its INVITE client transaction
    /// finished gets the same ACK again (§13.2.2.4).
    func b2buaRetransmitted2xx(_ response: SIPMessage) -> Bool {
        guard let callID = response.callID, let tag = response.fromTag, let d = dialogs[Self.dialogKey(callID, tag)],
              d.b.callID == callID else { return false }
        if response.toTag != d.b.remoteTag {
            // Another fork's 2xx (§13.2.2.4): ACK it and end that dialog.
            endStrayDialog(d, response)
            return true
        }
        guard let ack = d.ackB, let hop = legHop(d.b, isB: true),
              let address = SocketAddress(host: hop.host, port: hop.port) else { return false }
        sender.send(ack, to: address, transport: hop.transport, connectionID: nil, serverName: hop.serverName)
        stats.retransmissionsAbsorbed += 1
        return true
    }

    // MARK: requests inside a dialog

    /// An in-dialog request (To tag) on either leg. Returns false when it
    /// belongs to no B2BUA call and is not aimed at stird's B2BUA Contact,
    /// so the proxy routes it.
    func b2buaInDialog(_ ctx: ServerContext, _ request: SIPMessage) -> Bool {
        guard let toTag = request.toTag else { return false }
        guard let d = dialogs[Self.dialogKey(ctx.callID, toTag)] else {
            guard targetsB2BUA(request) else { return false }
            decision(ctx.callID, ctx.method, "481: no such dialog")
            respond(ctx, SIPStatus(481))
            return true
        }
        let fromA = d.a.callID == ctx.callID && (d.a.localTag == toTag || d.forks.contains { $0.aTag == toTag })
        // Early and forked (§12.1.2): the fork this request is in.
        let early = d.forks.count > 1 ? d.forks.first { fromA ? $0.aTag == toTag : $0.bTag == request.fromTag } : nil
        let remoteTag = fromA ? d.a.remoteTag : (early?.bTag ?? d.b.remoteTag)
        guard request.fromTag == remoteTag else {
            respond(ctx, SIPStatus(481))
            return true
        }
        if let mf = request.maxForwards, mf <= 0 {
            respond(ctx, SIPStatus(483))
            return true
        }
        // §12.2.2: a lower CSeq than the last one is out of order.
        if let n = request.cseq?.number {
            let last = fromA ? d.a.remoteCSeq : d.b.remoteCSeq
            if let last, n < last, ctx.method != "CANCEL" {
                respond(ctx, SIPStatus(500).detailed("CSeq out of order"))
                return true
            }
            if fromA { d.a.remoteCSeq = n } else { d.b.remoteCSeq = n }
        }
        switch ctx.method {
        case "BYE":
            // §15.1.2: the BYE ends the dialog here; stird answers it and
            // ends the other leg with a BYE of its own. A caller's BYE in
            // an early dialog (§15) ends its unanswered INVITE: 487 on leg
            // A, CANCEL on leg B, as a CANCEL would.
            respond(ctx, SIPStatus(200))
            if fromA, !d.isConfirmed, let invite = d.inviteServer, invite.finalStatusSent == nil {
                cancelInvite(invite)
                return true
            }
            guard case .ended = dialogEvent(d, .bye(fromCaller: fromA)) else { return true }
            sendBye(on: fromA, d, source: request)
            return true
        case "INVITE":
            // §14.1/§14.2: one INVITE at a time per dialog; the other gets 491.
            if dialogEvent(d, .reinviteStarted) == .glare {
                respond(ctx, SIPStatus(491))
                return true
            }
            if fromA, let target = request.contacts.first?.uri { d.a.remoteTarget = target }
            if !fromA, let target = request.contacts.first?.uri { d.b.remoteTarget = target }
        default:
            if ctx.method == "UPDATE", let target = request.contacts.first?.uri {
                if fromA { d.a.remoteTarget = target } else { d.b.remoteTarget = target }
            }
        }
        let maxForwards = request.maxForwards.map { $0 - 1 } ?? config.defaultMaxForwards
        let legs = early.map { forkLegs(d, $0) }
        sendOnLeg(toB: fromA, d, method: ctx.method, source: request, server: ctx, maxForwards: maxForwards,
                  leg: fromA ? legs?.b : legs?.a)
        return true
    }

    /// An ACK for a 2xx on either leg (§13.2.2.4): stird ACKs the 2xx of
    /// the other leg, with the body (an SDP answer may ride on it).
    func b2buaAck(_ request: SIPMessage) -> Bool {
        guard let callID = request.callID, let toTag = request.toTag, let d = dialogs[Self.dialogKey(callID, toTag)] else {
            return false
        }
        let fromA = d.a.callID == callID && d.a.localTag == toTag
        guard request.fromTag == (fromA ? d.a.remoteTag : d.b.remoteTag) else { return true }
        if let pending = d.unacked[fromA ? 0 : 1] {
            if let t = pending.timer { scheduler.cancel(t) }
            d.unacked[fromA ? 0 : 1] = nil
        }
        sendAck(on: fromA, d, body: request.body, source: request)
        return true
    }

    private func targetsB2BUA(_ request: SIPMessage) -> Bool {
        guard let uri = request.parsedRequestURI, uri.user == Self.b2buaContactUser else { return false }
        return isLocal(host: uri.host, port: uri.port ?? Self.defaultPort(uri))
    }

    // MARK: ending

    /// Feeds the dialog value; an end clears the call from the table.
    @discardableResult
    func dialogEvent(_ d: DialogContext, _ event: B2BUADialog.Event) -> B2BUADialog.Outcome {
        let outcome = d.dialog.handle(event)
        if case let .ended(cause) = outcome {
            let keys = [Self.dialogKey(d.a.callID, d.a.localTag), Self.dialogKey(d.b.callID, d.b.localTag)]
                + d.forks.map { Self.dialogKey(d.a.callID, $0.aTag) }
            for key in keys where dialogs[key] === d {
                dialogs[key] = nil
            }
            dialogCount -= 1
            stats.dialogsActive = dialogCount
            stats.dialogsEnded[cause, default: 0] += 1
            if let t = d.lifetimeTimer { scheduler.cancel(t) }
            d.lifetimeTimer = nil
            for case let p? in d.unacked { if let t = p.timer { scheduler.cancel(t) } }
            d.unacked = [nil, nil]
            d.inviteServer?.dialog = nil
            d.inviteServer = nil
            d.inviteClient = nil
            decision(d.a.callID, "-", "b2bua: dialog ended, \(cause.rawValue)")
        }
        return outcome
    }

    /// Leg A's INVITE got a final response (ours or relayed).
    func b2buaInviteAnswered(_ ctx: ServerContext, _ d: DialogContext, status: Int) {
        ctx.dialog = nil
        d.inviteServer = nil
        if status >= 300 { dialogEvent(d, .failed(status: status, cancelled: ctx.cancelled)) }
    }

    /// CANCEL on leg A (§9.2): 487 there at once, CANCEL on leg B.
    func b2buaCancel(_ invite: ServerContext) {
        if let client = invite.client { sendCancel(for: client) }
        respond(invite, SIPStatus(487))
    }

    /// `max_dialog_s` passed: BYE on both legs of a confirmed call; an
    /// early one is CANCELled on leg B and answered 408 on leg A.
    private func dialogExpired(_ d: DialogContext) {
        if d.isConfirmed {
            guard case .ended = dialogEvent(d, .expired) else { return }
            sendBye(on: true, d)
            sendBye(on: false, d)
            return
        }
        if let client = d.inviteClient { sendCancel(for: client) }
        if let server = d.inviteServer, server.finalStatusSent == nil { respond(server, SIPStatus(408)) }
        dialogEvent(d, .expired)
    }

    // MARK: building and sending on a leg

    /// Where requests on a leg go: the first Route, else the remote target
    /// (§12.2.1.1, loose routing); leg B before any answer: its route.
    func legHop(_ leg: DialogLeg, isB: Bool) -> NextHop? {
        let text = leg.routeSet.first.flatMap { try? SIPNameAddr.parse($0) }?.uri ?? leg.remoteTarget
        guard let uri = SIPURI(text), let host = uri.host else { return nil }
        return NextHop(host: host, port: uri.port ?? Self.defaultPort(uri), transport: transportOf(uri).0,
                       serverName: Self.name(host), secure: uri.scheme == "sips")
    }

    private func sendBye(on toB: Bool, _ d: DialogContext, source: SIPMessage? = nil) {
        sendOnLeg(toB: toB, d, method: "BYE", source: source, server: nil, maxForwards: config.defaultMaxForwards)
    }

    /// The ACK for the other leg's 2xx; `override` names a dialog on leg B
    /// other than the call's own (a stray fork), whose ACK is not kept.
    private func sendAck(on toB: Bool, _ d: DialogContext, body: [UInt8], source: SIPMessage?, leg override: DialogLeg? = nil) {
        let leg = override ?? (toB ? d.b : d.a)
        guard leg.inviteCSeq > 0 || toB, let hop = legHop(leg, isB: toB) else { return }
        resolve(hop) { [weak self, d] address in
            guard let self, let address, let local = self.sender.localAddress(transport: hop.transport, family: address.family) else { return }
            let leg = override ?? (toB ? d.b : d.a)
            guard let ack = self.legRequest("ACK", leg: leg, cseq: leg.inviteCSeq, requestURI: leg.remoteTarget, local: local,
                                            transport: hop.transport, branch: self.b2buaBranch(),
                                            maxForwards: self.config.defaultMaxForwards, source: source, contact: false, body: body)
            else { return }
            let bytes = ack.serialize()
            if toB, override == nil { d.ackB = bytes }
            self.sender.send(bytes, to: address, transport: hop.transport, connectionID: nil, serverName: hop.serverName)
        }
    }

    /// Sends a new request of stird's own on one leg in a client
    /// transaction; its responses come back to `server` (when given).
    private func sendOnLeg(toB: Bool, _ d: DialogContext, method: String, source: SIPMessage?, server: ServerContext?,
                           maxForwards: Int, leg override: DialogLeg? = nil) {
        var leg = toB ? d.b : d.a
        let cseq = leg.nextCSeq()
        if method == "INVITE" { leg.inviteCSeq = cseq }
        if toB { d.b = leg } else { d.a = leg }
        if let override { leg = override }
        guard let hop = legHop(leg, isB: toB) else {
            if let server { respond(server, SIPStatus(500).detailed("no target")) }
            return
        }
        resolve(hop) { [weak self, d] address in
            guard let self else { return }
            guard let address, let local = self.sender.localAddress(transport: hop.transport, family: address.family) else {
                if let server, server.finalStatusSent == nil { self.respond(server, SIPStatus(503).detailed("next hop unresolvable")) }
                return
            }
            let leg = override ?? (toB ? d.b : d.a)
            let branch = self.b2buaBranch()
            let targetRefresh = method == "INVITE" || method == "UPDATE"
            guard let request = self.legRequest(method, leg: leg, cseq: cseq, requestURI: leg.remoteTarget, local: local,
                                                transport: hop.transport, branch: branch, maxForwards: maxForwards,
                                                source: source, contact: targetRefresh) else {
                if let server, server.finalStatusSent == nil { self.respond(server, SIPStatus(500).detailed("request not buildable")) }
                return
            }
            // RFC 3262 §7.2: RAck names the provisional's RSeq and the CSeq
            // of the INVITE it answered — on this leg, the INVITE stird sent.
            if method == "PRACK", let rack = source?.headers(named: "RAck").first {
                let parts = rack.split(separator: " ", omittingEmptySubsequences: true)
                if parts.count == 3 { request.addHeader(name: "RAck", value: "\(parts[0]) \(leg.inviteCSeq) \(parts[2])") }
            }
            let reliable = hop.transport.isReliable
            let machine: ClientContext.Machine = method == "INVITE"
                ? .invite(InviteClientTransaction(reliable: reliable, timers: self.config.timers))
                : .nonInvite(NonInviteClientTransaction(reliable: reliable, timers: self.config.timers))
            let client = ClientContext(branch: branch, method: method, machine: machine, request: request,
                                       bytes: request.serialize(), destination: address, transport: hop.transport, server: server)
            client.serverName = hop.serverName
            client.dialog = d
            self.clients[client.key] = client
            if let server {
                server.client = client
                server.phase = .forwarded
            }
            self.stats.requestsForwarded += 1
            self.startClient(client)
        }
    }

    /// A request on `leg` built from its dialog state alone (§12.2.1.1):
    /// nothing of the other leg's Via, Route, Contact or Call-ID; from
    /// `source` only the configured header fields and the body.
    func legRequest(_ method: String, leg: DialogLeg, cseq: UInt32, requestURI: String, local: SocketAddress,
                    transport: TransportProtocol, branch: String, maxForwards: Int, source: SIPMessage?, contact: Bool,
                    body: [UInt8]? = nil) -> SIPMessage? {
        var text = method + " " + requestURI + " SIP/2.0\r\n"
        text += "Via: " + Self.viaValue(transport: transport, local: local, branch: branch) + "\r\n"
        for route in leg.routeSet { text += "Route: " + route + "\r\n" }
        text += "Max-Forwards: \(max(0, maxForwards))\r\n"
        var from = leg.local
        from.tag = leg.localTag
        var to = leg.remote
        to.tag = leg.remoteTag
        text += "From: \(from)\r\nTo: \(to)\r\nCall-ID: \(leg.callID)\r\nCSeq: \(cseq) \(method)\r\n"
        if contact { text += "Contact: " + contactValue(local, transport) + "\r\n" }
        if let source { for (name, value) in passedHeaders(source) { text += name + ": " + value + "\r\n" } }
        text += "Content-Length: 0\r\n\r\n"
        // Every part comes from a parsed message or from stird; the parse
        // cannot fail on them, but a daemon does not trap on input.
        guard let message = SIPMessage.parseHeaderSection(Array(text.utf8)), message.isRequest else { return nil }
        let payload = body ?? source?.body ?? []
        if !payload.isEmpty { message.body = payload }
        return message
    }

    /// The configured header fields of `message`, in list order; with a
    /// body, its Content-Type always.
    func passedHeaders(_ message: SIPMessage) -> [(String, String)] {
        var out: [(String, String)] = []
        var sawType = false
        for name in config.b2bua.passHeaders where !B2BUASettings.legOwnedHeaders.contains(name.lowercased()) {
            if name.lowercased() == "content-type" { sawType = true }
            for value in message.headers(named: name) { out.append((name, value)) }
        }
        if !sawType, !message.body.isEmpty, let type = message.headers(named: "Content-Type").first {
            out.append(("Content-Type", type))
        }
        return out
    }

    func contactValue(_ local: SocketAddress, _ transport: TransportProtocol) -> String {
        let t = transport == .udp ? "" : ";transport=" + transport.uriName
        return "<sip:\(Self.b2buaContactUser)@\(local.hostForURI):\(local.port)\(t)>"
    }

    func b2buaBranch() -> String { Branch.prefix + "b2." + String(makeUnique(), radix: 36) }
}
