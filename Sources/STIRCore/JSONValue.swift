/// A JSON value as PASSporT needs it (RFC 8259, restricted by RFC 8225 §9).
///
/// Integers are kept exact (`Int64`); any other number (fraction, exponent,
/// or out of `Int64` range) is kept as its literal text so an unknown claim
/// survives a decode / re-encode without loss, while claim rules that need an
/// integer (`iat`) can reject it.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    /// A number that is not an `Int64` integer, as received (for example `1.5` or `1e400`).
    case otherNumber(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The integer, if this is an integer.
    public var integerValue: Int64? {
        if case .integer(let i) = self { return i }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// Member lookup on objects; nil for other values or absent keys.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}
