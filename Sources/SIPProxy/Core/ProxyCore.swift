import Dispatch
import Logging
import SIPCore

/// The transaction-stateful proxy core (RFC 3261 §16) for one loop.
///
/// Every method runs on `queue`. Requests flow: parse → validate → server
/// transaction → proxy checks → processor chain (may suspend) → route →
/// client transaction. Responses flow back by transaction, or statelessly by
/// Via when no transaction matches (§16.7 step 1 / RFC 6026).
public final class ProxyCore {
    public let queue: DispatchQueue
    let sender: MessageSender
    let scheduler: TimerScheduler
    var config: ProxyConfiguration
    let logger: Logger
    let processors: [RequestProcessor]
    var servers: [ServerKey: ServerContext] = [:]
    var clients: [String: ClientContext] = [:]
    /// Finished server transactions kept for retransmissions (Timers L and J).
    let lingeringServers: LingerTable
    /// Finished client transactions kept for retransmissions (Timers M and K).
    let lingeringClients: LingerTable
    var nextUnique: UInt64
    var draining = false
    /// B2BUA calls on this loop, by the Call-ID of each of their legs.
    var dialogs: [String: DialogContext] = [:]
    /// Calls (not legs) in `dialogs`.
    var dialogCount = 0
    /// This loop's place among the loops: leg B Call-IDs must hash here.
    var loopIndex = 0
    var loopCount = 1
    /// Some route is in `b2bua` mode: only then does a proxy-only
    /// configuration pay for the B2BUA's look-ups (with calls still up
    /// after a reload, `dialogs` is not empty and they run too).
    private(set) var hasB2BUARoutes: Bool
    /// Seals our branches and checks them on responses without a transaction.
    let branches = BranchAuthenticator()
    /// Seals and opens the flow tokens of our Path URIs (RFC 5626 §5.2).
    let flowTokens = FlowTokenSealer()
    /// The open flows (the transport reports them); process-wide.
    public var flows = FlowTable.shared
    var cachedLocalEndpoints: Set<String>?
    /// `config.localNames`, lower-cased once (isLocal runs several times per message).
    let localNames: Set<String>
    /// Counters for tests, logs and metrics.
    public internal(set) var stats = ProxyStats()
    /// Address values this loop's validation accepted (see `AcceptedFieldValues`).
    public let acceptedValues = AcceptedFieldValues()

    public init(config: ProxyConfiguration, sender: MessageSender, scheduler: TimerScheduler,
                queue: DispatchQueue, processors: [RequestProcessor], logger: Logger) {
        self.config = config
        self.sender = sender
        self.scheduler = scheduler
        self.queue = queue
        self.processors = processors
        self.logger = logger
        self.localNames = Set(config.localNames.map { $0.lowercased() })
        self.hasB2BUARoutes = config.routes.routes.contains { $0.mode == .b2bua }
        self.lingeringServers = LingerTable(scheduler: scheduler)
        self.lingeringClients = LingerTable(scheduler: scheduler)
        // Unique branch parts must not repeat across restarts within the
        // lifetime of old transactions elsewhere: seed from the clock.
        self.nextUnique = DispatchTime.now().uptimeNanoseconds
    }

    /// Transactions still alive (server + client), lingering ones included.
    public var activeTransactionCount: Int {
        servers.count + clients.count + lingeringServers.count + lingeringClients.count
    }

    /// Replaces the static route table (SIGHUP); transactions in flight keep their next hop.
    public func updateRoutes(_ routes: RouteTable) {
        dispatchPrecondition(condition: .onQueue(queue))
        config.routes = routes
        hasB2BUARoutes = routes.routes.contains { $0.mode == .b2bua }
    }

    /// From now on, new requests are refused with 503 and Retry-After.
    public func beginDrain() {
        dispatchPrecondition(condition: .onQueue(queue))
        draining = true
    }

    /// Entry point for every message from the transport layer.
    public func receive(_ rx: ReceivedMessage) {
        dispatchPrecondition(condition: .onQueue(queue))
        let message: SIPMessage
        do {
            message = try SIPMessage.parse(rx.bytes)
        } catch {
            stats.parseFailures += 1
            logger.debug("unparseable message dropped", metadata: ["from": "\(rx.source)", "reason": "\(error)"])
            answerUnparseable(rx, (error as? SIPParseError) ?? SIPParseError(reason: "\(error)"))
            return
        }
        if message.isRequest {
            receiveRequest(message, rx)
        } else {
            receiveResponse(message, rx)
        }
    }

    /// RFC 3261 §17.1.4, §18.4: the transport could not send `bytes` (a
    /// request we forwarded, or the ACK for a non-2xx final): its client
    /// transaction is told, and the proxy answers upstream as if a 503 had
    /// come back (§16.9) instead of waiting for Timer B or F. Anything
    /// else (responses, stateless forwards) is only counted in the log.
    public func transportFailed(_ bytes: [UInt8]) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let message = SIPMessage.parseHeaderSection(bytes), message.isRequest, let method = message.method,
              let branch = message.topVia?.branch else { return }
        let key = ClientContext.key(branch: branch, method: method == "ACK" ? "INVITE" : method)
        guard let client = clients[key] else { return }
        decision(message.callID ?? "-", method, "transport error towards \(client.destination)")
        feed(client, .transportError, .transportError)
    }

    /// RFC 4475 §3.1.2.2/§3.1.2.3: a request whose framing is broken still
    /// gets a 400 over UDP when its header section can be read and has what
    /// a response needs (Via, From, To, Call-ID, CSeq); anything else
    /// (responses, ACKs, unreadable headers) is dropped.
    private func answerUnparseable(_ rx: ReceivedMessage, _ error: SIPParseError) {
        guard let request = SIPMessage.parseHeaderSection(rx.bytes), request.isRequest, request.method != "ACK",
              !request.vias.isEmpty, request.from != nil, request.to != nil, request.callID != nil,
              request.cseq != nil else { return }
        respondStatelessly(to: request, rx, error.status)
    }

    // MARK: shared helpers

    func makeUnique() -> UInt64 {
        nextUnique &+= 1
        return nextUnique
    }

    func makeTag() -> String {
        var h = FNV1a()
        h.add(String(makeUnique()))
        return String(h.hex.prefix(12))
    }

    /// Where a response to this request goes (RFC 3261 §18.2.2 with RFC 3581 rport).
    func responseDestination(for via: SIPVia, fallback: Upstream) -> SocketAddress? {
        if let r = via.rport, let port = r, let host = via.received ?? Optional(via.host),
           let a = SocketAddress(host: host, port: port) {
            return a
        }
        let host = via.received ?? via.host
        return SocketAddress(host: host, port: via.port ?? 5060)
    }

    func isLocal(host: String?, port: Int?) -> Bool {
        guard let host else { return false }
        let h = host.lowercased()
        if localNames.contains(h) { return true }
        return localEndpoints.contains("\(h.replacingBrackets()):\(port ?? 5060)")
    }

    /// "host:port" of every bound address, computed once the transports are
    /// up (the first message arrives after that); names from the config.
    private var localEndpoints: Set<String> {
        if let cached = cachedLocalEndpoints { return cached }
        var set: Set<String> = []
        for t in TransportProtocol.allCases {
            for f in [SocketAddress.Family.inet, .inet6] {
                if let a = sender.localAddress(transport: t, family: f) { set.insert("\(a.host.lowercased()):\(a.port)") }
            }
        }
        cachedLocalEndpoints = set
        return set
    }


}

/// Counters kept by the core.
public struct ProxyStats: Equatable, Sendable {
    public var requestsReceived = 0
    public var responsesReceived = 0
    public var parseFailures = 0
    public var statelessResponses = 0
    public var requestsForwarded = 0
    public var responsesForwarded = 0
    public var retransmissionsAbsorbed = 0
    public var strayResponses = 0
    public var droppedResponses = 0
    public var suspended = 0
    /// Messages dropped before parsing because their loop was overloaded.
    public var overloadDrops = 0
    /// Finished transactions kept for retransmissions (a gauge, filled in by
    /// `ProxyShards.stats`).
    public var lingeringTransactions = 0
    /// Finished transactions not kept because the lingering table was full.
    public var lingeringRefused = 0
    /// Shares of received messages a UDP reader ran itself on an idle loop,
    /// and shares handed to a loop's queue (`ProxyShards.hand`).
    public var readerShares = 0
    public var handedShares = 0
    /// B2BUA calls held now (a gauge), started, and ended by cause.
    public var dialogsActive = 0
    public var dialogsCreated = 0
    public var dialogsEnded: [DialogEndCause: Int] = [:]
    /// New B2BUA calls refused because `max_dialogs` was reached.
    public var dialogsRefused = 0
    public init() {}
}

extension String {
    func replacingBrackets() -> String {
        if hasPrefix("["), hasSuffix("]") { return String(dropFirst().dropLast()) }
        return self
    }
}

extension ProxyCore {
    /// Server transactions still waiting for a final response: what a drain waits for.
    public var pendingTransactionCount: Int {
        servers.values.filter { $0.finalStatusSent == nil }.count
    }

    /// What a drain waits for: those transactions and the B2BUA calls still
    /// up, whose in-dialog requests (the BYE above all) are still routed
    /// until they end or `drain_timeout_s` passes.
    public var pendingDrainCount: Int { pendingTransactionCount + dialogCount }
}
