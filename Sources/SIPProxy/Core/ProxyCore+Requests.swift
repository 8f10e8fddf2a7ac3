import Logging
import SIPCore

extension ProxyCore {
    func receiveRequest(_ request: SIPMessage, _ rx: ReceivedMessage) {
        stats.requestsReceived += 1
        let method = request.method ?? ""
        let callID = request.callID ?? "-"
        // RFC 3581 §4 / RFC 3261 §18.2.1: record where it really came from.
        var viaReceived: String?
        var viaRport: Int?
        if let via = request.vias(shapes: acceptedValues.viaShapes).first {
            viaReceived = (via.host.replacingBrackets().lowercased() == rx.source.host.lowercased()) ? nil : rx.source.host
            viaRport = (via.rport != nil) ? rx.source.port : nil
            if viaReceived != nil || viaRport != nil { request.setTopViaReceived(viaReceived, rport: viaRport) }
        }
        if let problem = request.validateRequest(accepted: acceptedValues) {
            decision(callID, method, "reject \(problem.status)")
            if method != "ACK" { respondStatelessly(to: request, rx, problem.status) }
            return
        }
        var upstream = Upstream(address: rx.source, local: rx.local, transport: rx.transport, connectionID: rx.connectionID,
                                responseAddress: responseAddress(for: request, rx), viaReceived: viaReceived, viaRport: viaRport)
        upstream.tlsPeerIdentities = rx.tlsPeerIdentities
        switch method {
        case "ACK": receiveAck(request, rx, upstream)
        case "CANCEL": receiveCancel(request, rx, upstream)
        default: receiveNewOrRetransmitted(request, rx, upstream, method: method)
        }
    }

    private func receiveAck(_ request: SIPMessage, _ rx: ReceivedMessage, _ upstream: Upstream) {
        if let key = ServerKey.make(for: request, method: "ACK"), let ctx = servers[key],
           case .invite(var m) = ctx.machine {
            let actions = m.handle(.ack)
            ctx.machine = .invite(m)
            apply(actions, to: ctx)
            // RFC 6026 §7.1: an ACK reaching the Accepted state is for the 2xx
            // and goes on; any other ACK ends here (hop-by-hop, §17.2.1).
            if !actions.contains(.passAckToTU) {
                stats.retransmissionsAbsorbed += 1
                return
            }
        }
        // ACK for a 2xx is its own transaction-less request (RFC 3261 §16.11 / §13.2.2.4).
        if request.toTag != nil, !dialogs.isEmpty, b2buaAck(request) { return }
        forwardStatelessly(request, rx)
    }

    private func receiveCancel(_ request: SIPMessage, _ rx: ReceivedMessage, _ upstream: Upstream) {
        if let key = ServerKey.make(for: request, method: "CANCEL") {
            if let existing = servers[key] {
                feedRetransmission(existing)
                return
            }
            if absorbedByLingering(key, upstream) { return }
        }
        guard let inviteKey = ServerKey.make(for: request, method: "INVITE") else { return }
        if lingeringServers.contains(inviteKey.lingerKey), let key = ServerKey.make(for: request, method: "CANCEL") {
            // §16.10: the INVITE's response context exists but its final
            // response went out: 200 to the CANCEL, nothing to cancel.
            let ctx = makeServerContext(key: key, request: request, rx: rx, upstream: upstream, method: "CANCEL")
            startServer(ctx)
            respond(ctx, SIPStatus(200))
            decision(ctx.callID, "CANCEL", "200; INVITE already answered")
            return
        }
        guard let invite = servers[inviteKey] else {
            // §16.10: no response context → forward statelessly.
            decision(request.callID ?? "-", "CANCEL", "no matching INVITE: forward statelessly")
            forwardStatelessly(request, rx)
            return
        }
        guard let key = ServerKey.make(for: request, method: "CANCEL") else { return }
        let ctx = makeServerContext(key: key, request: request, rx: rx, upstream: upstream, method: "CANCEL")
        startServer(ctx)
        respond(ctx, SIPStatus(200))
        decision(ctx.callID, "CANCEL", "200; cancelling INVITE")
        cancelInvite(invite)
    }

    /// §16.10: answer 487 if we still hold the INVITE, else CANCEL the branch downstream.
    func cancelInvite(_ invite: ServerContext) {
        guard invite.finalStatusSent == nil else { return }
        invite.cancelled = true
        if invite.dialog != nil, invite.phase == .forwarded {
            b2buaCancel(invite)
            return
        }
        switch invite.phase {
        case .processing, .suspended:
            if let t = invite.processorTimer { scheduler.cancel(t) }
            respond(invite, SIPStatus(487))
        case .forwarded:
            if let client = invite.client { sendCancel(for: client) }
        case .answered:
            break
        }
    }

    private func receiveNewOrRetransmitted(_ request: SIPMessage, _ rx: ReceivedMessage, _ upstream: Upstream, method: String) {
        guard let key = ServerKey.make(for: request, method: method) else {
            respondStatelessly(to: request, rx, SIPStatus(400, reason: "Missing Via"))
            return
        }
        if let existing = servers[key] {
            feedRetransmission(existing)
            return
        }
        if absorbedByLingering(key, upstream) { return }
        let ctx = makeServerContext(key: key, request: request, rx: rx, upstream: upstream, method: method)
        startServer(ctx)
        // A B2BUA call's in-dialog requests, and 481 for those aimed at
        // stird's B2BUA Contact that match no call (RFC 3261 §12.2.2).
        if request.toTag != nil, hasB2BUARoutes || !dialogs.isEmpty, b2buaInDialog(ctx, request) { return }
        // While draining, only new dialogs and out-of-dialog requests are
        // refused: a request with a To tag belongs to a dialog that exists
        // (RFC 3261 §12.2), and refusing its BYE would leave the far end's
        // call up with nobody to end it.
        if draining && request.toTag == nil {
            respond(ctx, SIPStatus(503), headers: [("Retry-After", "5")])
            decision(ctx.callID, method, "503 draining")
            return
        }
        if let rejection = proxyChecks(request, method: method) {
            decision(ctx.callID, method, "\(rejection.status)")
            respond(ctx, rejection.status, headers: rejection.responseHeaders)
            return
        }
        runProcessors(ctx, from: 0)
    }

    /// A retransmission of a finished server transaction: absorbed, and a
    /// non-INVITE one gets its final response again (RFC 3261 §17.2.2).
    private func absorbedByLingering(_ key: ServerKey, _ upstream: Upstream) -> Bool {
        let (found, bytes) = lingeringServers.lookup(key.lingerKey)
        guard found else { return false }
        stats.retransmissionsAbsorbed += 1
        if let bytes {
            let destination = upstream.transport == .udp ? upstream.responseAddress : upstream.address
            sender.send(bytes, to: destination, transport: upstream.transport, connectionID: upstream.connectionID)
        }
        return true
    }

    private func feedRetransmission(_ ctx: ServerContext) {
        stats.retransmissionsAbsorbed += 1
        feed(ctx, .retransmittedRequest, .retransmittedRequest)
    }

    private func makeServerContext(key: ServerKey, request: SIPMessage, rx: ReceivedMessage,
                                   upstream: Upstream, method: String) -> ServerContext {
        let reliable = rx.transport.isReliable
        let machine: ServerContext.Machine = method == "INVITE"
            ? .invite(InviteServerTransaction(reliable: reliable, timers: config.timers, autoTryingAfter: config.autoTrying))
            : .nonInvite(NonInviteServerTransaction(reliable: reliable, timers: config.timers))
        let ctx = ServerContext(key: key, machine: machine, method: method, callID: request.callID ?? "-",
                                receivedBytes: rx.bytes, request: request, upstream: upstream, toTag: makeTag())
        servers[key] = ctx
        return ctx
    }

    private func startServer(_ ctx: ServerContext) { feed(ctx, .start, .start) }

    /// RFC 3261 §16.3 request validation steps 2–5 (step 1 and 6 are in SIPCore's validateRequest).
    private func proxyChecks(_ request: SIPMessage, method: String) -> SIPRequestRejection? {
        // Step 2: URI scheme.
        let scheme = request.parsedRequestURI?.scheme
        guard let scheme, scheme == "sip" || scheme == "sips" || scheme == "tel" else {
            return SIPRequestRejection(SIPStatus(416))
        }
        // Step 3: Max-Forwards.
        if let mf = request.maxForwards, mf <= 0 {
            return SIPRequestRejection(SIPStatus(483))
        }
        // Step 4: loop detection (optional in the RFC; cheap here).
        if hasLooped(request) { return SIPRequestRejection(SIPStatus(482)) }
        if method == "INVITE", !dialogs.isEmpty, b2buaLooped(request) { return SIPRequestRejection(SIPStatus(482)) }
        // Step 5: Proxy-Require.
        let required = request.headers(named: "Proxy-Require")
            .flatMap { $0.split(separator: ",").map { String($0).trimmingCharactersInSet() } }
            .filter { !$0.isEmpty }
        let unsupported = required.filter { !config.supportedExtensions.contains($0) }
        if !unsupported.isEmpty {
            return SIPRequestRejection(SIPStatus(420), headers: [("Unsupported", unsupported.joined(separator: ", "))])
        }
        return nil
    }

    /// A Via of ours whose loop hash matches the request as it is now: it
    /// came back unchanged (a loop), not retargeted (a spiral).
    func hasLooped(_ request: SIPMessage) -> Bool {
        let vias = request.vias
        guard vias.contains(where: { isLocal(host: $0.host, port: $0.port ?? 5060) }) else { return false }
        let hash = Branch.loopHash(of: request)
        return vias.contains { via in
            isLocal(host: via.host, port: via.port ?? 5060) && via.branch.flatMap(Branch.loopHashPart(ofBranch:)) == hash
        }
    }

    /// `what` is only built when debug logging is on (it runs per request).
    func decision(_ callID: String, _ method: String, _ what: @autoclosure () -> String) {
        guard logger.logLevel <= .debug else { return }
        logger.debug("request decision", metadata: ["call-id": "\(callID)", "method": "\(method)", "decision": "\(what())"])
    }
}
