/// A configuration error that points at the offending place in the file.
///
/// Its `description` is the single line an operator sees:
/// `file:line: key: why`, or `file:line: why` when no key is involved.
/// `line` is 1-based; `0` means the error concerns the whole file (it could not
/// be read, or it is too large), and then the line is left out: `file: why`.
public struct INIError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var key: String?
    public var message: String

    public init(file: String, line: Int, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        var out = file
        if line > 0 { out += ":\(line)" }
        if let key { out += ": \(key)" }
        return out + ": " + message
    }
}
