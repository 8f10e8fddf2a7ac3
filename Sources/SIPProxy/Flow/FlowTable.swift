import Synchronization

/// The open TLS and TCP connections as flows (RFC 5626 §3.2), shared by
/// the transport queue, which reports each connection opened and closed,
/// and the proxy loops, which ask whether a flow token still names an
/// open connection before sending over it (§5.3) and mark a flow
/// registered when a REGISTER relayed from it was answered 2xx. A
/// connection that closed is forgotten at once, registered or not, so a
/// 2xx arriving after its flow closed marks nothing.
///
/// One lock and a dictionary operation per connection opened or closed,
/// per request routed by flow and per relayed REGISTER answered: none on
/// the path of an ordinary call.
public final class FlowTable: Sendable {
    public static let shared = FlowTable()

    private struct State {
        var open: [UInt64: FlowToken] = [:]
        var registered: Set<UInt64> = []
        var failures = 0
    }
    private let state = Mutex(State())

    public init() {}

    /// The transport layer opened or accepted a stream connection.
    public func opened(_ flow: FlowToken) {
        state.withLock { $0.open[flow.connectionID] = flow }
    }

    /// The connection is gone: its registration (if any) with it.
    public func closed(connectionID: UInt64) {
        state.withLock {
            $0.open[connectionID] = nil
            $0.registered.remove(connectionID)
        }
    }

    /// True when the connection the token names is still open to the
    /// same far end over the same transport.
    public func isOpen(_ flow: FlowToken) -> Bool {
        state.withLock { $0.open[flow.connectionID] == flow }
    }

    /// True when a REGISTER from this open connection was answered 2xx.
    public func isRegistered(connectionID: UInt64) -> Bool {
        state.withLock { $0.registered.contains(connectionID) }
    }

    /// A REGISTER relayed from this flow was answered 2xx with bindings
    /// (`bound`), or 2xx without any (every binding removed, RFC 3261
    /// §10.3 step 8).
    public func registrationAnswered(connectionID: UInt64, bound: Bool) {
        state.withLock {
            if bound, $0.open[connectionID] != nil {
                $0.registered.insert(connectionID)
            } else if !bound {
                $0.registered.remove(connectionID)
            }
        }
    }

    /// A request for a flow that is gone was answered 430 (RFC 5626 §5.3).
    public func flowFailed() {
        state.withLock { $0.failures += 1 }
    }

    /// Open flows with a registration answered 2xx (`stird_rue_registrations`).
    public var registrations: Int { state.withLock { $0.registered.count } }
    /// 430 Flow Failed sent (`stird_rue_flow_failures_total`).
    public var failures: Int { state.withLock { $0.failures } }
}
