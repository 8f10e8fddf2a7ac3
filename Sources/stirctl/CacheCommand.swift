import ArgumentParser
import Certificates
import Foundation

/// `stirctl cache`: inspect and manage the x5u disk cache directory
/// (`cache_dir`) of CertificateProvider while the daemon is stopped or
/// before it starts (it loads the directory at start).
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache", abstract: "List, import or purge x5u disk cache entries.",
        subcommands: [CacheListCommand.self, CacheImportCommand.self, CachePurgeCommand.self])
}

/// `stirctl cache list`: one line per entry, never modifying the directory.
struct CacheListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List cached x5u chains.",
        discussion: """
        One line per file: `<url> status=ok expires=... spc=... not_after=... cn="..." file=...`
        (chain re-validated now against --ca/--ca-dir, as the daemon does at
        load), `status=stale` (cache TTL passed), `status=<failure code>`,
        `status=unchecked` (no trust anchors given), or `- status=corrupt file=...`.
        """)

    @Option(name: .customLong("dir"), help: "Cache directory (cache_dir).") var directory: String
    @OptionGroup var trust: TrustOptions
    @Option(help: "Current time, seconds since 1970 (default: now).") var now: Int64?

    func run() throws {
        let (entries, corrupt) = try CacheDirectory(path: directory).read()
        let current = Date(timeIntervalSince1970: TimeInterval(now ?? CLISupport.now))
        let validator = trust.isSet ? try trust.validator() : nil
        for entry in entries {
            let tail = "expires=\(CertificateText.date(entry.expires)) file=\(entry.fileName)"
            guard entry.expires > current else {
                print("\(entry.url) status=stale \(tail)")
                continue
            }
            guard let validator else {
                print("\(entry.url) status=unchecked \(tail)")
                continue
            }
            switch validator.validate(pem: entry.pem, at: current) {
            case .success(let chain):
                print("\(entry.url) status=ok \(tail) spc=\(chain.spc ?? "-") not_after=\(CertificateText.date(chain.notAfter)) "
                      + "cn=\"\(chain.leafCommonName ?? "")\" serial=\(chain.leafSerial)")
            case .failure(let failure):
                print("\(entry.url) status=\(failure.code) \(tail)")
            }
        }
        for name in corrupt { print("- status=corrupt file=\(name)") }
    }
}

/// `stirctl cache purge`: removes one URL's entry or every entry.
struct CachePurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge", abstract: "Remove the entry of one URL, or all entries.",
        discussion: "Prints `purged <url>` per entry removed. Exit 1 when --url has no entry.")

    @Option(name: .customLong("dir"), help: "Cache directory (cache_dir).") var directory: String
    @Option(help: "x5u URL whose entry to remove.") var url: String?
    @Flag(help: "Remove every entry, corrupt files included.") var all = false

    func validate() throws {
        guard (url != nil) != all else { throw ValidationError("give exactly one of --url URL and --all") }
    }

    func run() throws {
        let cache = CacheDirectory(path: directory)
        let (entries, corrupt) = try cache.read()
        var removed = 0
        for entry in entries where all || entry.url == url {
            try cache.remove(entry.fileName)
            print("purged \(entry.url)")
            removed += 1
        }
        if all {
            for name in corrupt {
                try cache.remove(name)
                print("purged file=\(name)")
            }
        } else if removed == 0 {
            CLISupport.warn("stirctl cache purge: no entry for \(url ?? "")")
            throw ExitCode(1)
        }
    }
}
