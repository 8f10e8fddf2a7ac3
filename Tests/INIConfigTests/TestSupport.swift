@testable import INIConfig

/// The error `body` throws, or nil; lets tests compare the exact
/// `file:line: key: why` text operators will see.
func iniError(_ body: () throws -> Void) -> INIError? {
    do {
        try body()
        return nil
    } catch let error as INIError {
        return error
    } catch {
        return INIError(file: "<unexpected>", line: -1, message: "\(error)")
    }
}

/// The parse error for `text` in a file named `t.ini`.
func parseError(_ text: String) -> INIError? {
    iniError { _ = try INIDocument.parse(text, file: "t.ini") }
}

/// A reader over the first section of `text`, failing loudly if it does not parse.
func reader(_ text: String, section: String = "s") throws -> INISectionReader {
    let doc = try INIDocument.parse(text, file: "t.ini")
    guard let found = doc.section(named: section) else {
        throw INIError(file: "t.ini", line: 0, message: "test setup: no section \(section)")
    }
    return INISectionReader(found, file: doc.file)
}
