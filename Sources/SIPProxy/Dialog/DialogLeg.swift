import SIPCore

/// One side of a B2BUA call: the dialog state RFC 3261 §12 keeps for it,
/// seen from stird (UAS on leg A, UAC on leg B).
struct DialogLeg {
    /// Call-ID of this leg's dialog (leg B's is stird's own, see `B2BUACallID`).
    let callID: String
    /// stird's tag: To tag on leg A (§12.1.1), From tag on leg B (§12.1.2).
    var localTag: String
    /// The far end's tag; nil on leg B until a response carries one.
    var remoteTag: String?
    /// stird's URI of this dialog (From on requests it sends), without tag.
    let local: SIPNameAddr
    /// The far end's URI (To on requests stird sends), without tag.
    let remote: SIPNameAddr
    /// Where requests on this leg go: the far end's Contact (§12.1, §12.2.1.2).
    var remoteTarget: String
    /// Route set, in the order requests carry it (§12.1.1, §12.1.2).
    var routeSet: [String]
    /// stird's CSeq space on this leg (§12.2.1.1).
    var localCSeq: UInt32
    /// The last CSeq number the far end used (§12.2.2).
    var remoteCSeq: UInt32?
    /// CSeq of the last INVITE stird sent on this leg: the ACK for its 2xx
    /// carries it (§13.2.2.4).
    var inviteCSeq: UInt32 = 0

    /// The next CSeq number for a new request on this leg.
    mutating func nextCSeq() -> UInt32 {
        localCSeq &+= 1
        return localCSeq
    }

    /// A name-addr without its tag parameter.
    static func untagged(_ value: SIPNameAddr) -> SIPNameAddr {
        var v = value
        v.tag = nil
        return v
    }
}
