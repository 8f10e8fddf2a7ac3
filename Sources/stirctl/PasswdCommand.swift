import ArgumentParser
import Crypto
import Foundation
import StirDaemon

/// `stirctl passwd`: the `ha1_*` lines of an `[account]` for a password read
/// on stdin (first line), so the password itself never enters the INI file
/// nor the command line (where `ps` would show it). H(A1) =
/// H(user:realm:password) (RFC 7616 §3.4.2) is bound to the realm: it
/// authenticates nowhere else.
struct PasswdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Print the ha1_* lines of an [account] for a password read on stdin.")

    @Option(help: "The account's Digest username (its [account \"name\"] label).") var user: String
    @Option(help: "The [auth] realm the hashes are for.") var realm: String
    @Flag(help: "Also print ha1_md5 (used only with [auth] allow_md5 = yes).") var md5 = false
    @Flag(help: "Print the account's rue_login_hash instead: a salted PBKDF2-HMAC-SHA256 hash of the password the user gives the RUE configuration service (RFC 9248 §9).")
    var kdf = false
    @Option(help: "PBKDF2 iterations with --kdf.") var iterations = PasswordKDF.defaultIterations

    func validate() throws {
        guard !user.isEmpty, !user.contains(":"), !user.contains("\""), !user.contains("\\") else {
            throw ValidationError("--user must be non-empty and contain no ':', '\"' or '\\'")
        }
        guard !realm.isEmpty, !realm.contains("\""), !realm.contains("\\") else {
            throw ValidationError("--realm must be non-empty and contain no '\"' or '\\'")
        }
    }

    func run() throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        var password = String(decoding: input, as: UTF8.self)
        if let newline = password.firstIndex(where: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            password = String(password[..<newline])
        }
        guard !password.isEmpty else { throw CLIError("no password on stdin (the first line is the password)") }
        if kdf {
            guard iterations >= PasswordKDF.minimumIterations else {
                throw CLIError("--iterations must be at least \(PasswordKDF.minimumIterations)")
            }
            print("rue_login_hash = \(PasswordKDF.make(password: password, iterations: iterations).encoded)")
            return
        }
        var algorithms: [DigestAlgorithm] = [.sha512_256, .sha256]
        if md5 { algorithms.append(.md5) }
        for algorithm in algorithms {
            print("\(algorithm.ha1Key) = \(algorithm.ha1(username: user, realm: realm, password: password))")
        }
    }
}
