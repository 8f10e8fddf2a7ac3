// TNAuthList certificate extension, id-pe-TNAuthList 1.3.6.1.5.5.7.1.26
// (RFC 8226 §9 and Appendix A, module with EXPLICIT TAGS):
//   TNAuthorizationList ::= SEQUENCE SIZE (1..MAX) OF TNEntry
//   TNEntry ::= CHOICE { spc [0] ServiceProviderCode,
//                        range [1] TelephoneNumberRange,
//                        one [2] TelephoneNumber }

/// The telephone-number authority a STIR certificate carries.
public struct TNAuthList: Equatable, Hashable, Sendable {
    /// One TNEntry (RFC 8226 §9).
    public enum Entry: Equatable, Hashable, Sendable {
        /// Service provider code (SHAKEN: OCN/SPID), IA5String.
        case spc(String)
        /// `count` consecutive numbers starting at `start` (same digit length).
        case range(start: String, count: Int64)
        /// One telephone number.
        case one(String)
    }

    /// Entries in certificate order.
    public let entries: [Entry]

    /// The first service provider code, if any (ATIS-1000080: EE certs carry
    /// exactly one).
    public var spc: String? {
        for case .spc(let code) in entries { return code }
        return nil
    }

    /// Builds a list from entries; throws if a range breaks RFC 8226 §9.
    public init(entries: [Entry]) throws {
        guard !entries.isEmpty else { throw DERError.malformed("empty TNAuthList") }
        for entry in entries {
            switch entry {
            case .spc(let code):
                guard !code.isEmpty else { throw DERError.malformed("empty SPC") }
            case .one(let tn):
                guard Self.isTelephoneNumber(tn) else { throw DERError.malformed("bad TelephoneNumber \(tn)") }
            case .range(let start, let count):
                guard Self.isTelephoneNumber(start), start.allSatisfy(\.isASCIIDigit) else {
                    throw DERError.malformed("bad range start \(start)")
                }
                // count is INTEGER (2..MAX) and must not make the number longer.
                guard count >= 2, let first = Int64(start),
                      count <= Self.limit(digits: start.count) - first
                else { throw DERError.malformed("range \(start)+\(count) changes length") }
            }
        }
        self.entries = entries
    }

    /// Decodes the DER value of the extension (the OCTET STRING contents).
    public init(der: [UInt8]) throws {
        let outer = try DERReader.single(der)
        guard outer.tag == 0x30 else { throw DERError.malformed("TNAuthList is not a SEQUENCE") }
        var entries: [Entry] = []
        for element in try outer.children() {
            let inner = try element.explicitInner()
            switch element.tag {
            case 0xa0:
                entries.append(.spc(try inner.ia5String()))
            case 0xa1:
                let fields = try inner.children()
                guard inner.tag == 0x30, fields.count >= 2 else { throw DERError.malformed("bad TelephoneNumberRange") }
                entries.append(.range(start: try fields[0].ia5String(), count: try fields[1].unsignedInteger()))
            case 0xa2:
                entries.append(.one(try inner.ia5String()))
            default:
                throw DERError.malformed("unknown TNEntry tag \(element.tag)")
            }
        }
        try self.init(entries: entries)
    }

    /// Whether this list authorizes canonical TN `tn` (digits only, RFC 8224
    /// §8.3). `one` matches exactly; `range` covers [start, start+count-1]
    /// at the start's digit length (RFC 8226 §9). An `spc` entry covers every
    /// TN: an SPC names the provider's numbers indirectly, no standard SPC→TN
    /// data exists, and SHAKEN relies on the SPC plus CA vetting
    /// (RFC 8226 §9; ATIS-1000080 §6.4.1).
    public func covers(tn: String) -> Bool {
        for entry in entries {
            switch entry {
            case .spc:
                return true
            case .one(let number):
                if number == tn { return true }
            case .range(let start, let count):
                guard tn.utf8.count == start.utf8.count, let value = Self.digits(tn), let first = Int64(start) else {
                    continue
                }
                if value >= first && value - first < count { return true }
            }
        }
        return false
    }

    // TelephoneNumber ::= IA5String (SIZE (1..15)) (FROM ("0123456789#*"))
    static func isTelephoneNumber(_ s: String) -> Bool {
        (1...15).contains(s.utf8.count) && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x23 || $0 == 0x2a }
    }

    static func limit(digits: Int) -> Int64 {
        var value: Int64 = 1
        for _ in 0..<digits { value *= 10 }
        return value
    }

    private static func digits(_ s: String) -> Int64? {
        var value: Int64 = 0
        for byte in s.utf8 {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int64(byte - 0x30)
        }
        return value
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
