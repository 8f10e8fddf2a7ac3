// STI-CA trust anchors (the STI-PA list) in one OpenSSL X509_STORE.
import COpenSSL
import Crypto
import Foundation

/// A set of trusted root certificates. Thread-safe once built: OpenSSL
/// stores are read-only during verification.
public final class TrustAnchors: @unchecked Sendable {
    let store: OpaquePointer
    /// Number of anchors loaded.
    public private(set) var count = 0

    /// Loads anchors from a PEM bundle file and/or every `*.pem`/`*.crt` file
    /// of a directory (no `c_rehash` needed, cf. libstirshaken #89).
    public convenience init(file: String? = nil, directory: String? = nil) throws {
        var pem: [UInt8] = []
        var paths: [String] = []
        if let file { paths.append(file) }
        if let directory {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            paths += names.filter { $0.hasSuffix(".pem") || $0.hasSuffix(".crt") }.map { directory + "/" + $0 }
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CertificateFailure.malformed("cannot read trust anchors \(path)")
            }
            pem += Array(data) + [0x0a]
        }
        try self.init(pem: pem)
    }

    /// Loads every certificate of a PEM bundle as a trust anchor.
    public init(pem: [UInt8]) throws {
        guard let store = X509_STORE_new() else { throw CertificateFailure.malformed("X509_STORE_new failed") }
        self.store = store
        for certificate in try X509Certificate.parsePEMBundle(pem) {
            guard X509_STORE_add_cert(store, certificate.pointer) == 1 else {
                let reason = OpenSSLErrorQueue.drainText()
                // Duplicate anchors are harmless.
                if reason.contains("already in hash table") { continue }
                throw CertificateFailure.malformed("trust anchor: \(reason)")
            }
            count += 1
        }
    }

    deinit { X509_STORE_free(store) }
}
