/// The "why" returned by a custom value parser given to
/// `INISectionReader.custom`; the reader adds file, line and key.
///
/// `Result` needs an `Error` failure type, and a bare `String` is not one.
/// Literal and interpolation support keep call sites short:
/// `return .failure("must be an https URL, got '\(text)'")`.
public struct INIValueError: Error, Equatable, ExpressibleByStringInterpolation {
    public var why: String

    public init(_ why: String) {
        self.why = why
    }

    public init(stringLiteral value: String) {
        self.why = value
    }
}
