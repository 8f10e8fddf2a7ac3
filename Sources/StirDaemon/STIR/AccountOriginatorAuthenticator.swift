import SIPProxy
import SIPCore

/// The originator of a request from a peer that authenticates its callers
/// (`authenticate = digest`): the account `AuthenticationProcessor` established for
/// it (`TransactionNotes.account`), with that account's TNs; attestation is
/// then A only for the account's own numbers (ATIS-1000074 §5.2.3). A
/// request from such a peer without an authenticated account has no
/// originator and is not signed. Other peers are left to `fallback` (by
/// source address).
public struct AccountOriginatorAuthenticator: OriginatorAuthenticator {
    let accounts: [String: AccountConfiguration]
    let fallback: any OriginatorAuthenticator

    public init(accounts: [AccountConfiguration], fallback: any OriginatorAuthenticator = PeerOriginatorAuthenticator()) {
        var table: [String: AccountConfiguration] = [:]
        for a in accounts { table[a.name] = a }
        self.accounts = table
        self.fallback = fallback
    }

    public func originator(of request: SIPMessage, context: RequestContext, peer: PeerConfiguration) -> Originator? {
        guard !peer.authenticate.isEmpty else { return fallback.originator(of: request, context: context, peer: peer) }
        guard peer.trusted && peer.sign, let name = context.notes.account, let account = accounts[name] else { return nil }
        return Originator(name: account.name, ownedTNs: account.tns, gateway: false)
    }
}
