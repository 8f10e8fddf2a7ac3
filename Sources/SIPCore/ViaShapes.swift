/// libosip2's answers for Via values, remembered by the value's shape: its
/// bytes with the value of every parameter that is a plain token replaced
/// by one fixed token. A peer's Vias differ from call to call only in such
/// values (the branch, an rport number), so a new Via of a known shape
/// needs no `osip_via_parse`, which took about 1.1 µs and some 15 small
/// allocations per value.
///
/// Why the answer carries over: `osip_via_parse` and the parameter parser
/// it calls find every boundary with `strchr` on `/`, space, `(`, `)`, `;`,
/// `[`, `]`, `:`, `=`, `"`, `,` and tab, and test lengths only for being
/// under 2 (an empty part). A token (RFC 3261 §25.1) holds none of those
/// bytes, and both the token replaced and the stand-in are non-empty, so
/// osip finds the same boundaries, the same number of parameters and the
/// same verdict. Only values after the point where osip starts reading
/// parameters are replaced (`parameterStart` finds it as osip does), and
/// the parts we take from osip (version, transport, host, port) all end
/// before that point, so they never contain a replaced value. (A first
/// version replaced every value after the value's first ';'; a ';' hidden
/// in quotes before the sent-by then let one value's host answer for
/// another's: `aHiddenSemicolonBeforeTheHostGivesNoShape`.) The
/// differential test `ViaShapesTests` and `Scripts/fuzz-sip` check this on
/// mutated values.
///
/// Only accepted shapes are kept, in a `ByteKeyedSlots` table: bounded,
/// and a hash collision costs a miss, never a wrong answer. Not
/// thread-safe: one per proxy loop (held by `AcceptedFieldValues`).
public final class ViaShapes {
    struct Answer {
        var version: String
        var transport: String
        var host: String
        var port: Int?
        var parameterCount: Int
    }

    private let table: ByteKeyedSlots<Answer>
    /// Longer values are parsed by osip every time.
    let maxShapeBytes = 512
    /// The shape of the value being looked up (reused, no allocation).
    private var scratch: [UInt8] = []
    /// Lookups answered from the table.
    public private(set) var hits = 0

    /// - Parameter slots: rounded up to a power of two, at least 16.
    public init(slots: Int = 256) {
        table = ByteKeyedSlots(slots: slots)
        scratch.reserveCapacity(maxShapeBytes)
    }

    /// The stand-in for every token parameter value.
    static let standIn = UInt8(ascii: "x")

    /// Where `osip_via_parse` starts reading parameters: the first ';' after
    /// the space that ends the sent-protocol. Like osip: the first '/', the
    /// second '/', then the next space, or, when spaces follow the second
    /// '/' at once, the first space after the text that follows them. nil
    /// when osip would find no such space (it rejects the value then).
    static func parameterStart(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        let end = range.upperBound
        var index = range.lowerBound
        while index < end, buffer[index] != 0x2F { index += 1 }
        guard index < end else { return nil }
        index += 1
        while index < end, buffer[index] != 0x2F { index += 1 }
        guard index < end else { return nil }
        let protocolSlash = index
        index += 1
        while index < end, buffer[index] != 0x20 { index += 1 }
        guard index < end else { return nil }
        if index == protocolSlash + 1 {
            while index < end, buffer[index] == 0x20 { index += 1 }
            index += 1
            while index < end, buffer[index] != 0x20 { index += 1 }
            guard index < end else { return nil }
        }
        while index < end, buffer[index] != 0x3B { index += 1 }
        return index
    }

    /// Writes the shape of `buffer[range]` into `scratch`; false when the
    /// value gets no shape (too long to keep, or osip would find no
    /// sent-by).
    private func makeShape(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard range.count <= maxShapeBytes, let parameters = Self.parameterStart(buffer, range) else { return false }
        scratch.removeAll(keepingCapacity: true)
        // Everything before osip's parameters is copied as it is. After it,
        // a value runs from a parameter's '=' to the next ';' (or the end);
        // a value that is not a token (a quoted string, an IPv6 address,
        // ...) stays as it is. Bytes between replaced values are copied a
        // run at a time.
        var copied = range.lowerBound
        var index = parameters
        while index < range.upperBound {
            let byte = buffer[index]
            index += 1
            if byte == 0x3D {
                var end = index
                while end < range.upperBound, buffer[end] != 0x3B { end += 1 }
                if SIPBytes.isToken(buffer, index..<end) {
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[copied..<index]))
                    scratch.append(Self.standIn)
                    copied = end
                }
                // A value that stays is skipped whole, so an '=' inside it
                // is not taken for another parameter's.
                index = end
            }
        }
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[copied..<range.upperBound]))
        return true
    }

    /// osip's answer for a value shaped like `buffer[range]`, if known.
    func answer(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Answer? {
        guard makeShape(buffer, range) else { return nil }
        let answer = scratch.withUnsafeBufferPointer { table.value(for: $0, salt: 0) }
        if answer != nil { hits += 1 }
        return answer
    }

    /// Records osip's answer for the shape of `buffer[range]`.
    func remember(_ answer: Answer, for buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        guard makeShape(buffer, range) else { return }
        scratch.withUnsafeBufferPointer { table.store(answer, for: $0, salt: 0) }
    }

    /// Shapes stored now (for tests).
    public var count: Int { table.count }
}
