/// One early dialog on leg B when the INVITE forked downstream (RFC 3261
/// §12.1.2, §13.2.2.4): each To tag on leg B gets its own To tag on leg A,
/// so the caller sees the same number of early dialogs, and requests in
/// one of them (PRACK, UPDATE) reach the fork they belong to.
struct EarlyFork {
    /// The fork's To tag on leg B.
    let bTag: String
    /// stird's To tag for it on leg A.
    let aTag: String
    var remoteTarget: String
    var routeSet: [String]
}
