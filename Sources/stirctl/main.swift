import ArgumentParser

/// `stirctl`: STIR/SHAKEN tooling over STIRCore. Scriptable: results on
/// stdout, diagnostics on stderr, exit 0 only on success.
struct StirCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stirctl",
        abstract: "Sign, verify and inspect STIR/SHAKEN Identity headers.",
        subcommands: [SignCommand.self, VerifyCommand.self, DecodeCommand.self, KeygenCommand.self, BenchCommand.self])
}

StirCtl.main()
