// JWT Claim Constraints certificate extension, id-pe-JWTClaimConstraints
// 1.3.6.1.5.5.7.1.27 (RFC 8226 §8 and Appendix A, EXPLICIT TAGS):
//   JWTClaimConstraints ::= SEQUENCE {
//     mustInclude [0] JWTClaimNames OPTIONAL,
//     permittedValues [1] JWTClaimPermittedValuesList OPTIONAL }
//   JWTClaimPermittedValues ::= SEQUENCE { claim JWTClaimName,
//                                          permitted SEQUENCE SIZE (1..MAX) OF UTF8String }
import Foundation

/// Limits a certificate places on the PASSporTs it may sign (RFC 8226 §8).
public struct JWTClaimConstraints: Equatable, Sendable {
    /// Claims every PASSporT signed with this certificate must carry.
    public let mustInclude: [String]
    /// For each listed claim, the only values it may take when present.
    public let permittedValues: [String: [String]]

    /// Constraints from values.
    public init(mustInclude: [String], permittedValues: [String: [String]]) {
        self.mustInclude = mustInclude
        self.permittedValues = permittedValues
    }

    /// Decodes the DER value of the extension.
    public init(der: [UInt8]) throws {
        let outer = try DERReader.single(der)
        guard outer.tag == 0x30 else { throw DERError.malformed("JWTClaimConstraints is not a SEQUENCE") }
        var mustInclude: [String] = []
        var permitted: [String: [String]] = [:]
        var seen = false
        for element in try outer.children() {
            let inner = try element.explicitInner()
            guard inner.tag == 0x30 else { throw DERError.malformed("expected SEQUENCE") }
            switch element.tag {
            case 0xa0:
                mustInclude = try inner.children().map { try $0.ia5String() }
                guard !mustInclude.isEmpty else { throw DERError.malformed("empty mustInclude") }
            case 0xa1:
                for entry in try inner.children() {
                    let fields = try entry.children()
                    guard entry.tag == 0x30, fields.count == 2, fields[1].tag == 0x30 else {
                        throw DERError.malformed("bad JWTClaimPermittedValues")
                    }
                    let values = try fields[1].children().map { try $0.ia5String() }
                    guard !values.isEmpty else { throw DERError.malformed("empty permitted values") }
                    permitted[try fields[0].ia5String(), default: []] += values
                }
            default:
                throw DERError.malformed("unknown JWTClaimConstraints tag \(element.tag)")
            }
            seen = true
        }
        // "at least one of the two MUST be present" (RFC 8226 §8).
        guard seen else { throw DERError.malformed("empty JWTClaimConstraints") }
        self.init(mustInclude: mustInclude, permittedValues: permitted)
    }

    /// The first violation in a decoded PASSporT payload, or nil. String
    /// claims must equal a permitted value; array claims must hold only
    /// permitted strings; other JSON types never match a permitted list.
    public func violation(in claims: [String: Any]) -> String? {
        for name in mustInclude where claims[name] == nil { return "claim \(name) must be included" }
        for (name, allowed) in permittedValues.sorted(by: { $0.key < $1.key }) {
            guard let value = claims[name] else { continue }
            if let string = value as? String {
                if !allowed.contains(string) { return "claim \(name) value \(string) not permitted" }
            } else if let strings = value as? [String] {
                if let bad = strings.first(where: { !allowed.contains($0) }) {
                    return "claim \(name) value \(bad) not permitted"
                }
            } else {
                return "claim \(name) is not a string"
            }
        }
        return nil
    }

    /// Same check on the PASSporT payload JSON bytes as received.
    public func violation(payloadJSON: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payloadJSON)) as? [String: Any] else {
            return "payload is not a JSON object"
        }
        return violation(in: object)
    }
}
