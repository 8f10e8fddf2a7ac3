/// Call-IDs of the dialogs stird starts on leg B.
///
/// docs/ARCHITECTURE.md rule 2: every message of a call must reach the
/// loop that holds it, and loops are chosen by the hash of the Call-ID.
/// Leg B's Call-ID is drawn at random until it hashes to the loop of leg
/// A (`ProxyShards.index(of:count:)`), so both legs meet on one loop with
/// no change to the sharding rule and nothing in the Call-ID an outsider
/// could use to steer a message to another loop (RFC 3261 §8.1.1.4 asks
/// only that it be unique). With L loops this takes L draws on average.
enum B2BUACallID {
    /// A random Call-ID whose loop is `index` of `count`.
    static func make(loop index: Int, of count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(loop: index, of: count, using: &generator)
    }

    static func make<G: RandomNumberGenerator>(loop index: Int, of count: Int, using generator: inout G) -> String {
        while true {
            let high = generator.next() as UInt64
            let low = generator.next() as UInt64
            let id = hex(high) + hex(low)
            if count <= 1 || ProxyShards.index(of: Array(id.utf8)[...], count: count) == index { return id }
        }
    }

    private static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
