import Foundation
import STIRCore

/// Small helpers shared by the subcommands.
enum CLISupport {
    /// Reads a whole text file or fails with a message naming it.
    static func readText(_ path: String) throws -> String {
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CLIError("cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// Writes to stderr.
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Current time in whole seconds since 1970.
    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    /// A TN given on the command line (`+1-215-555-1212`, `12155551212`) or a
    /// `sip:`/`sips:`/`tel:` URI, as a canonical STIR identity.
    static func identity(_ text: String, extractor: SIPIdentityExtractor) throws -> STIRIdentity {
        if text.contains(":") {
            guard let id = extractor.identity(ofURI: text) else { throw CLIError("not a usable URI: \(text)") }
            return id
        }
        guard let tn = TNCanonicalizer.stepOneOnly.canonicalize(text) else { throw CLIError("not a telephone number: \(text)") }
        return .tn(tn)
    }
}

/// A message for the user; ArgumentParser prints it and exits 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A usage problem (missing or contradictory options, unreadable input
/// files); `main` exits 2 for it, like ArgumentParser's own parse errors.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
