import Dispatch
import SIPCore
#if canImport(Glibc)
import Glibc
#endif

/// Where a request goes next.
struct NextHop {
    var host: String
    var port: Int
    var transport: TransportProtocol
    /// The transport was named (a `transport` URI parameter or route key),
    /// so it is not switched to TCP for size (RFC 3261 §18.1.1).
    var transportFixed = false
    /// The name a TLS next hop's certificate must carry (RFC 5922 §7.2):
    /// the host of the URI, or a route's `tls_server_name`; nil checks
    /// the numeric address.
    var serverName: String?
    /// A `sips:` Request-URI or Route: the request may only leave over TLS
    /// (RFC 3261 §26.2.2, RFC 5630 §3.1.3).
    var secure = false
    /// Send over exactly this flow (RFC 5626 §5.3), never a new connection.
    var flow: FlowToken?
    /// A REGISTER relayed to the registrar: add a Path naming this flow
    /// (RFC 3327 §4.2, RFC 5626 §5.1).
    var pathFlow: FlowToken?
}

extension ProxyCore {
    /// Dialog-forming methods that get a Record-Route when configured.
    static let recordRouteMethods: Set<String> = ["INVITE", "SUBSCRIBE", "REFER", "NOTIFY"]

    // MARK: processors

    func runProcessors(_ ctx: ServerContext, from start: Int) {
        var index = start
        guard index < processors.count else {
            route(ctx)
            return
        }
        // One context and one resumption for the whole run: a run ends at
        // the first processor that suspends, so only that one can resume it.
        let context = RequestContext(source: ctx.upstream.address, local: ctx.upstream.local,
                                     transport: ctx.upstream.transport, callID: ctx.callID,
                                     method: ctx.method, logger: logger, notes: ctx.notes,
                                     tlsPeerIdentities: ctx.upstream.tlsPeerIdentities)
        // The resumption holds the context only until the processor's work
        // ends; `resume` checks that the transaction is still live.
        let resumption = ProcessorResumption(queue: queue) { [weak self, ctx] current, work in
            guard let self else { return }
            self.resume(ctx, processor: current, work: work)
        }
        while index < processors.count {
            let current = index
            resumption.index = current
            guard let request = ctx.request else { return }
            switch processors[index].process(request, context: context, resumption: resumption) {
            case .proceed:
                index += 1
            case let .respond(status, headers):
                decision(ctx.callID, ctx.method, "\(processors[index].name): \(status)")
                respond(ctx, status, headers: headers)
                return
            case .suspend:
                ctx.phase = .suspended(processor: index)
                stats.suspended += 1
                decision(ctx.callID, ctx.method, "\(processors[index].name): suspended")
                ctx.processorTimer = scheduler.schedule(after: config.processorTimeout) { [weak self, ctx] in
                    guard let self, ctx.phase == .suspended(processor: current) else { return }
                    ctx.processorTimer = nil
                    self.decision(ctx.callID, ctx.method, "processor timeout: 500")
                    self.respond(ctx, SIPStatus(500).detailed("processing timed out"))
                }
                return
            }
        }
        route(ctx)
    }

    private func resume(_ ctx: ServerContext, processor index: Int, work: (SIPMessage) -> ProcessorDecision) {
        guard ctx.phase == .suspended(processor: index), !ctx.cancelled, servers[ctx.key] === ctx else { return }
        if let t = ctx.processorTimer { scheduler.cancel(t) }
        ctx.processorTimer = nil
        ctx.phase = .processing
        guard let request = ctx.request else { return }
        switch work(request) {
        case .proceed:
            runProcessors(ctx, from: index + 1)
        case let .respond(status, headers):
            decision(ctx.callID, ctx.method, "\(processors[index].name) resumed: \(status)")
            respond(ctx, status, headers: headers)
        case .suspend:
            respond(ctx, SIPStatus(500).detailed("processor suspended twice"))
        }
    }

    // MARK: routing (RFC 3261 §16.4–16.6)

    /// Pops a Route naming us (§16.4) and picks the next hop: Route, then the
    /// static table (out-of-dialog requests), then the Request-URI host when
    /// it is not us.
    func nextHop(for request: SIPMessage) -> NextHop? {
        if let first = request.routes.first?.parsedURI, isLocal(host: first.host, port: first.port ?? Self.defaultPort(first)) {
            request.removeFirstRoute()
        }
        let ruri = request.parsedRequestURI
        let secure = ruri?.scheme == "sips" || request.routes.first?.parsedURI?.scheme == "sips"
        if let first = request.routes.first?.parsedURI, let host = first.host {
            let (transport, fixed) = transportOf(first)
            return NextHop(host: host, port: first.port ?? Self.defaultPort(first), transport: transport, transportFixed: fixed,
                           serverName: transport == .tls ? Self.name(host) : nil, secure: secure)
        }
        // The static table routes out-of-dialog requests. An in-dialog request
        // (To tag) goes where its Route set or remote target says (RFC 3261
        // §12.2, §16.4); only when that target is this proxy itself (peers
        // that ignore Record-Route, like SIPp's built-in uac) does the table apply.
        let targetsUs = ruri.map { isLocal(host: $0.host, port: $0.port ?? Self.defaultPort($0)) } ?? false
        if request.toTag == nil || targetsUs, let r = config.routes.lookup(user: ruri?.user, host: ruri?.host) {
            return NextHop(host: r.nextHop.host, port: r.nextHop.port, transport: r.transport, transportFixed: r.transportFixed,
                           serverName: r.tlsServerName, secure: secure)
        }
        if let ruri, ruri.scheme != "tel", let host = ruri.host, !isLocal(host: host, port: ruri.port ?? Self.defaultPort(ruri)) {
            let (transport, fixed) = transportOf(ruri)
            return NextHop(host: host, port: ruri.port ?? Self.defaultPort(ruri), transport: transport, transportFixed: fixed,
                           serverName: transport == .tls ? Self.name(host) : nil, secure: secure)
        }
        return nil
    }

    /// RFC 3261 §19.1.2: 5061 for sips, else 5060.
    static func defaultPort(_ uri: SIPURI) -> Int { uri.scheme == "sips" ? 5061 : 5060 }

    /// A host name to check a TLS certificate against; nil for a numeric host.
    static func name(_ host: String) -> String? { SocketAddress(host: host, port: 0) == nil ? host : nil }

    /// The transport a URI asks for, and whether it names one (a
    /// `transport` parameter, or sips): a named transport is not switched
    /// for size (RFC 3261 §18.1.1). A sips URI always means TLS (RFC 3261
    /// §26.2.2: `transport=tcp` in a SIPS URI is TLS over TCP).
    func transportOf(_ uri: SIPURI) -> (TransportProtocol, fixed: Bool) {
        if uri.scheme == "sips" { return (.tls, true) }
        guard case let .some(.some(t)) = uri.parameter("transport") else { return (.udp, false) }
        switch t.lowercased() {
        case "tcp": return (.tcp, true)
        case "tls": return (.tls, true)
        default: return (.udp, true)
        }
    }

    func route(_ ctx: ServerContext) {
        guard let request = ctx.request else { return }
        // A request for a flow belongs to that registered UA whatever the
        // route table says (RFC 5626 §5.3).
        if config.registrar != nil, routeByFlow(ctx, request) { return }
        if hasB2BUARoutes, let b2bua = b2buaRoute(for: ctx, request) {
            startB2BUA(ctx, route: b2bua)
            return
        }
        if config.registrar != nil, let hop = registrarHop(for: ctx, request) {
            forward(ctx, toResolved: hop, unresolvable: "registrar unresolvable")
            return
        }
        guard let hop = nextHop(for: request) else {
            decision(ctx.callID, ctx.method, "404 no route")
            respond(ctx, SIPStatus(404))
            return
        }
        forward(ctx, toResolved: hop, unresolvable: "next hop unresolvable")
    }

    /// Forwards to `hop` once its host is an address: a numeric host (the
    /// common case) at once, without a closure and the references it would
    /// take; a name after `resolve`, or 503 with `unresolvable` as detail.
    private func forward(_ ctx: ServerContext, toResolved hop: NextHop, unresolvable: String) {
        if let address = SocketAddress(host: hop.host, port: hop.port) {
            forward(ctx, to: address, hop: hop)
            return
        }
        resolve(hop) { [weak self, ctx] address in
            guard let self, servers[ctx.key] === ctx, !ctx.cancelled else { return }
            guard let address else {
                self.decision(ctx.callID, ctx.method, "503 cannot resolve \(hop.host)")
                self.respond(ctx, SIPStatus(503).detailed(unresolvable))
                return
            }
            self.forward(ctx, to: address, hop: hop)
        }
    }

    /// Numeric hosts resolve at once; names resolve off the loop (never block it).
    func resolve(_ hop: NextHop, _ done: @escaping (SocketAddress?) -> Void) {
        if let a = SocketAddress(host: hop.host, port: hop.port) {
            done(a)
            return
        }
        if let mapped = config.staticHosts[hop.host.lowercased()] {
            done(SocketAddress(host: mapped, port: hop.port))
            return
        }
        guard config.resolveNames else {
            done(nil)
            return
        }
        let queue = self.queue
        DispatchQueue.global().async {
            let a = ProxyCore.lookup(host: hop.host, port: hop.port)
            queue.async { done(a) }
        }
    }

    static func lookup(host: String, port: Int) -> SocketAddress? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        return SocketAddress(storage: storage)
    }

    /// §16.6: copy is the working request; decrement Max-Forwards, add
    /// Record-Route and our Via, start a client transaction (+ Timer C for INVITE).
    func forward(_ ctx: ServerContext, to destination: SocketAddress, hop: NextHop) {
        guard let request = ctx.request else { return }
        var transport = hop.transport
        // RFC 5630 §3.1.3, RFC 3261 §26.2.2: a sips: request never leaves
        // in cleartext. Without a TLS next hop (or without TLS here) it is
        // refused with 480 and warn-code 380 "SIPS Not Allowed" (RFC 5630
        // §4.4, §3.1.3).
        if hop.secure && (transport != .tls || sender.localAddress(transport: .tls, family: destination.family) == nil) {
            decision(ctx.callID, ctx.method, "480: sips request, next hop \(destination) is \(transport.rawValue), not TLS")
            respond(ctx, SIPStatus(480), headers: [("Warning", "380 \(Self.warnAgent(ctx)) \"SIPS Not Allowed\"")])
            return
        }
        guard var local = sender.localAddress(transport: transport, family: destination.family) else {
            decision(ctx.callID, ctx.method, "503 no local \(transport.rawValue) socket for \(destination)")
            respond(ctx, SIPStatus(503).detailed("no transport"))
            return
        }
        request.maxForwards = request.maxForwards.map { $0 - 1 } ?? config.defaultMaxForwards
        if let flow = hop.pathFlow { insertPath(request, flow: flow, transport: transport, local: local) }
        let loop = Branch.loopHash(of: request)
        let branch = branches.seal(Branch.make(loopHash: loop, unique: makeUnique()), upstream: request.topVia)
        let recordRoute = config.recordRoute && request.toTag == nil && ProxyCore.recordRouteMethods.contains(ctx.method)
        let routeUser = recordRoute ? recordRouteFlow(ctx, hop).map { flowTokens.seal($0) + "@" } ?? "" : ""
        var bytes = stamp(request, transport: transport, local: local, branch: branch, recordRoute: recordRoute, secure: hop.secure,
                          user: routeUser)
        if transport == .udp, bytes.count > udpLimit(destination.family) {
            // RFC 3261 §18.1.1: too large for UDP goes over TCP; where the
            // next hop's transport is fixed or we have no TCP, 513 at once
            // (sendto would fail with EMSGSIZE and the transaction would
            // retransmit into Timer B).
            request.removeTopVia()
            if recordRoute { request.removeFirstRecordRoute() }
            guard !hop.transportFixed, let tcp = sender.localAddress(transport: .tcp, family: destination.family) else {
                decision(ctx.callID, ctx.method, "513: \(bytes.count) bytes too large for UDP to \(destination)")
                respond(ctx, SIPStatus(513))
                return
            }
            transport = .tcp
            local = tcp
            bytes = stamp(request, transport: transport, local: local, branch: branch, recordRoute: recordRoute, secure: hop.secure,
                          user: routeUser)
            decision(ctx.callID, ctx.method, "\(bytes.count) bytes too large for UDP: TCP instead")
        }
        let reliable = transport.isReliable
        let machine: ClientContext.Machine = ctx.method == "INVITE"
            ? .invite(InviteClientTransaction(reliable: reliable, timers: config.timers))
            : .nonInvite(NonInviteClientTransaction(reliable: reliable, timers: config.timers))
        let client = ClientContext(branch: branch, method: ctx.method, machine: machine, request: request,
                                   bytes: bytes, destination: destination, transport: transport, server: ctx)
        client.serverName = hop.serverName
        client.flowConnection = hop.flow?.connectionID
        clients[client.key] = client
        ctx.client = client
        ctx.phase = .forwarded
        stats.requestsForwarded += 1
        decision(ctx.callID, ctx.method, "forward to \(transport.rawValue) \(destination)")
        startClient(client)
        if ctx.method == "INVITE" { armTimerC(client) }
    }

    /// Adds our Record-Route (when asked) and Via for `transport` and
    /// returns the bytes to send.
    /// A sips request gets a SIPS Record-Route (RFC 3261 §16.6 step 4).
    /// `user` ("TOKEN@" or empty) names a flow the dialog's requests must
    /// take (RFC 5626 §5.3).
    private func stamp(_ request: SIPMessage, transport: TransportProtocol, local: SocketAddress,
                       branch: String, recordRoute: Bool, secure: Bool = false, user: String = "") -> [UInt8] {
        if recordRoute {
            if secure {
                request.prependRecordRoute("<sips:\(user)\(local.hostForURI):\(local.port);lr>")
            } else {
                let t = transport == .udp ? "" : ";transport=" + transport.uriName
                request.prependRecordRoute("<sip:\(user)\(local.hostForURI):\(local.port)\(t);lr>")
            }
        }
        request.prependVia(ProxyCore.viaValue(transport: transport, local: local, branch: branch))
        return request.serialize()
    }

    /// The largest request sent over UDP: what fits a datagram (65,535
    /// less the IP and UDP headers), or 200 bytes under a configured path
    /// MTU (RFC 3261 §18.1.1).
    func udpLimit(_ family: SocketAddress.Family) -> Int {
        let datagram = family == .inet6 ? 65_527 : 65_507
        guard let mtu = config.udpMTU else { return datagram }
        return min(datagram, mtu - 200)
    }

    /// §16.11: forward without state (ACK for 2xx, CANCEL without context).
    func forwardStatelessly(_ request: SIPMessage, _ rx: ReceivedMessage) {
        if let mf = request.maxForwards, mf <= 0 { return }
        // An ACK cannot be answered 482: a looping one is dropped (§16.3 step 4).
        if hasLooped(request) {
            decision(request.callID ?? "-", request.method ?? "", "stateless: loop detected, dropped")
            return
        }
        if config.registrar != nil, statelessByFlow(request, rx) { return }
        guard let hop = nextHop(for: request) else {
            decision(request.callID ?? "-", request.method ?? "", "stateless: no route, dropped")
            return
        }
        // A sips ACK or CANCEL is never sent in cleartext either (RFC 5630 §3.1.3).
        if hop.secure && hop.transport != .tls {
            decision(request.callID ?? "-", request.method ?? "", "stateless: sips request without a TLS next hop, dropped")
            return
        }
        if let address = SocketAddress(host: hop.host, port: hop.port) {
            sendStatelessly(request, to: address, hop: hop)
            return
        }
        resolve(hop) { [weak self] address in
            guard let self, let address else { return }
            self.sendStatelessly(request, to: address, hop: hop)
        }
    }

    private func sendStatelessly(_ request: SIPMessage, to address: SocketAddress, hop: NextHop) {
        let transport = hop.transport
        guard let local = sender.localAddress(transport: transport, family: address.family) else { return }
        request.maxForwards = request.maxForwards.map { $0 - 1 } ?? config.defaultMaxForwards
        // An ACK gets no response (RFC 3261 §17.1.1.3), so nothing would
        // ever be relayed on its branch: it needs no seal.
        let stateless = Branch.stateless(for: request, loopHash: Branch.loopHash(of: request))
        let branch = request.method == "ACK" ? stateless : branches.seal(stateless, upstream: request.topVia)
        request.prependVia(ProxyCore.viaValue(transport: transport, local: local, branch: branch))
        sender.send(request.serialize(), to: address, transport: transport, connectionID: nil, serverName: hop.serverName)
        stats.requestsForwarded += 1
        decision(request.callID ?? "-", request.method ?? "", "stateless forward to \(address)")
    }

    /// Our Via (RFC 3261 §16.6 step 8, RFC 3581 rport), built in one
    /// buffer: interpolation grows and copies its String several times.
    static func viaValue(transport: TransportProtocol, local: SocketAddress, branch: String) -> String {
        var via = "SIP/2.0/"
        via.reserveCapacity(40 + local.host.utf8.count + branch.utf8.count)
        via += transport.rawValue
        via += " "
        via += local.hostForURI
        via += ":"
        via += String(local.port)
        via += ";branch="
        via += branch
        via += ";rport"
        return via
    }

    /// The warn-agent of our Warning header fields (RFC 3261 §20.43): the
    /// address the request reached us on.
    static func warnAgent(_ ctx: ServerContext) -> String {
        "\(ctx.upstream.local.hostForURI):\(ctx.upstream.local.port)"
    }

    func responseAddress(for request: SIPMessage, _ rx: ReceivedMessage) -> SocketAddress {
        guard rx.transport == .udp, let via = request.vias.first else { return rx.source }
        if via.rport != nil { return rx.source }
        // RFC 3261 §18.2.2: to the received address and the sent-by port.
        return rx.source.withPort(via.port ?? 5060) ?? rx.source
    }
}
