import ArgumentParser
import Foundation

/// `stirctl`: STIR/SHAKEN tooling over STIRCore and Certificates.
/// Scriptable: results on stdout, diagnostics on stderr; exit 0 only on
/// success, 1 when the input is invalid, 2 for usage errors.
struct StirCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stirctl",
        abstract: "Sign, verify and inspect STIR/SHAKEN Identity headers and certificates; hash account passwords.",
        subcommands: [SignCommand.self, VerifyCommand.self, DecodeCommand.self, KeygenCommand.self,
                      CheckCertCommand.self, CacheCommand.self, BenchCommand.self, PasswdCommand.self,
                      ApiKeyCommand.self])
}

do {
    var command = try StirCtl.parseAsRoot()
    try command.run()
} catch let usage as UsageError {
    CLISupport.warn("stirctl: \(usage)")
    exit(2)
} catch {
    // Parse and validation errors are usage errors too (2, not EX_USAGE).
    if StirCtl.exitCode(for: error) == .validationFailure {
        CLISupport.warn(StirCtl.fullMessage(for: error))
        exit(2)
    }
    StirCtl.exit(withError: error)
}
