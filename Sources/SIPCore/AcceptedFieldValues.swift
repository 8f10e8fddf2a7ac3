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
    private var hashes: [UInt64]
    private var kinds: [UInt8]
    private var values: [[UInt8]]
    private let mask: Int
    private let seed: UInt64
    /// Longer values are checked every time and never stored.
    public let maxValueBytes: Int
    /// Lookups answered from the table.
    public private(set) var hits = 0
    /// libosip2's answers for the Via shapes seen on the same loop.
    public let viaShapes = ViaShapes()

    /// - Parameter slots: rounded up to a power of two, at least 16.
    public init(slots: Int = 4096, maxValueBytes: Int = 256) {
        var size = 16
        while size < slots { size <<= 1 }
        mask = size - 1
        hashes = Array(repeating: 0, count: size)
        kinds = Array(repeating: 0, count: size)
        values = Array(repeating: [], count: size)
        self.maxValueBytes = maxValueBytes
        seed = UInt64.random(in: 1...UInt64.max)
    }

    /// Whether `bytes` of a field of `kind` (nil: a sip/sips URI) passed the check before.
    func contains(_ kind: SIPHeaderField.Kind?, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count <= maxValueBytes, !bytes.isEmpty else { return false }
        let hash = hashValue(kind, bytes)
        let slot = Int(truncatingIfNeeded: hash) & mask
        let found = hashes[slot] == hash && kinds[slot] == AcceptedFieldValues.tag(kind)
            && values[slot].withUnsafeBufferPointer { stored in
                stored.count == bytes.count && memcmp(stored.baseAddress!, bytes.baseAddress!, bytes.count) == 0
            }
        if found { hits += 1 }
        return found
    }

    /// Records that `bytes` of a field of `kind` (nil: a sip/sips URI) passed the check.
    func remember(_ kind: SIPHeaderField.Kind?, _ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= maxValueBytes, !bytes.isEmpty else { return }
        let hash = hashValue(kind, bytes)
        let slot = Int(truncatingIfNeeded: hash) & mask
        hashes[slot] = hash
        kinds[slot] = AcceptedFieldValues.tag(kind)
        // Reuses the slot's storage when it is large enough.
        values[slot].removeAll(keepingCapacity: true)
        values[slot].append(contentsOf: bytes)
    }

    private static func tag(_ kind: SIPHeaderField.Kind?) -> UInt8 { kind?.rawValue ?? 0xFF }

    /// Values stored now (for tests).
    public var count: Int { values.reduce(0) { $0 + ($1.isEmpty ? 0 : 1) } }

    /// `SeededHash` of the bytes, with the kind in the start value; never 0
    /// for a stored value (0 marks an empty slot together with an empty value).
    private func hashValue(_ kind: SIPHeaderField.Kind?, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        SeededHash.hash(UnsafeRawBufferPointer(bytes), start: seed ^ (UInt64(AcceptedFieldValues.tag(kind)) << 56))
    }
}

/// A seeded multiply-xorshift over 8-byte words, for the lookup tables that
/// keep values received from peers (`AcceptedFieldValues`, `ViaShapes`):
/// a random seed per table, so collisions cannot be planned from outside
/// (and a collision costs those tables only a miss). Never returns 0.
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
