/// How stird carries a call on a route (`mode` in `[proxy]` and `[route]`).
public enum CallMode: String, Equatable, Sendable, CaseIterable {
    /// A transaction-stateful proxy (RFC 3261 §16): the call is one dialog
    /// between its ends, and their Via, Contact and Record-Route pass.
    case proxy
    /// A back-to-back user agent (RFC 3261 §6 "B2BUA", RFC 7092): stird is
    /// the UAS of the caller's dialog (leg A) and the UAC of a new dialog
    /// towards the callee (leg B), so neither side sees the other's topology.
    case b2bua
}
