import SIPCore

extension ProxyCore {
    // MARK: responses we generate

    /// Sends a final or provisional response of our own on a server transaction.
    func respond(_ ctx: ServerContext, _ status: SIPStatus, headers: [(name: String, value: String)] = []) {
        guard let original = ctx.originalRequest() else { return }
        if ctx.upstream.viaReceived != nil || ctx.upstream.viaRport != nil {
            original.setTopViaReceived(ctx.upstream.viaReceived, rport: ctx.upstream.viaRport)
        }
        let response = original.makeResponse(status, toTag: status.code > 100 ? ctx.toTag : nil)
        for h in headers { response.addHeader(name: h.name, value: h.value) }
        if status.code > 100 { ctx.notes.drain(into: response) }
        if status.isFinal, ctx.phase != .forwarded { ctx.phase = .answered }
        sendOnServer(ctx, response.serialize(), status: status.code)
    }

    /// Hands a response (ours or forwarded) to the server transaction, which
    /// decides whether it goes out now (RFC 3261 §17.2).
    func sendOnServer(_ ctx: ServerContext, _ bytes: [UInt8], status: Int) {
        if status >= 200 {
            if let t = ctx.processorTimer { scheduler.cancel(t) }
            ctx.processorTimer = nil
        }
        ctx.lastResponse = bytes
        if status >= 200, ctx.finalStatusSent == nil { ctx.finalStatusSent = status }
        if status >= 200, let d = ctx.dialog { b2buaInviteAnswered(ctx, d, status: status) }
        if status >= 200 { ctx.shed() }
        feed(ctx, .tuResponse(status: status), .tuResponse(status: status))
        // RFC 6026 §7.1: in Accepted the transaction never resends a 2xx
        // (further 2xx come from downstream through us), so the bytes can go.
        if (200..<300).contains(status), ctx.method == "INVITE" { ctx.lastResponse = nil }
    }

    func sendUpstream(_ ctx: ServerContext, _ bytes: [UInt8]) {
        let u = ctx.upstream
        sender.send(bytes, to: u.transport == .udp ? u.responseAddress : u.address, transport: u.transport, connectionID: u.connectionID)
    }

    /// A response without a transaction (validation failures, RFC 3261 §16.3).
    func respondStatelessly(to request: SIPMessage, _ rx: ReceivedMessage, _ status: SIPStatus) {
        let response = request.makeResponse(status, toTag: status.code > 100 ? makeTag() : nil)
        sender.send(response.serialize(), to: responseAddress(for: request, rx), transport: rx.transport, connectionID: rx.connectionID)
        stats.statelessResponses += 1
    }

    // MARK: responses we receive

    func receiveResponse(_ response: SIPMessage, _ rx: ReceivedMessage) {
        stats.responsesReceived += 1
        if let why = response.validateResponse(accepted: acceptedValues) {
            stats.droppedResponses += 1
            logger.debug("malformed response dropped", metadata: ["from": "\(rx.source)", "reason": "\(why)"])
            return
        }
        guard let branch = response.topVia?.branch, let cseq = response.cseq,
              let status = response.statusCode else {
            forwardResponseStatelessly(response)
            return
        }
        let key = ClientContext.key(branch: branch, method: cseq.method)
        guard let client = clients[key] else {
            if lingeringClients.contains(LingerTable.Key("c", key)) {
                // A finished client transaction: in Accepted a 2xx goes on
                // upstream (RFC 6026 §7.2), which the Via says where; any
                // other retransmission is absorbed (§17.1.1.2, §17.1.2.2).
                if cseq.method == "INVITE", (200..<300).contains(status) {
                    if !dialogs.isEmpty, b2buaRetransmitted2xx(response) { return }
                    forwardResponseStatelessly(response)
                } else {
                    stats.retransmissionsAbsorbed += 1
                }
                return
            }
            forwardResponseStatelessly(response)
            return
        }
        client.lastResponse = response
        feed(client, .response(status: status), .response(status: status))
        if status >= 200 { client.shed() } else { client.lastResponse = nil }
    }

    /// §16.7 for a response its client transaction passed up.
    func clientPassedResponse(_ client: ClientContext, status: Int) {
        guard let response = client.lastResponse else { return }
        if client.method == "CANCEL" { return }  // we answered the CANCEL ourselves (§16.10)
        if status < 200 {
            if !client.receivedProvisional {
                client.receivedProvisional = true
                if client.cancelPending { sendCancel(for: client) }
            }
            if client.method == "INVITE", client.timerC != nil { armTimerC(client) }  // §16.7 step 2
            if status == 100 { return }  // §16.7 step 3: 100 is not forwarded
        } else if let t = client.timerC {
            scheduler.cancel(t)
            client.timerC = nil
        }
        if let d = client.dialog {
            b2buaResponse(client, d, response, status: status)
            return
        }
        guard let server = client.server, servers[server.key] === server else {
            forwardResponseStatelessly(response)
            return
        }
        // One branch per request: the best final is the only final (§16.7 step 6).
        if let sent = server.finalStatusSent, !(sent < 300 && status < 300 && status >= 200 && server.method == "INVITE") {
            return
        }
        response.removeTopVia()
        server.notes.drain(into: response)
        if server.flowRegistration != nil { registrationAnswered(server, status: status) }
        stats.responsesForwarded += 1
        sendOnServer(server, response.serialize(), status: status)
    }

    /// A response that matches no client transaction: forward by Via when the
    /// top Via is ours and its branch opens with the second Via
    /// (§16.7 step 1, RFC 6026 2xx retransmissions; `BranchAuthenticator`),
    /// else drop: a forged one would make stird reflect traffic.
    func forwardResponseStatelessly(_ response: SIPMessage) {
        let vias = response.vias
        guard vias.count >= 2, isLocal(host: vias[0].host, port: vias[0].port ?? 5060),
              let branch = vias[0].branch, branch.hasPrefix(Branch.prefix),
              branches.opens(branch, upstream: vias[1]) else {
            stats.strayResponses += 1
            logger.debug("stray response dropped", metadata: ["call-id": "\(response.callID ?? "-")"])
            return
        }
        let next = vias[1]
        let host = next.received ?? next.host
        let port: Int = (next.rport ?? nil) ?? next.port ?? 5060
        guard host != "255.255.255.255", let address = SocketAddress(host: host, port: port) else {
            stats.strayResponses += 1
            return
        }
        response.removeTopVia()
        let transport = TransportProtocol(rawValue: next.transport) ?? .udp
        sender.send(response.serialize(), to: address, transport: transport, connectionID: nil)
        stats.responsesForwarded += 1
    }

    // MARK: CANCEL and Timer C

    /// RFC 3261 §9.1: a CANCEL goes only after a provisional response.
    func sendCancel(for client: ClientContext) {
        guard client.method == "INVITE", !client.cancelSent else { return }
        guard client.receivedProvisional else {
            client.cancelPending = true
            return
        }
        client.cancelSent = true
        guard let cancel = client.request?.makeCancel() else { return }
        let machine = ClientContext.Machine.nonInvite(NonInviteClientTransaction(reliable: client.transport.isReliable, timers: config.timers))
        let ctx = ClientContext(branch: client.branch, method: "CANCEL", machine: machine, request: cancel,
                                bytes: cancel.serialize(), destination: client.destination, transport: client.transport,
                                server: client.server)
        ctx.serverName = client.serverName
        ctx.flowConnection = client.flowConnection
        clients[ctx.key] = ctx
        startClient(ctx)
    }

    func armTimerC(_ client: ClientContext) {
        if let t = client.timerC { scheduler.cancel(t) }
        client.timerC = scheduler.schedule(after: config.timers.timerC) { [weak self, client] in
            guard let self, client.timerC != nil else { return }
            client.timerC = nil
            // §16.8: CANCEL a branch that answered provisionally, else act as if 408 came.
            if client.receivedProvisional {
                self.sendCancel(for: client)
            } else if let server = client.server, server.finalStatusSent == nil {
                self.respond(server, SIPStatus(408))
            }
        }
    }
}
