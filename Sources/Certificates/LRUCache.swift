// Bounded least-recently-used map. Not thread-safe: CertificateProvider
// guards it with its lock. Nodes live in an array with index links, so a hit
// is one hash lookup and a few integer writes (no allocation).

struct LRUCache<Key: Hashable, Value> {
    private struct Node {
        var key: Key
        var value: Value
        var previous: Int
        var next: Int
    }

    let capacity: Int
    private var index: [Key: Int] = [:]
    private var nodes: [Node] = []
    private var free: [Int] = []
    private var head = -1  // most recent
    private var tail = -1  // least recent
    private(set) var evictions = 0

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        index.reserveCapacity(min(capacity, 1 << 16))
    }

    var count: Int { index.count }

    /// Returns the value and marks it most recently used.
    mutating func get(_ key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        moveToFront(slot)
        return nodes[slot].value
    }

    /// Returns the value without touching recency.
    func peek(_ key: Key) -> Value? { index[key].map { nodes[$0].value } }

    /// Inserts or replaces; evicts the least recently used entry when full.
    mutating func set(_ key: Key, _ value: Value) {
        if let slot = index[key] {
            nodes[slot].value = value
            moveToFront(slot)
            return
        }
        if index.count >= capacity, tail >= 0 {
            removeSlot(tail)
            evictions += 1
        }
        let node = Node(key: key, value: value, previous: -1, next: head)
        let slot: Int
        if let reused = free.popLast() { nodes[reused] = node; slot = reused } else { nodes.append(node); slot = nodes.count - 1 }
        if head >= 0 { nodes[head].previous = slot }
        head = slot
        if tail < 0 { tail = slot }
        index[key] = slot
    }

    @discardableResult
    mutating func remove(_ key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        let value = nodes[slot].value
        removeSlot(slot)
        return value
    }

    mutating func removeAll() {
        index.removeAll()
        nodes.removeAll()
        free.removeAll()
        head = -1
        tail = -1
    }

    /// Entries from most to least recently used.
    var elements: [(key: Key, value: Value)] {
        var out: [(key: Key, value: Value)] = []
        var slot = head
        while slot >= 0 {
            out.append((nodes[slot].key, nodes[slot].value))
            slot = nodes[slot].next
        }
        return out
    }

    private mutating func unlink(_ slot: Int) {
        let previous = nodes[slot].previous
        let next = nodes[slot].next
        if previous >= 0 { nodes[previous].next = next } else { head = next }
        if next >= 0 { nodes[next].previous = previous } else { tail = previous }
    }

    private mutating func moveToFront(_ slot: Int) {
        guard slot != head else { return }
        unlink(slot)
        nodes[slot].previous = -1
        nodes[slot].next = head
        if head >= 0 { nodes[head].previous = slot }
        head = slot
        if tail < 0 { tail = slot }
    }

    private mutating func removeSlot(_ slot: Int) {
        unlink(slot)
        index.removeValue(forKey: nodes[slot].key)
        free.append(slot)
    }
}
