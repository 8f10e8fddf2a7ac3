#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Address field values (From, To, Contact, Route, Record-Route,
/// P-Asserted-Identity) that passed the syntax check, remembered by their
/// exact bytes so that the next message carrying the same value skips the
/// check. Every message of a call repeats its From and To (a To tag is
/// added once), and a peer sends the same Contact on every call: checking
/// each occurrence again was about a sixth of the proxy's work per message.
/// sip/sips URIs that passed (libosip2 included) are kept too, under no
/// field kind: a new call's From differs from the last one's in its tag
/// only, and its URI then needs no second parse.
///
/// A direct-mapped table: a value's hash picks one slot, a new value
/// replaces whatever the slot held, so memory is bounded by
/// `slots × maxValueBytes` whatever arrives. A hit compares the full bytes,
/// so a hash collision (chance or crafted) can only cost a miss and a full
/// check, never accept a value that was not checked. Only accepted values
/// are stored.
///
/// Not thread-safe: one instance per proxy loop.
public final class AcceptedFieldValues {
    /// Each stored value with its field kind's tag.
    private let table: ByteKeyedSlots<UInt8>
    /// Longer values are checked every time and never stored.
    public let maxValueBytes: Int
    /// Lookups answered from the table.
    public private(set) var hits = 0
    /// libosip2's answers for the Via shapes seen on the same loop.
    public let viaShapes = ViaShapes()

    /// - Parameter slots: rounded up to a power of two, at least 16.
    public init(slots: Int = 4096, maxValueBytes: Int = 256) {
        table = ByteKeyedSlots(slots: slots)
        self.maxValueBytes = maxValueBytes
    }

    /// Whether `bytes` of a field of `kind` (nil: a sip/sips URI) passed the check before.
    func contains(_ kind: SIPHeaderField.Kind?, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count <= maxValueBytes, !bytes.isEmpty else { return false }
        let tag = AcceptedFieldValues.tag(kind)
        let found = table.value(for: bytes, salt: UInt64(tag) << 56) == tag
        if found { hits += 1 }
        return found
    }

    /// Records that `bytes` of a field of `kind` (nil: a sip/sips URI) passed the check.
    func remember(_ kind: SIPHeaderField.Kind?, _ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= maxValueBytes, !bytes.isEmpty else { return }
        let tag = AcceptedFieldValues.tag(kind)
        table.store(tag, for: bytes, salt: UInt64(tag) << 56)
    }

    private static func tag(_ kind: SIPHeaderField.Kind?) -> UInt8 { kind?.rawValue ?? 0xFF }

    /// Values stored now (for tests).
    public var count: Int { table.count }
}

/// The direct-mapped table behind `AcceptedFieldValues` and `ViaShapes`:
/// byte-string keys (received from peers) with a value each. A key's hash
/// picks one slot and a new key replaces whatever the slot held, so memory
/// is bounded by the slot count and the callers' key-size limit. A hit
/// compares all the bytes, so a hash collision (chance or crafted) costs a
/// miss, never a wrong value. `salt` goes into the hash and must be the
/// same for `store` and `value(for:)` of one key. Not thread-safe.
final class ByteKeyedSlots<Value> {
    private var hashes: [UInt64]
    private var keys: [[UInt8]]
    private var values: [Value?]
    private let mask: Int
    private let seed = UInt64.random(in: 1...UInt64.max)

    /// - Parameter slots: rounded up to a power of two, at least 16.
    init(slots: Int) {
        var size = 16
        while size < slots { size <<= 1 }
        mask = size - 1
        hashes = Array(repeating: 0, count: size)
        keys = Array(repeating: [], count: size)
        values = Array(repeating: nil, count: size)
    }

    /// The value stored for `key` (not empty), if its slot still holds it.
    func value(for key: UnsafeBufferPointer<UInt8>, salt: UInt64) -> Value? {
        guard !key.isEmpty else { return nil }
        let hash = SeededHash.hash(UnsafeRawBufferPointer(key), start: seed ^ salt)
        let slot = Int(truncatingIfNeeded: hash) & mask
        guard hashes[slot] == hash, keys[slot].count == key.count else { return nil }
        let same = keys[slot].withUnsafeBufferPointer { memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0 }
        return same ? values[slot] : nil
    }

    /// Stores `value` for `key` (not empty), replacing the slot's entry.
    func store(_ value: Value, for key: UnsafeBufferPointer<UInt8>, salt: UInt64) {
        guard !key.isEmpty else { return }
        let hash = SeededHash.hash(UnsafeRawBufferPointer(key), start: seed ^ salt)
        let slot = Int(truncatingIfNeeded: hash) & mask
        hashes[slot] = hash
        // Reuses the slot's storage when it is large enough.
        keys[slot].removeAll(keepingCapacity: true)
        keys[slot].append(contentsOf: key)
        values[slot] = value
    }

    /// Entries stored now.
    var count: Int { values.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }
}

/// A seeded multiply-xorshift over 8-byte words, for `ByteKeyedSlots`,
/// which keeps values received from peers: a random seed per table, so
/// collisions cannot be planned from outside (and a collision costs only a
/// miss). Never returns 0, which marks an empty slot.
enum SeededHash {
    static func hash(_ raw: UnsafeRawBufferPointer, start: UInt64) -> UInt64 {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h = start ^ UInt64(raw.count)
        var offset = 0
        while offset + 8 <= raw.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* multiplier
            h ^= h >> 29
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < raw.count {
            tail |= UInt64(raw[offset]) << shift
            shift += 8
            offset += 1
        }
        h = (h ^ tail) &* multiplier
        h ^= h >> 32
        return h | 1
    }
}
