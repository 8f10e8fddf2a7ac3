import ArgumentParser
import CJemalloc
import Dispatch
import Logging
import StirDaemon
#if canImport(Glibc)
import Glibc
#endif

/// stird: STIR/SHAKEN authentication and verification SIP proxy.
struct Stird: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stird",
        abstract: "STIR/SHAKEN SIP proxy daemon.",
        discussion: "Run with --config FILE; check a file with --check-config FILE (exit 0 when valid).")

    @Option(name: .long, help: "INI configuration file to run with.")
    var config: String?

    @Option(name: .customLong("check-config"), help: "Validate this INI file and exit: 0 when valid, 1 with file:line: key: why otherwise.")
    var checkConfig: String?

    @Option(name: .customLong("log-level"), help: "Override [general] log_level (trace, debug, info, notice, warning, error).")
    var logLevel: String?

    func validate() throws {
        if config == nil && checkConfig == nil { throw ValidationError("give --config FILE or --check-config FILE") }
        if let l = logLevel, Logger.Level(rawValue: l) == nil { throw ValidationError("unknown log level '\(l)'") }
    }

    func run() throws {
        if let path = checkConfig {
            do {
                _ = try DaemonConfiguration.load(path: path)
                print("\(path): OK")
                return
            } catch {
                FileHandleStderr.write("\(error)\n")
                throw ExitCode(1)
            }
        }
        guard let path = config else { return }
        let cfg: DaemonConfiguration
        do {
            cfg = try DaemonConfiguration.load(path: path)
        } catch {
            FileHandleStderr.write("\(error)\n")
            throw ExitCode(1)
        }
        let level = logLevel.flatMap(Logger.Level.init(rawValue:)) ?? cfg.logLevel
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "stird")
        // jemalloc is linked in (Package.swift); this shows it is the one in use.
        let allocator = stird_jemalloc_version().map { "jemalloc " + String(cString: $0) } ?? "system malloc"
        logger.info("allocator", metadata: ["malloc": "\(allocator)"])
        let daemon = Daemon(config: cfg, configPath: path, logger: logger)
        do {
            try daemon.start()
        } catch {
            FileHandleStderr.write("stird: \(error)\n")
            throw ExitCode(1)
        }
        dispatchMain()
    }
}

enum FileHandleStderr {
    static func write(_ s: String) { fputs(s, stderr) }
}

Stird.main()
