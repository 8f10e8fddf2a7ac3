import Synchronization

/// Decoded protected headers by their exact base64url segment.
///
/// Every PASSporT from one signing credential carries the same protected
/// header (alg, typ, ppt, x5u), so a verifier sees a few header segments
/// over and over while every payload differs. Decoding one (base64url, JSON,
/// member checks) is a pure function of its bytes and the JSON limits, so
/// an entry is reused only for the same bytes under the same limits, and a
/// segment that failed to decode is never stored. A handful of entries,
/// replaced in turn, bounds the memory whatever arrives; a segment longer
/// than `maxSegmentBytes` is decoded every time.
final class PASSporTHeaderCache: Sendable {
    struct Decoded: Sendable {
        let header: PASSporTHeader
        let json: JSONValue
    }

    private struct Entry: Sendable {
        let segment: [UInt8]
        let limits: JSONReader.Limits
        let decoded: Decoded
    }

    private struct Slots: Sendable {
        var entries: [Entry] = []
        var next = 0
    }

    static let shared = PASSporTHeaderCache()

    let capacity: Int
    let maxSegmentBytes: Int
    private let slots = Mutex(Slots())

    init(capacity: Int = 8, maxSegmentBytes: Int = 512) {
        self.capacity = max(1, capacity)
        self.maxSegmentBytes = maxSegmentBytes
    }

    /// The decoded header stored for exactly `segment` under `limits`.
    func lookup(_ segment: ArraySlice<UInt8>, limits: JSONReader.Limits) -> Decoded? {
        guard segment.count <= maxSegmentBytes else { return nil }
        return slots.withLock { slots in
            for entry in slots.entries where entry.segment.count == segment.count && entry.limits == limits {
                if entry.segment.elementsEqual(segment) { return entry.decoded }
            }
            return nil
        }
    }

    /// Remembers a header that decoded without error.
    func store(_ segment: ArraySlice<UInt8>, limits: JSONReader.Limits, _ decoded: Decoded) {
        guard segment.count <= maxSegmentBytes else { return }
        let entry = Entry(segment: Array(segment), limits: limits, decoded: decoded)
        slots.withLock { slots in
            if slots.entries.count < capacity {
                slots.entries.append(entry)
            } else {
                slots.entries[slots.next] = entry
                slots.next = (slots.next + 1) % capacity
            }
        }
    }

    /// Entries held now (for tests).
    var count: Int { slots.withLock { $0.entries.count } }
}
