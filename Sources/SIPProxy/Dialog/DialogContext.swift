import SIPCore

/// A B2BUA call held by one loop: the dialog value, its two legs and the
/// transactions and timer attached to it. Reference type because both
/// legs' Call-IDs and the transactions point at it; every link is cut in
/// `ProxyCore.endDialog`.
final class DialogContext {
    var dialog = B2BUADialog()
    var a: DialogLeg
    var b: DialogLeg
    /// Leg A's INVITE server transaction until its final response.
    var inviteServer: ServerContext?
    /// Leg B's INVITE client transaction until its final response.
    var inviteClient: ClientContext?
    /// Where leg B's first INVITE went (its next hop).
    let bHop: NextHop
    /// The ACK sent on leg B for its 2xx, resent when the 2xx is (§13.2.2.4).
    var ackB: [UInt8]?
    var lifetimeTimer: TimerToken?
    /// How A reached us: requests stird sends on leg A leave from there.
    let aUpstream: Upstream
    /// stird's 2xx to an INVITE on leg A (index 0) or leg B (index 1),
    /// retransmitted over UDP until the ACK comes (RFC 3261 §13.3.1.4).
    var unacked: [Unacknowledged2xx?] = [nil, nil]
    /// Early dialogs on leg B, in the order their first provisional came;
    /// emptied when a 2xx picks one.
    var forks: [EarlyFork] = []

    init(a: DialogLeg, b: DialogLeg, bHop: NextHop, aUpstream: Upstream) {
        self.a = a
        self.b = b
        self.bHop = bHop
        self.aUpstream = aUpstream
    }

    var isConfirmed: Bool { dialog.state == .confirmed }
}
