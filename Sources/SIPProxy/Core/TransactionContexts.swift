import SIPCore

/// Identifies a server transaction: RFC 3261 §17.2.3 key, or for requests
/// without the magic cookie (RFC 2543 peers, RFC 4475 inv2543/badbranch) a
/// key built from the fields §17.2.3 lists for the old matching rules.
enum ServerKey: Hashable {
    case rfc3261(TransactionKey)
    case legacy(String)

    static func make(for request: SIPMessage, method: String) -> ServerKey? {
        guard let via = request.vias.first else { return nil }
        // Hosts compare case-insensitively (RFC 3261 §17.2.3, §19.1.4).
        let sentBy = via.host.keyForm(trim: false) + ":" + String(via.port ?? 5060)
        if let b = via.branch, b.hasPrefix("z9hG4bK"), b.count > 7,
           let key = TransactionKey.server(branch: b, sentBy: sentBy, method: method) {
            return .rfc3261(key)
        }
        let m = (method == "ACK") ? "INVITE" : method
        let parts = [request.requestURI ?? "", request.callID ?? "", request.fromTag ?? "",
                     String(request.cseq?.number ?? 0), m, sentBy, via.branch ?? ""]
        return .legacy(parts.joined(separator: "|"))
    }
}

/// Where a request came from: responses go back the same way (RFC 3261 §18.2.2, RFC 3581).
struct Upstream {
    var address: SocketAddress
    var local: SocketAddress
    var transport: TransportProtocol
    var connectionID: UInt64?
    /// The verified TLS client certificate's identities, for processors.
    var tlsPeerIdentities: [String] = []
    /// Where responses go: the source when the Via asked for rport, else
    /// received/sent-by (RFC 3261 §18.2.2, RFC 3581 §4).
    var responseAddress: SocketAddress
    /// What we set on the top Via, re-applied to locally built responses.
    var viaReceived: String?
    var viaRport: Int?
}

/// A server transaction and the proxy state attached to it. Lives on the loop.
final class ServerContext {
    enum Machine {
        case invite(InviteServerTransaction)
        case nonInvite(NonInviteServerTransaction)
    }
    enum Phase: Equatable {
        case processing
        case suspended(processor: Int)
        case forwarded
        case answered
    }

    let key: ServerKey
    var machine: Machine
    let method: String
    let callID: String
    /// Bytes as received: locally generated responses are built from them so
    /// processor edits of the forwarded copy never leak into responses.
    private(set) var receivedBytes: [UInt8]?
    /// The working copy that processors edit and that is forwarded; released
    /// once a final response went upstream (see `shed()`).
    private(set) var request: SIPMessage?
    let upstream: Upstream
    var phase: Phase = .processing
    var lastResponse: [UInt8]?
    var timers = TimerMap<TimerToken>()
    var processorTimer: TimerToken?
    var client: ClientContext?
    var cancelled = false
    var finalStatusSent: Int?
    let toTag: String
    let notes = TransactionNotes()
    /// The B2BUA call whose leg-A INVITE this is (until its final response).
    var dialog: DialogContext?
    /// A REGISTER relayed to the registrar from this flow (connection id)
    /// and what it does to its bindings (`ProxyCore.bindingChange`).
    var flowRegistration: (UInt64, Bool?)?

    init(key: ServerKey, machine: Machine, method: String, callID: String, receivedBytes: [UInt8],
         request: SIPMessage, upstream: Upstream, toTag: String) {
        self.key = key
        self.machine = machine
        self.method = method
        self.callID = callID
        self.receivedBytes = receivedBytes
        self.request = request
        self.upstream = upstream
        self.toTag = toTag
    }

    /// A fresh parse of the request as received (cold path only).
    func originalRequest() -> SIPMessage? { receivedBytes.flatMap { try? SIPMessage.parse($0) } }

    /// After the final response only the response bytes and the machine are
    /// needed (retransmissions, ACK absorption): drop the request so a
    /// transaction lingering in Completed/Accepted (up to 64*T1) stays small.
    func shed() {
        request = nil
        receivedBytes = nil
    }
}

/// A client transaction we started by forwarding, or a CANCEL we sent.
final class ClientContext {
    enum Machine {
        case invite(InviteClientTransaction)
        case nonInvite(NonInviteClientTransaction)
    }
    let key: String
    let branch: String
    let method: String
    var machine: Machine
    /// The forwarded request; released with `bytes` after the final response.
    private(set) var request: SIPMessage?
    private(set) var bytes: [UInt8]
    /// The ACK for a non-2xx final, built once and resent on retransmitted finals.
    var ackBytes: [UInt8]?
    let destination: SocketAddress
    let transport: TransportProtocol
    /// The name a new TLS connection to `destination` must authenticate.
    var serverName: String?
    /// Sent over this flow only (RFC 5626 §5.3); its loss is a 430.
    var flowConnection: UInt64?
    /// The server transaction this one forwards for. A strong reference
    /// (a weak one gives both contexts a side table and slower reference
    /// counting on every call): the cycle with `ServerContext.client` is
    /// broken when either transaction ends (`ProxyCore.endServer` /
    /// `endClient`), and every transaction ends by its own timers.
    var server: ServerContext?
    var timers = TimerMap<TimerToken>()
    var timerC: TimerToken?
    var lastResponse: SIPMessage?
    var receivedProvisional = false
    var cancelPending = false
    var cancelSent = false
    /// The B2BUA call this request was sent for: its responses are
    /// translated to the other leg instead of relayed (§16.7).
    var dialog: DialogContext?
    /// The INVITE that opened a B2BUA call on leg B (not a re-INVITE).
    var initialB2BUAInvite = false

    init(branch: String, method: String, machine: Machine, request: SIPMessage, bytes: [UInt8],
         destination: SocketAddress, transport: TransportProtocol, server: ServerContext?) {
        self.key = ClientContext.key(branch: branch, method: method)
        self.branch = branch
        self.method = method
        self.machine = machine
        self.request = request
        self.bytes = bytes
        self.destination = destination
        self.transport = transport
        self.server = server
    }

    static func key(branch: String, method: String) -> String { "\(branch)|\(method)" }

    /// After a final response nothing is sent again but the ACK (cached).
    func shed() {
        request = nil
        bytes = []
        lastResponse = nil
    }
}
