/// The field names a parser meets on nearly every message, looked up from a
/// name's bytes without building a String: the lowercased long-form key,
/// its `SIPHeaderField.Kind`, and the name's usual spelling ("Call-ID"),
/// which a received field reuses when it was written that way.
///
/// A name is matched ASCII-case-insensitively (RFC 3261 §7.3.1). The slot
/// is chosen from the name's length and its first and last letters; every
/// candidate is then compared in full, so the slot choice only decides
/// speed, never the answer. Compact forms (one letter) have their own
/// 26-entry table.
final class FieldNames: @unchecked Sendable {
    /// One known name: its key, kind and usual spelling.
    struct Entry {
        /// Lowercased long form, e.g. "call-id".
        let key: String
        let kind: SIPHeaderField.Kind
        /// The spelling most senders use, e.g. "Call-ID".
        let usual: String
    }

    static let shared = FieldNames()

    /// Long-form names that get an entry (the fields of nearly every
    /// message): usual spelling and key. Literals, so that handing out the
    /// Strings never counts references.
    static let names: [(usual: String, key: String)] = [
        ("Via", "via"), ("From", "from"), ("To", "to"), ("Call-ID", "call-id"), ("CSeq", "cseq"),
        ("Contact", "contact"), ("Max-Forwards", "max-forwards"), ("Content-Length", "content-length"),
        ("Content-Type", "content-type"), ("Route", "route"), ("Record-Route", "record-route"),
        ("Subject", "subject"), ("User-Agent", "user-agent"), ("Allow", "allow"), ("Supported", "supported"),
        ("Expires", "expires"), ("Identity", "identity"), ("P-Asserted-Identity", "p-asserted-identity"),
        ("Proxy-Require", "proxy-require"), ("Require", "require"), ("Date", "date"),
    ]

    /// Compact forms (RFC 3261 §7.3.3 and later registrations; y = Identity,
    /// RFC 8224 §4).
    static let compactForms: [String: String] = [
        "a": "accept-contact", "b": "referred-by", "c": "content-type", "d": "request-disposition",
        "e": "content-encoding", "f": "from", "i": "call-id", "j": "reject-contact", "k": "supported",
        "l": "content-length", "m": "contact", "o": "event", "r": "refer-to", "s": "subject",
        "t": "to", "u": "allow-events", "v": "via", "x": "session-expires", "y": "identity",
    ]

    /// The long forms of `names`, in order, then the compact forms.
    let entries: [Entry]
    /// Per entry of `names`: where its key and usual spelling start in
    /// `text` (both `count` bytes long).
    private struct Spelling {
        var keyStart: Int32
        var usualStart: Int32
        var count: Int32
    }

    // Written once in `init` and never freed (the table lives as long as
    // the process): read through pointers, with no reference counting on
    // the lookup path.
    private let text: UnsafeMutableBufferPointer<UInt8>
    private let spellings: UnsafeMutableBufferPointer<Spelling>
    /// Entry index + 1 per slot (0: empty), linear probing.
    private let slots: UnsafeMutableBufferPointer<UInt8>
    /// Entry index + 1 per lowercase letter (0: no compact form).
    private let letters: UnsafeMutableBufferPointer<UInt8>
    private static let slotCount = 256

    private init() {
        var entries: [Entry] = []
        var bytes: [UInt8] = []
        var spellings: [Spelling] = []
        var slots = [UInt8](repeating: 0, count: FieldNames.slotCount)
        for (usual, key) in FieldNames.names {
            precondition(usual.lowercased() == key && key.utf8.count > 1)
            let keyStart = bytes.count
            bytes.append(contentsOf: key.utf8)
            let usualStart = bytes.count
            bytes.append(contentsOf: usual.utf8)
            entries.append(Entry(key: key, kind: SIPHeaderField.Kind(key: key), usual: usual))
            spellings.append(Spelling(keyStart: Int32(keyStart), usualStart: Int32(usualStart), count: Int32(key.utf8.count)))
            var slot = Array(key.utf8).withUnsafeBufferPointer { FieldNames.slot($0) }
            while slots[slot] != 0 { slot = (slot + 1) & (FieldNames.slotCount - 1) }
            slots[slot] = UInt8(entries.count)
        }
        var letters = [UInt8](repeating: 0, count: 26)
        for (letter, key) in FieldNames.compactForms.sorted(by: { $0.key < $1.key }) {
            entries.append(Entry(key: key, kind: SIPHeaderField.Kind(key: key), usual: letter))
            letters[Int(letter.utf8.first! - UInt8(ascii: "a"))] = UInt8(entries.count)
        }
        self.entries = entries
        text = .allocate(capacity: bytes.count)
        _ = text.initialize(from: bytes)
        self.spellings = .allocate(capacity: spellings.count)
        _ = self.spellings.initialize(from: spellings)
        self.slots = .allocate(capacity: slots.count)
        _ = self.slots.initialize(from: slots)
        self.letters = .allocate(capacity: letters.count)
        _ = self.letters.initialize(from: letters)
    }

    /// Slot of a name from its length and its first and last bytes, case
    /// folded (`name` is not empty).
    private static func slot(_ name: UnsafeBufferPointer<UInt8>) -> Int {
        let first = Int(name[0] | 0x20)
        let last = Int(name[name.count - 1] | 0x20)
        return (name.count &* 37 &+ first &* 7 &+ last) & (slotCount - 1)
    }

    /// Index in `entries` of the name `name` spells, ASCII case folded: a
    /// long form of `names` or a compact form; nil for other names. Also
    /// says whether it is written exactly in the usual spelling.
    func find(_ name: UnsafeBufferPointer<UInt8>) -> (index: Int, usual: Bool)? {
        if name.count == 1 {
            let byte = name[0]
            guard SIPBytes.isAlpha(byte) else { return nil }
            let found = Int(letters[Int((byte | 0x20) - UInt8(ascii: "a"))])
            guard found != 0 else { return nil }
            return (found - 1, byte == byte | 0x20)
        }
        guard name.count > 1 else { return nil }
        var slot = FieldNames.slot(name)
        while slots[slot] != 0 {
            let index = Int(slots[slot]) - 1
            let spelling = spellings[index]
            if Int(spelling.count) == name.count {
                var folded = true
                var usual = true
                let keyStart = Int(spelling.keyStart)
                let usualStart = Int(spelling.usualStart)
                for offset in 0..<name.count {
                    let byte = name[offset]
                    if text[keyStart + offset] != (SIPBytes.isAlpha(byte) ? byte | 0x20 : byte) {
                        folded = false
                        break
                    }
                    if byte != text[usualStart + offset] { usual = false }
                }
                if folded { return (index, usual) }
            }
            slot = (slot + 1) & (FieldNames.slotCount - 1)
        }
        return nil
    }
}
