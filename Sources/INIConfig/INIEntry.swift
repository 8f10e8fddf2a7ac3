/// One `key = value` line, with the value already unquoted and trimmed.
public struct INIEntry: Equatable {
    public var key: String
    public var value: String
    /// 1-based line number, kept so later validation can still say where.
    public var line: Int

    public init(key: String, value: String, line: Int) {
        self.key = key
        self.value = value
        self.line = line
    }
}
