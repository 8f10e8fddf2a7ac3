import CSQLite
import Foundation

/// The SQLite file that keeps the SIP credentials stird generated for RUE
/// instances (RFC 9248 §9 `sip-password`), so they survive a restart. Only
/// the Digest H(A1) values are stored (RFC 7616 §3.4.2: a server needs no
/// more); the password itself exists only in the one HTTPS response.
/// SQLite rather than a file of our own: atomic replacement of a row and
/// crash safety come with it. `secure_delete` overwrites replaced rows.
/// One connection, used under a lock by the configuration service only
/// (never on a proxy loop); `RUECredentialTable` is the loops' copy.
public final class RUECredentialStore: @unchecked Sendable {
    /// One account's credentials on one RUE instance.
    public struct Row: Equatable, Sendable {
        public var account: String
        public var instance: String
        /// The Digest realm the hashes are bound to.
        public var realm: String
        public var ha1: [DigestAlgorithm: String]
        /// Seconds since 1970 when generated.
        public var created: Int64
        public init(account: String, instance: String, realm: String, ha1: [DigestAlgorithm: String], created: Int64) {
            self.account = account
            self.instance = instance
            self.realm = realm
            self.ha1 = ha1
            self.created = created
        }
    }

    public struct StoreError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    private var db: OpaquePointer?
    private let lock = NSLock()
    public let path: String

    public init(path: String) throws {
        self.path = path
        let existed = FileManager.default.fileExists(atPath: path)
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil) == SQLITE_OK else {
            let why = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            db = nil
            throw StoreError(description: "\(path): \(why)")
        }
        if !existed { chmod(path, 0o600) }
        try exec("PRAGMA secure_delete = ON")
        try exec("PRAGMA journal_mode = DELETE")
        try exec("""
            CREATE TABLE IF NOT EXISTS credential (
              account TEXT NOT NULL, instance TEXT NOT NULL, realm TEXT NOT NULL,
              ha1_sha512_256 TEXT NOT NULL, ha1_sha256 TEXT NOT NULL, created INTEGER NOT NULL,
              PRIMARY KEY (account, instance))
            """)
    }

    deinit { sqlite3_close(db) }

    private func exec(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(db, sql, nil, nil, &err) == SQLITE_OK else {
            let why = err.map { String(cString: $0) } ?? "error"
            sqlite3_free(err)
            throw StoreError(description: "\(path): \(why)")
        }
    }

    private func failure() -> StoreError { StoreError(description: "\(path): \(String(cString: sqlite3_errmsg(db)))") }

    /// Every row, oldest first.
    public func all() throws -> [Row] {
        lock.lock()
        defer { lock.unlock() }
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT account, instance, realm, ha1_sha512_256, ha1_sha256, created FROM credential ORDER BY created, rowid",
                                 -1, &stmt, nil) == SQLITE_OK else { throw failure() }
        defer { sqlite3_finalize(stmt) }
        var rows: [Row] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw failure() }
            func text(_ i: Int32) -> String { sqlite3_column_text(stmt, i).map { String(cString: $0) } ?? "" }
            rows.append(Row(account: text(0), instance: text(1), realm: text(2),
                            ha1: [.sha512_256: text(3), .sha256: text(4)], created: sqlite3_column_int64(stmt, 5)))
        }
        return rows
    }

    /// Stores `row` (replacing the same account and instance), then drops the
    /// account's oldest rows beyond `keep`; one transaction.
    public func put(_ row: Row, keep: Int) throws {
        lock.lock()
        defer { lock.unlock() }
        try exec("BEGIN IMMEDIATE")
        do {
            try run("INSERT OR REPLACE INTO credential (account, instance, realm, ha1_sha512_256, ha1_sha256, created) VALUES (?, ?, ?, ?, ?, ?)",
                    [row.account, row.instance, row.realm, row.ha1[.sha512_256] ?? "", row.ha1[.sha256] ?? ""], int: row.created)
            try run("DELETE FROM credential WHERE account = ? AND rowid NOT IN "
                    + "(SELECT rowid FROM credential WHERE account = ? ORDER BY created DESC, rowid DESC LIMIT \(max(keep, 1)))",
                    [row.account, row.account], int: nil)
            try exec("COMMIT")
        } catch {
            try? exec("ROLLBACK")
            throw error
        }
    }

    private func run(_ sql: String, _ texts: [String], int: Int64?) throws {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw failure() }
        defer { sqlite3_finalize(stmt) }
        for (i, t) in texts.enumerated() { sqlite3_bind_text(stmt, Int32(i + 1), t, -1, stird_sqlite_transient()) }
        if let int { sqlite3_bind_int64(stmt, Int32(texts.count + 1), int) }
        guard sqlite3_step(stmt) == SQLITE_DONE else { throw failure() }
    }
}
