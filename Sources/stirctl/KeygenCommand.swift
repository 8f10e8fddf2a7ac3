import ArgumentParser
import Crypto
import Foundation

/// `stirctl keygen`: writes a fresh P-256 private key as PKCS#8 PEM.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keygen", abstract: "Generate a P-256 private key (PEM).")

    @Option(help: "Where to write the private key (mode 0600).") var out: String
    @Option(help: "Also write the public key (PEM) here.") var pub: String?

    func run() throws {
        let key = try ES256PrivateKey.generate()
        guard FileManager.default.createFile(atPath: out, contents: Data(key.pemPKCS8.utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw CLIError("cannot write \(out)")
        }
        if let pub {
            guard FileManager.default.createFile(atPath: pub, contents: Data(key.publicKey.pem.utf8)) else {
                throw CLIError("cannot write \(pub)")
            }
        }
    }
}
