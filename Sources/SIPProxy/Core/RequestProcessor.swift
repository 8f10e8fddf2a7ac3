import Synchronization
import Dispatch
import Logging
import SIPCore

/// What a processor decided about a request (reSIProcate-style chain).
public enum ProcessorDecision {
    /// Hand the request to the next processor, then route it.
    case proceed
    /// Answer the request with this final response; do not forward it.
    case respond(SIPStatus, headers: [(name: String, value: String)])
    /// The processor will call its `ProcessorResumption` later (for example
    /// after a certificate download). The request waits; the loop does not.
    case suspend
}

/// Facts about a request that processors may use. A value: it does not own
/// the message.
public struct RequestContext {
    public var source: SocketAddress
    public var local: SocketAddress
    public var transport: TransportProtocol
    public var callID: String
    public var method: String
    public var logger: Logger
    /// Per-transaction notes shared by the processors and the core.
    public var notes: TransactionNotes
    /// Over TLS, the verified client certificate's identities (see
    /// `ReceivedMessage.tlsPeerIdentities`); empty otherwise.
    public var tlsPeerIdentities: [String] = []
}

/// What processors leave for the rest of a transaction. Touch it only on
/// the SIP loop (in `process` or inside a `resume` closure).
public final class TransactionNotes {
    /// Header fields added to the next provisional (>100) or final response
    /// sent upstream for this request, then cleared: e.g. a verifier that
    /// lets a call continue reports why in a Reason header (RFC 8224 §6.2.2,
    /// RFC 9410).
    public var upstreamResponseHeaders: [(name: String, value: String)] = []
    /// The account an authenticating processor established for this
    /// request (RFC 3261 §22.3 proxy authentication), for the processors
    /// after it; nil when none did.
    public var account: String?

    public init() {}

    /// Adds the pending headers to `response` once.
    func drain(into response: SIPMessage) {
        guard !upstreamResponseHeaders.isEmpty else { return }
        for h in upstreamResponseHeaders { response.addHeader(name: h.name, value: h.value) }
        upstreamResponseHeaders.removeAll()
    }
}

/// A step in the request pipeline. `process` runs on the SIP loop and must not
/// block; long work suspends and resumes through `resumption`.
public protocol RequestProcessor: AnyObject {
    var name: String { get }
    /// May modify `request` (the copy that will be forwarded).
    func process(_ request: SIPMessage, context: RequestContext, resumption: ProcessorResumption) -> ProcessorDecision
}

/// Resumes one suspended request. Only the processor that returned
/// `.suspend` may call `resume`, exactly once, from any thread; `work` then runs on the request's loop with the request to
/// forward, and returns the decision (`.suspend` is not allowed again and is
/// answered with 500). Calls after the first, or after the request was
/// cancelled or timed out, are ignored.
public final class ProcessorResumption: @unchecked Sendable {
    private let queue: DispatchQueue
    private let deliver: (Int, @escaping (SIPMessage) -> ProcessorDecision) -> Void
    private let used = Atomic<Bool>(false)
    /// The processor being run; set by the core on the loop before each
    /// `process` call (one resumption serves a whole chain run, since at most
    /// one processor can suspend it).
    var index = 0

    init(queue: DispatchQueue, deliver: @escaping (Int, @escaping (SIPMessage) -> ProcessorDecision) -> Void) {
        self.queue = queue
        self.deliver = deliver
    }

    public func resume(_ work: @escaping (SIPMessage) -> ProcessorDecision) {
        guard used.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        queue.async { self.deliver(self.index, work) }
    }
}
