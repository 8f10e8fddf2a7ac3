/// Key of a transaction in the transaction table: RFC 3261 §17.2.3 for server
/// transactions, §17.1.3 for client transactions. A pure value built from strings
/// the owner took from the top Via and the CSeq of a message.
///
/// Normalisation:
/// - The branch is a token, and "tokens are always case-insensitive" (§7.3.1), so
///   it is compared lowercased, and the magic cookie `z9hG4bK` is recognised in any case.
/// - The sent-by host is case-insensitive (§19.1.4); sent-by is lowercased and
///   trimmed but otherwise compared as received (no default-port inference:
///   retransmissions carry the same Via).
/// - Method names are case-sensitive (§7.1). ACK takes the key of the INVITE it
///   acknowledges (§17.2.3: "the method of the request matches the one that created
///   the transaction, except for ACK, where the method of the request that created
///   the transaction is INVITE"). CANCEL keeps its own key, so a CANCEL finds its own
///   server transaction and the owner finds the INVITE by looking up the same branch
///   and sent-by with method INVITE (§9.2).
public struct TransactionKey: Hashable, Sendable, CustomStringConvertible {
    /// Client and server keys never compare equal, so one table may hold both.
    public enum Side: Hashable, Sendable {
        case client
        case server
    }

    /// The RFC 3261 branch prefix, §8.1.1.7.
    public static let magicCookie = "z9hG4bK"

    public let side: Side
    /// Lowercased branch.
    public let branch: String
    /// Lowercased sent-by of the top Via; nil for client keys.
    public let sentBy: String?
    /// Method, with ACK mapped to INVITE.
    public let method: String

    private init(side: Side, branch: String, sentBy: String?, method: String) {
        self.side = side
        self.branch = branch
        self.sentBy = sentBy
        self.method = method
    }

    /// Server-side key (§17.2.3). Returns nil when there is no branch or it lacks the
    /// magic cookie: the RFC 2543 matching rules (Request-URI, tags, Call-ID, CSeq,
    /// whole top Via) are out of scope for this daemon, which answers such requests
    /// statelessly or rejects them.
    public static func server(branch: String?, sentBy: String, method: String) -> TransactionKey? {
        guard let branch, hasMagicCookie(branch) else { return nil }
        return TransactionKey(
            side: .server,
            branch: branch.keyForm(trim: false),
            sentBy: sentBy.keyForm(trim: true),
            method: normalised(method)
        )
    }

    /// Client-side key (§17.1.3): the branch this element put in its own Via plus the
    /// CSeq method of the response. The branch is ours, so it always has the cookie.
    public static func client(branch: String, method: String) -> TransactionKey {
        TransactionKey(side: .client, branch: branch.keyForm(trim: false), sentBy: nil, method: normalised(method))
    }

    /// Whether `branch` starts with `z9hG4bK` (case-insensitively, §7.3.1) and has
    /// something after it: a bare cookie cannot be unique (§8.1.1.7).
    public static func hasMagicCookie(_ branch: String) -> Bool {
        // Bytes first (no lowercased copy): when the byte after the cookie is
        // ASCII, the cookie's last Character ends before it, so this agrees
        // with the Character comparison below, which handles the rest.
        let cookie = magicCookie.utf8
        let ascii: Bool? = branch.utf8.withContiguousStorageIfAvailable { bytes in
            guard bytes.count > cookie.count else { return false }
            guard bytes[cookie.count] < 0x80 else { return nil }
            let fold = { (byte: UInt8) in byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
            for (index, expected) in cookie.enumerated() where fold(bytes[index]) != fold(expected) { return false }
            return true
        } ?? nil
        if let ascii { return ascii }
        return branch.count > magicCookie.count && branch.lowercased().hasPrefix(magicCookie.lowercased())
    }

    public var description: String {
        let side = self.side == .server ? "server" : "client"
        return "\(side):\(method):\(branch)" + (sentBy.map { "@\($0)" } ?? "")
    }

    private static func normalised(_ method: String) -> String {
        let trimmed = method.keyForm(trim: true, lower: false)
        return trimmed == "ACK" ? "INVITE" : trimmed
    }
}

extension String {
    /// `trimmingSpaces()` (when `trim`) and then `lowercased()` (when
    /// `lower`), done on the bytes of ASCII text, and `self` itself when
    /// that changes nothing: a key is made for every request and response,
    /// and its branch, sent-by and method are nearly always ASCII, trimmed,
    /// and (but for the branch's cookie) lowercase already.
    func keyForm(trim: Bool, lower: Bool = true) -> String {
        let ascii: String?? = utf8.withContiguousStorageIfAvailable { bytes -> String? in
            var start = 0
            var end = bytes.count
            if trim {
                while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
                while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            }
            var upper = false
            for index in start..<end {
                let byte = bytes[index]
                if byte >= 0x80 { return nil }
                if byte >= 0x41, byte <= 0x5A { upper = true }
            }
            let fold = lower && upper
            if !fold, start == 0, end == bytes.count { return self }
            return String(unsafeUninitializedCapacity: end - start) { out in
                for index in start..<end {
                    let byte = bytes[index]
                    out[index - start] = fold && byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                }
                return end - start
            }
        }
        if let ascii, let ascii { return ascii }
        let trimmed = trim ? trimmingSpaces() : self
        return lower ? trimmed.lowercased() : trimmed
    }

    /// Trims SIP linear white space (SP / HTAB) without Foundation.
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }),
              let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
