import ArgumentParser
import Foundation
import StirDaemon

/// `stirctl apikey new|revoke|list`: the `[rue] api_keys_file` that names
/// the RUE implementations allowed to fetch configurations (RFC 9248 §9
/// `apiKey`). The file keeps SHA-256 hashes only; `new` prints the key once.
/// stird reads the file again on SIGHUP, which is how a revocation takes
/// effect.
struct ApiKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey",
        abstract: "Issue, revoke and list RUE API keys ([rue] api_keys_file).",
        subcommands: [New.self, Revoke.self, List.self])

    struct FileOption: ParsableArguments {
        @Option(help: "The [rue] api_keys_file.") var file: String
    }

    static func read(_ path: String) throws -> APIKeySet {
        guard FileManager.default.fileExists(atPath: path) else { return APIKeySet() }
        do { return try APIKeySet.load(path: path) } catch { throw CLIError("\(error)") }
    }

    static func write(_ set: APIKeySet, to path: String) throws {
        let temp = path + ".tmp"
        guard FileManager.default.createFile(atPath: temp, contents: Data(set.text.utf8), attributes: [.posixPermissions: 0o600]),
              rename(temp, path) == 0 else { throw CLIError("\(path): cannot be written") }
    }

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a key; print it (once) on stdout.")
        @OptionGroup var options: FileOption
        @Option(help: "Who the key is for (an app and version), shown by list and in stird's log.") var label: String

        func validate() throws {
            guard !label.isEmpty, !label.contains("\n") else { throw ValidationError("--label must be one non-empty line") }
        }

        func run() throws {
            var set = try ApiKeyCommand.read(options.file)
            let key = APIKeySet.generateKey()
            set.entries.append(.init(hash: APIKeySet.hash(ofKey: key), state: .active, label: label))
            try ApiKeyCommand.write(set, to: options.file)
            print(key)
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark keys revoked (by hash prefix, label, or the key read on stdin).")
        @OptionGroup var options: FileOption
        @Option(help: "At least 8 leading hex digits of the key's hash (as list shows).") var hash: String?
        @Option(help: "Every key with this label.") var label: String?
        @Flag(help: "Read the key itself from stdin.") var stdin = false

        func run() throws {
            var set = try ApiKeyCommand.read(options.file)
            var wanted: String?
            if stdin {
                let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                wanted = APIKeySet.hash(ofKey: text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            if let hash, hash.count < 8 { throw CLIError("--hash needs at least 8 hex digits") }
            guard wanted != nil || hash != nil || label != nil else { throw CLIError("say which key: --hash, --label or --stdin") }
            var count = 0
            for i in set.entries.indices {
                let e = set.entries[i]
                let match = (wanted.map { e.hash == $0 } ?? false) || (hash.map { e.hash.hasPrefix($0.lowercased()) } ?? false)
                    || (label.map { e.label == $0 } ?? false)
                if match && e.state == .active {
                    set.entries[i].state = .revoked
                    count += 1
                }
            }
            guard count > 0 else { throw CLIError("no active key matched") }
            try ApiKeyCommand.write(set, to: options.file)
            print("revoked \(count) key(s); send stird SIGHUP")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hash prefix, state and label of each key.")
        @OptionGroup var options: FileOption

        func run() throws {
            for e in try ApiKeyCommand.read(options.file).entries {
                print("\(e.hash.prefix(16)) \(e.state.rawValue) \(e.label)")
            }
        }
    }
}
