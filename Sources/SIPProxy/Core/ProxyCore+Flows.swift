import SIPCore

/// Where a request goes when a flow token decides it (RFC 5626 §5.3).
enum FlowRouting: Equatable {
    /// No flow token: route as usual.
    case none
    /// A token whose integrity check fails: 403 (§5.3, "If the flow token
    /// has been tampered with, the proxy SHOULD send a 403").
    case tampered
    /// A valid token whose connection is gone: 430 Flow Failed (§5.3, §11.6).
    case gone(FlowToken)
    /// Send over this connection.
    case open(FlowToken)
}

/// stird as the edge proxy of RFC 5626 §5 for relay user equipment
/// (RFC 9248 §5): REGISTERs from a flow go to `[rue] registrar` with a
/// Path naming the flow (RFC 3327 §4.2), and requests the registrar side
/// sends back to that Path go over the same connection.
extension ProxyCore {
    /// The flow a request names: the top Route when it is ours and has a
    /// user part (stird writes a user part into no URI of its own but the
    /// Path's), else a Request-URI aimed at us whose user part opens as a
    /// token (the registrar used the Path URI as the target).
    func flowRouting(for request: SIPMessage) -> FlowRouting {
        guard config.registrar != nil else { return .none }
        let opened: FlowTokenSealer.Opened
        if let top = request.routes.first {
            guard let uri = top.parsedURI, let user = uri.user, !user.isEmpty,
                  isLocal(host: uri.host, port: uri.port ?? Self.defaultPort(uri)) else { return .none }
            opened = flowTokens.open(user[...])
            if opened == .notAToken { return .tampered }
        } else {
            guard let uri = request.parsedRequestURI, let user = uri.user, !user.isEmpty,
                  isLocal(host: uri.host, port: uri.port ?? Self.defaultPort(uri)) else { return .none }
            opened = flowTokens.open(user[...])
        }
        switch opened {
        case .notAToken: return .none
        case .tampered: return .tampered
        case .valid(let flow): return flows.isOpen(flow) ? .open(flow) : .gone(flow)
        }
    }

    /// Routes `ctx` by its flow token; true when it did (forwarded or answered).
    func routeByFlow(_ ctx: ServerContext, _ request: SIPMessage) -> Bool {
        switch flowRouting(for: request) {
        case .none:
            return false
        case .tampered:
            decision(ctx.callID, ctx.method, "403: flow token does not verify")
            respond(ctx, SIPStatus(403).detailed("invalid flow token"))
        case .gone(let flow):
            flows.flowFailed()
            decision(ctx.callID, ctx.method, "430: flow \(flow.connectionID) to \(flow.remote) is gone")
            respond(ctx, SIPStatus(430))
        case .open(let flow) where flow.connectionID == ctx.upstream.connectionID:
            // From the flow itself, outward (RFC 5626 §5.3): our Route
            // (a Record-Route we wrote for this dialog) is done with.
            if !request.routes.isEmpty { request.removeFirstRoute() }
            return false
        case .open(let flow):
            if !request.routes.isEmpty { request.removeFirstRoute() }
            let secure = request.parsedRequestURI?.scheme == "sips"
            let hop = NextHop(host: flow.remote.host, port: flow.remote.port, transport: flow.transport, transportFixed: true,
                              serverName: nil, secure: secure, flow: flow)
            forward(ctx, to: flow.remote, hop: hop)
        }
        return true
    }

    /// An ACK for a 2xx (or a CANCEL without context) aimed at a flow: sent
    /// over it without state; dropped when the flow is gone or the token
    /// does not verify (neither can be answered). True when handled.
    func statelessByFlow(_ request: SIPMessage, _ rx: ReceivedMessage) -> Bool {
        switch flowRouting(for: request) {
        case .none:
            return false
        case .open(let flow) where flow.connectionID == rx.connectionID:
            if !request.routes.isEmpty { request.removeFirstRoute() }
            return false
        case .open(let flow):
            if !request.routes.isEmpty { request.removeFirstRoute() }
            guard let local = sender.localAddress(transport: flow.transport, family: flow.remote.family) else { return true }
            request.maxForwards = request.maxForwards.map { $0 - 1 } ?? config.defaultMaxForwards
            let stateless = Branch.stateless(for: request, loopHash: Branch.loopHash(of: request))
            let branch = request.method == "ACK" ? stateless : branches.seal(stateless, upstream: request.topVia)
            request.prependVia(ProxyCore.viaValue(transport: flow.transport, local: local, branch: branch))
            sender.send(request.serialize(), overFlow: flow.connectionID, to: flow.remote, transport: flow.transport)
            stats.requestsForwarded += 1
            decision(request.callID ?? "-", request.method ?? "", "stateless forward over flow \(flow.connectionID) to \(flow.remote)")
        case .gone, .tampered:
            decision(request.callID ?? "-", request.method ?? "", "stateless: flow gone or token invalid, dropped")
        }
        return true
    }

    /// The flow a Record-Route must name so that the dialog's later
    /// requests take it (RFC 5626 §5.3): the one this request is sent
    /// over, or the registered flow it came from (a RUE calling out over
    /// the connection it registered on). Other connections are not
    /// named: their peers are reachable again by address.
    func recordRouteFlow(_ ctx: ServerContext, _ hop: NextHop) -> FlowToken? {
        guard config.registrar != nil else { return nil }
        if let flow = hop.flow { return flow }
        guard let id = ctx.upstream.connectionID, flows.isRegistered(connectionID: id) else { return nil }
        return FlowToken(connectionID: id, remote: ctx.upstream.address, transport: ctx.upstream.transport)
    }

    /// A REGISTER that arrived over a TLS or TCP flow, for the registrar's
    /// domain, with no Route left after ours: relayed to the registrar with
    /// a Path for its flow (RFC 5626 §5.1). nil: routed as usual.
    func registrarHop(for ctx: ServerContext, _ request: SIPMessage) -> NextHop? {
        guard ctx.method == "REGISTER", let registrar = config.registrar, let id = ctx.upstream.connectionID,
              ctx.upstream.transport != .udp else { return nil }
        if let first = request.routes.first?.parsedURI, isLocal(host: first.host, port: first.port ?? Self.defaultPort(first)) {
            request.removeFirstRoute()
        }
        guard request.routes.isEmpty else { return nil }
        if !registrar.domain.isEmpty, request.parsedRequestURI?.host?.lowercased() != registrar.domain.lowercased() { return nil }
        let flow = FlowToken(connectionID: id, remote: ctx.upstream.address, transport: ctx.upstream.transport)
        ctx.flowRegistration = (flow.connectionID, Self.bindingChange(of: request))
        return NextHop(host: registrar.host, port: registrar.port, transport: registrar.transport,
                       transportFixed: registrar.transportFixed, serverName: registrar.serverName,
                       secure: registrar.transport == .tls && registrar.transportFixed, pathFlow: flow)
    }

    /// Adds our Path (RFC 3327 §4.2) naming `flow`, reachable at `local`
    /// over `transport`, with `ob` when the UA asked for outbound
    /// (RFC 5626 §5.1: a Contact with reg-id and +sip.instance), and
    /// `Supported: path` when the UA did not list it, so the registrar
    /// keeps the Path (RFC 3327 §5.3 lets a registrar ignore Path
    /// otherwise).
    func insertPath(_ request: SIPMessage, flow: FlowToken, transport: TransportProtocol, local: SocketAddress) {
        let outbound = request.contacts.contains { c in
            c.parameters.contains { $0.name.lowercased() == "reg-id" } && c.parameters.contains { $0.name.lowercased() == "+sip.instance" }
        }
        let token = flowTokens.seal(flow)
        request.prependPath("<sip:\(token)@\(local.hostForURI):\(local.port);transport=\(transport.uriName);lr\(outbound ? ";ob" : "")>")
        let supported = request.headers(named: "Supported").flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if !supported.contains("path") { request.addHeader(name: "Supported", value: "path") }
    }

    /// What a REGISTER does to its flow's bindings (RFC 3261 §10.2):
    /// true adds or refreshes one, false removes them all (`*` or every
    /// expiry 0), nil only asks (no Contact).
    static func bindingChange(of request: SIPMessage) -> Bool? {
        let contacts = request.contacts
        guard !contacts.isEmpty else { return nil }
        if contacts.contains(where: { $0.uri == "*" }) { return false }
        let headerExpires = request.headers(named: "Expires").first.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return contacts.contains { c in
            let expires = c.parameters.first { $0.name.lowercased() == "expires" }?.value.flatMap { Int($0) } ?? headerExpires
            return expires != 0
        }
    }

    /// A 2xx to a relayed REGISTER: its flow counts as registered (or no
    /// longer does) for `stird_rue_registrations`.
    func registrationAnswered(_ server: ServerContext, status: Int) {
        guard (200..<300).contains(status), let (id, change) = server.flowRegistration, let bound = change else { return }
        flows.registrationAnswered(connectionID: id, bound: bound)
    }
}
