/// A configuration error that points at the offending place in the file.
///
/// Its `description` is the single line an operator sees:
/// `file:line: key: why`, or `file:line: why` when no key is involved.
/// `line` is 1-based; `0` means the error concerns the whole file (it could not
/// be read, or it is too large), and then the line is left out: `file: why`.
/// Values quoted in `why` come from the file as written, so the line is made
/// printable (`INIError.printable`) before anyone sees it.
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
        return Self.printable(out + ": " + message)
    }

    /// `text` with every control character and other invisible scalar
    /// written as an escape: `\xNN` up to U+00FF (ESC is `\x1b`), `\u{NNNN}`
    /// above. A configuration value is valid UTF-8 but may still hold ESC
    /// (ECMA-48 control sequences that recolour, move the cursor or retitle
    /// the terminal the error is printed on), CR (overwrites the line), NUL,
    /// C1 controls, bidirectional overrides (Unicode general category Cf:
    /// text shown in another order than it is) or line separators; none of
    /// them reaches the terminal or the log as itself. Backslashes are left
    /// alone so messages that name the file's own escapes stay readable.
    public static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isInvisible) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard isInvisible(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            let hex = String(scalar.value, radix: 16)
            out += scalar.value <= 0xFF ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{" + hex + "}"
        }
        return out
    }

    /// Controls (C0, DEL, C1), format characters (bidi overrides, zero-width
    /// joiners, soft hyphen), line and paragraph separators, surrogates,
    /// private-use and unassigned code points.
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }
}
