// Optional disk cache that survives restarts: one file per URL, written
// atomically (temp + rename), re-validated on load, corrupt files ignored.
import Crypto
import Foundation

extension CertificateProvider {
    private static let magic = "# stird x5u cache v1"

    static func fileName(for url: String) -> String {
        guard let digest = OpenSSLSupport.sha256Digest(Array(url.utf8)) else {
            preconditionFailure("OpenSSL provides no SHA-256")
        }
        return digest.map { String(format: "%02x", $0) }.joined() + ".pem"
    }

    func writeToDisk(url: String, chain: ValidatedChain, expires: Date) {
        guard let directory = configuration.persistenceDirectory else { return }
        let header = "\(Self.magic)\n# url: \(url)\n# expires: \(Int(expires.timeIntervalSince1970))\n"
        let data = Data(header.utf8) + Data(chain.servedPEM)
        let path = directory + "/" + Self.fileName(for: url)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            logger.warning("x5u cache write failed", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    func removeFromDisk(url: String?) {
        guard let directory = configuration.persistenceDirectory else { return }
        let names = url.map { [Self.fileName(for: $0)] }
            ?? ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".pem") }
        for name in names { try? FileManager.default.removeItem(atPath: directory + "/" + name) }
    }

    /// Loads unexpired entries, re-validating each chain at now. Revocation
    /// is not re-asked: the stored expiry never exceeds the nextUpdate seen.
    func loadFromDisk() {
        guard let directory = configuration.persistenceDirectory,
              let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        let now = clock()
        var loaded = 0
        for name in names where name.hasSuffix(".pem") {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path),
                  let (url, expires, pem) = Self.parseDiskEntry(data),
                  Self.fileName(for: url) == name else {
                logger.warning("ignoring corrupt x5u cache file", metadata: ["path": "\(path)"])
                continue
            }
            guard expires > now, case .success(let chain) = validator.validate(pem: pem, at: now) else {
                try? FileManager.default.removeItem(atPath: path)
                continue
            }
            let capped = min(expires, chain.notAfter)
            lock.lock()
            cache.set(url, .positive(chain, fetched: now, expires: capped,
                                     refreshAt: now.addingTimeInterval(capped.timeIntervalSince(now) * configuration.refreshAhead)))
            lock.unlock()
            loaded += 1
        }
        logger.info("x5u disk cache loaded", metadata: ["entries": "\(loaded)"])
    }

    static func parseDiskEntry(_ data: Data) -> (String, Date, [UInt8])? {
        let bytes = Array(data)
        var lines: [String] = []
        var offset = 0
        while lines.count < 3, let newline = bytes[offset...].firstIndex(of: 0x0a) {
            lines.append(String(decoding: bytes[offset..<newline], as: UTF8.self))
            offset = newline + 1
        }
        guard lines.count == 3, lines[0] == magic, lines[1].hasPrefix("# url: "), lines[2].hasPrefix("# expires: "),
              let epoch = TimeInterval(lines[2].dropFirst("# expires: ".count)) else { return nil }
        return (String(lines[1].dropFirst("# url: ".count)), Date(timeIntervalSince1970: epoch), Array(bytes[offset...]))
    }
}
