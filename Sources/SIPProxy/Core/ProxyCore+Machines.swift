import SIPCore

/// Carries out what the transaction machines ask for. The machines decide;
/// only this code touches sockets and timers (docs/ARCHITECTURE.md rule 3).
extension ProxyCore {
    func apply(_ actions: [InviteServerTransaction.Action], to ctx: ServerContext) {
        var linger: Duration?
        for action in actions {
            switch action {
            case .passRequestToTU, .absorb, .passAckToTU, .timeout, .transportFailure:
                break
            case .sendResponse, .resendLastResponse:
                if let bytes = ctx.lastResponse { sendUpstream(ctx, bytes) }
            case .send100Trying:
                send100(ctx)
            case let .startTimer(timer, after):
                // Accepted (RFC 6026 §7.1): only INVITE retransmissions are
                // left to absorb until Timer L; the lingering table does that.
                if timer == .l, after > .zero { linger = after } else { armServerTimer(ctx, timer, after) }
            case let .cancelTimer(timer):
                if let t = ctx.timers.removeValue(forKey: timer) { scheduler.cancel(t) }
            case .terminated:
                linger = nil
                endServer(ctx)
            }
        }
        if let linger { retireServer(ctx, lingering: linger, response: nil) }
    }

    func apply(_ actions: [NonInviteServerTransaction.Action], to ctx: ServerContext) {
        var linger: Duration?
        for action in actions {
            switch action {
            case .passRequestToTU, .absorb, .timeout, .transportFailure:
                break
            case .sendResponse, .resendLastResponse:
                if let bytes = ctx.lastResponse { sendUpstream(ctx, bytes) }
            case let .startTimer(timer, after):
                // Completed (RFC 3261 §17.2.2): retransmitted requests get the
                // final response again until Timer J; the lingering table keeps it.
                if timer == .j, after > .zero { linger = after } else { armServerTimer(ctx, timer, after) }
            case let .cancelTimer(timer):
                if let t = ctx.timers.removeValue(forKey: timer) { scheduler.cancel(t) }
            case .terminated:
                linger = nil
                endServer(ctx)
            }
        }
        if let linger { retireServer(ctx, lingering: linger, response: ctx.lastResponse) }
    }

    func apply(_ actions: [InviteClientTransaction.Action], to client: ClientContext) {
        var linger: Duration?
        for action in actions {
            switch action {
            case .sendRequest:
                sendToClient(client, client.bytes)
            case .sendAck:
                if client.ackBytes == nil, let response = client.lastResponse, let request = client.request {
                    client.ackBytes = request.makeAck(for: response).serialize()
                }
                if let ack = client.ackBytes { sendToClient(client, ack) }
            case let .passToTU(status):
                clientPassedResponse(client, status: status)
            case let .startTimer(timer, after):
                // Accepted (RFC 6026 §7.2): 2xx retransmissions go on
                // upstream until Timer M; the lingering table matches them.
                if timer == .m, after > .zero { linger = after } else { armClientTimer(client, timer, after) }
            case let .cancelTimer(timer):
                if let t = client.timers.removeValue(forKey: timer) { scheduler.cancel(t) }
            case .timeout:
                clientFailed(client, SIPStatus(408))
            case .transportFailure:
                clientFailed(client, transportFailureStatus(client))
            case .terminated:
                linger = nil
                endClient(client)
            }
        }
        if let linger { retireClient(client, lingering: linger) }
    }

    func apply(_ actions: [NonInviteClientTransaction.Action], to client: ClientContext) {
        var linger: Duration?
        for action in actions {
            switch action {
            case .sendRequest:
                sendToClient(client, client.bytes)
            case let .passToTU(status):
                clientPassedResponse(client, status: status)
            case let .startTimer(timer, after):
                // Completed (RFC 3261 §17.1.2.2): response retransmissions are
                // absorbed until Timer K; the lingering table matches them.
                if timer == .k, after > .zero { linger = after } else { armClientTimer(client, timer, after) }
            case let .cancelTimer(timer):
                if let t = client.timers.removeValue(forKey: timer) { scheduler.cancel(t) }
            case .timeout:
                clientFailed(client, SIPStatus(408))
            case .transportFailure:
                clientFailed(client, transportFailureStatus(client))
            case .terminated:
                linger = nil
                endClient(client)
            }
        }
        if let linger { retireClient(client, lingering: linger) }
    }

    /// Feeds one event to a server transaction's machine and carries out its actions.
    func feed(_ ctx: ServerContext, _ invite: InviteServerTransaction.Event, _ nonInvite: NonInviteServerTransaction.Event) {
        switch ctx.machine {
        case .invite(var m):
            let actions = m.handle(invite)
            ctx.machine = .invite(m)
            apply(actions, to: ctx)
        case .nonInvite(var m):
            let actions = m.handle(nonInvite)
            ctx.machine = .nonInvite(m)
            apply(actions, to: ctx)
        }
    }

    /// Feeds one event to a client transaction's machine and carries out its actions.
    func feed(_ client: ClientContext, _ invite: InviteClientTransaction.Event, _ nonInvite: NonInviteClientTransaction.Event) {
        switch client.machine {
        case .invite(var m):
            let actions = m.handle(invite)
            client.machine = .invite(m)
            apply(actions, to: client)
        case .nonInvite(var m):
            let actions = m.handle(nonInvite)
            client.machine = .nonInvite(m)
            apply(actions, to: client)
        }
    }

    func startClient(_ client: ClientContext) { feed(client, .start, .start) }

    /// A client transaction's request or ACK: over its flow only when it
    /// has one (RFC 5626 §5.3), else to its destination.
    private func sendToClient(_ client: ClientContext, _ bytes: [UInt8]) {
        if let id = client.flowConnection {
            sender.send(bytes, overFlow: id, to: client.destination, transport: client.transport)
        } else {
            sender.send(bytes, to: client.destination, transport: client.transport, connectionID: nil, serverName: client.serverName)
        }
    }

    /// §16.9: a transport error is a 503, except on a flow, whose loss
    /// is 430 Flow Failed (RFC 5626 §5.3, §11.6: the registrar side then
    /// knows this binding is dead, not the whole proxy).
    private func transportFailureStatus(_ client: ClientContext) -> SIPStatus {
        guard client.flowConnection != nil else { return SIPStatus(503) }
        if client.method != "CANCEL", client.method != "ACK" { flows.flowFailed() }
        return SIPStatus(430)
    }

    private func send100(_ ctx: ServerContext) {
        guard let original = ctx.originalRequest() else { return }
        if ctx.upstream.viaReceived != nil || ctx.upstream.viaRport != nil {
            original.setTopViaReceived(ctx.upstream.viaReceived, rport: ctx.upstream.viaRport)
        }
        let bytes = original.makeResponse(SIPStatus(100), toTag: nil).serialize()
        if ctx.lastResponse == nil { ctx.lastResponse = bytes }
        sendUpstream(ctx, bytes)
    }

    /// Client transaction failed: the upstream gets our 408/503 unless it has a final already.
    private func clientFailed(_ client: ClientContext, _ status: SIPStatus) {
        guard client.method != "CANCEL", client.method != "ACK",
              let server = client.server, servers[server.key] === server, server.finalStatusSent == nil else { return }
        // RFC 4320 §4.2: a transaction-stateful element never sends 408 to a
        // non-INVITE request; the client's own Timer F ends it.
        if status.code == 408, server.method != "INVITE" {
            decision(server.callID, server.method, "downstream timeout: no 408 for non-INVITE (RFC 4320)")
            return
        }
        decision(server.callID, server.method, "downstream \(status)")
        respond(server, status)
    }

    private func armServerTimer(_ ctx: ServerContext, _ timer: TransactionTimer, _ after: Duration) {
        if let old = ctx.timers[timer] { scheduler.cancel(old) }
        // The timer holds the context until it fires or is cancelled, and
        // ending a transaction cancels its timers: no weak reference needed.
        ctx.timers[timer] = scheduler.schedule(after: after) { [weak self, ctx] in
            guard let self, ctx.timers.removeValue(forKey: timer) != nil else { return }
            self.feed(ctx, .timerFired(timer), .timerFired(timer))
        }
    }

    private func armClientTimer(_ client: ClientContext, _ timer: TransactionTimer, _ after: Duration) {
        if let old = client.timers[timer] { scheduler.cancel(old) }
        client.timers[timer] = scheduler.schedule(after: after) { [weak self, client] in
            guard let self, client.timers.removeValue(forKey: timer) != nil else { return }
            self.feed(client, .timerFired(timer), .timerFired(timer))
        }
    }

    private func endServer(_ ctx: ServerContext) {
        ctx.timers.removeAll { scheduler.cancel($0) }
        if let t = ctx.processorTimer { scheduler.cancel(t) }
        ctx.processorTimer = nil
        if servers[ctx.key] === ctx { servers[ctx.key] = nil }
        ctx.client?.server = nil
        ctx.client = nil
        ctx.dialog = nil
    }

    /// The transaction's work is done: it leaves the table of live contexts
    /// for the lingering table, which keeps only its key (and, for a
    /// non-INVITE server transaction, its final response).
    private func retireServer(_ ctx: ServerContext, lingering: Duration, response: [UInt8]?) {
        guard servers[ctx.key] === ctx else { return }
        endServer(ctx)
        lingeringServers.insert(ctx.key.lingerKey, bytes: response, lingering: lingering)
    }

    private func retireClient(_ client: ClientContext, lingering: Duration) {
        guard clients[client.key] === client else { return }
        endClient(client)
        lingeringClients.insert(LingerTable.Key("c", client.key), bytes: nil, lingering: lingering)
    }

    private func endClient(_ client: ClientContext) {
        client.timers.removeAll { scheduler.cancel($0) }
        if let t = client.timerC { scheduler.cancel(t) }
        client.timerC = nil
        if clients[client.key] === client { clients[client.key] = nil }
        client.server = nil
        client.dialog = nil
    }
}
