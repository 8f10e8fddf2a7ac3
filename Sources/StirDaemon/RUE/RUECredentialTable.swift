import Foundation

/// The generated RUE credentials as the Digest check sees them: for each
/// account, the H(A1) values of each instance's generated password
/// (RFC 9248 §9 `sip-password`). The seam between the configuration
/// service, which fills it from `RUECredentialStore`, and
/// `AuthenticationProcessor`, which accepts a response made with the
/// account's configured hash or any of these. Process-wide, like the key
/// tables: a lookup takes a lock for a dictionary read, on the loop.
public final class RUECredentialTable: @unchecked Sendable {
    public static let shared = RUECredentialTable()

    private let lock = NSLock()
    /// account → realm-bound rows.
    private var rows: [String: [RUECredentialStore.Row]] = [:]

    public init() {}

    /// Replaces everything (start-up, from the store).
    public func replaceAll(_ all: [RUECredentialStore.Row], keep: Int) {
        var table: [String: [RUECredentialStore.Row]] = [:]
        for r in all { table[r.account, default: []].append(r) }
        for (k, v) in table where v.count > keep { table[k] = Array(v.suffix(keep)) }
        lock.lock()
        rows = table
        lock.unlock()
    }

    /// Adds or replaces one instance's row, keeping the newest `keep`.
    public func put(_ row: RUECredentialStore.Row, keep: Int) {
        lock.lock()
        defer { lock.unlock() }
        var list = (rows[row.account] ?? []).filter { $0.instance != row.instance }
        list.append(row)
        if list.count > keep { list.removeFirst(list.count - keep) }
        rows[row.account] = list
    }

    /// The generated H(A1)s of `account` for `algorithm` in `realm`.
    public func ha1s(account: String, realm: String, algorithm: DigestAlgorithm) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        guard let list = rows[account] else { return [] }
        return list.compactMap { $0.realm == realm ? $0.ha1[algorithm] : nil }
    }

    /// Rows held (metrics).
    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return rows.values.reduce(0) { $0 + $1.count }
    }
}
