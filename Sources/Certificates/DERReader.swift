// Minimal DER (ITU-T X.690 §8, §10) reader for the two STIR certificate
// extensions OpenSSL does not know: TNAuthList and JWTClaimConstraints
// (RFC 8226 Appendix A). Definite lengths only, as DER requires.

/// One decoded tag-length-value.
struct DERElement {
    var tag: UInt8
    var content: ArraySlice<UInt8>

    var isConstructed: Bool { tag & 0x20 != 0 }

    /// Children of a constructed element.
    func children() throws -> [DERElement] {
        var reader = DERReader(content)
        var out: [DERElement] = []
        while !reader.isAtEnd { out.append(try reader.read()) }
        return out
    }

    /// The single child of an EXPLICIT context tag.
    func explicitInner() throws -> DERElement {
        let kids = try children()
        guard kids.count == 1 else { throw DERError.malformed("explicit tag with \(kids.count) children") }
        return kids[0]
    }

    func ia5String() throws -> String {
        guard tag == 0x16 || tag == 0x0c else { throw DERError.malformed("expected string, tag \(tag)") }
        guard content.allSatisfy({ $0 < 0x80 || tag == 0x0c }) else { throw DERError.malformed("non-ASCII IA5String") }
        return String(decoding: content, as: UTF8.self)
    }

    /// A non-negative INTEGER that fits in 63 bits.
    func unsignedInteger() throws -> Int64 {
        guard tag == 0x02, !content.isEmpty, content.count <= 8 else { throw DERError.malformed("bad INTEGER") }
        guard content.first! & 0x80 == 0 else { throw DERError.malformed("negative INTEGER") }
        return content.reduce(Int64(0)) { ($0 << 8) | Int64($1) }
    }
}

enum DERError: Error, Equatable {
    case malformed(String)
}

struct DERReader {
    private var bytes: ArraySlice<UInt8>

    init<C: Collection>(_ bytes: C) where C.Element == UInt8 { self.bytes = ArraySlice(bytes) }

    var isAtEnd: Bool { bytes.isEmpty }

    mutating func read() throws -> DERElement {
        guard let tag = bytes.popFirst() else { throw DERError.malformed("truncated tag") }
        guard tag & 0x1f != 0x1f else { throw DERError.malformed("high tag numbers unsupported") }
        guard let first = bytes.popFirst() else { throw DERError.malformed("truncated length") }
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let n = Int(first & 0x7f)
            guard n >= 1, n <= 4, bytes.count >= n else { throw DERError.malformed("bad length") }
            for _ in 0..<n { length = (length << 8) | Int(bytes.popFirst()!) }
            guard length >= 0x80 else { throw DERError.malformed("non-minimal length") }
        }
        guard bytes.count >= length else { throw DERError.malformed("truncated content") }
        let content = bytes.prefix(length)
        bytes = bytes.dropFirst(length)
        return DERElement(tag: tag, content: content)
    }

    /// Reads exactly one element and requires nothing to follow.
    static func single<C: Collection>(_ bytes: C) throws -> DERElement where C.Element == UInt8 {
        var reader = DERReader(bytes)
        let element = try reader.read()
        guard reader.isAtEnd else { throw DERError.malformed("trailing bytes") }
        return element
    }
}
