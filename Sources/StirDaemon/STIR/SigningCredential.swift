import Crypto
import Foundation
import STIRCore

/// A loaded `[credential]`: the signer for its key and x5u and the TNs it
/// covers. Loading refuses a key that does not match the given certificate
/// (Asterisk #907: a mismatched pair signs calls nobody can verify).
public struct SigningCredential: Sendable {
    public let name: String
    public let signer: IdentitySigner
    public let tns: TNSet
    public let spc: String?

    /// Why a credential cannot be loaded; `description` is the operator's
    /// message, `key` the INI key at fault (`private_key` or `certificate`).
    public struct LoadError: Error, CustomStringConvertible, Equatable {
        public let key: String
        public let description: String
    }

    /// Reads the key (and certificate, when configured) from disk.
    public init(_ c: CredentialConfiguration) throws {
        func read(_ path: String, _ what: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw LoadError(key: what, description: "credential \"\(c.name)\": cannot read \(what) \(path)")
            }
            return String(decoding: data, as: UTF8.self)
        }
        let key: ES256PrivateKey
        do { key = try ES256PrivateKey(pem: read(c.privateKeyFile, "private_key")) } catch let e as CryptoError {
            throw LoadError(key: "private_key", description: "credential \"\(c.name)\": private_key \(c.privateKeyFile) is not a P-256 private key: \(e)")
        }
        if let certFile = c.certificateFile {
            let certificateKey: ES256PublicKey
            do { certificateKey = try ES256PublicKey(certificatePEM: read(certFile, "certificate")) } catch let e as CryptoError {
                throw LoadError(key: "certificate", description: "credential \"\(c.name)\": certificate \(certFile) has no P-256 public key: \(e)")
            }
            guard certificateKey.derSPKI == key.publicKey.derSPKI else {
                throw LoadError(key: "certificate", description: "credential \"\(c.name)\": private_key \(c.privateKeyFile) does not match "
                                + "the public key of certificate \(certFile); refusing to sign with a mismatched pair")
            }
        }
        name = c.name
        signer = IdentitySigner(key: key, x5u: c.x5u)
        tns = c.tns
        spc = c.spc
    }

    /// True if this credential may sign for canonical TN `tn`.
    public func covers(_ tn: String) -> Bool { tns.isEmpty || tns.contains(tn) }
}
