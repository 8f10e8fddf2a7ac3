import Foundation

/// Read-only view of the x5u disk cache written by CertificateProvider
/// (Certificates/CertificateProvider+Disk.swift): one `*.pem` file per URL
/// starting with three lines, `# stird x5u cache v1`, `# url: URL`,
/// `# expires: EPOCH`, then the chain as served. Reading here never loads
/// a provider, so listing cannot drop entries the way a provider's load
/// drops the ones that fail re-validation.
struct CacheDirectory {
    /// One well-formed cache file.
    struct Entry {
        var fileName: String
        var url: String
        var expires: Date
        var pem: [UInt8]
    }

    static let magic = "# stird x5u cache v1"
    let path: String

    /// Entries and the names of files that are not cache entries, sorted.
    func read() throws -> (entries: [Entry], corrupt: [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw UsageError("cache directory \(path) does not exist")
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw UsageError("cannot read cache directory \(path): \(error.localizedDescription)")
        }
        var entries: [Entry] = []
        var corrupt: [String] = []
        for name in names.sorted() where name.hasSuffix(".pem") {
            guard let data = FileManager.default.contents(atPath: path + "/" + name),
                  let entry = Self.parse(Array(data), fileName: name) else {
                corrupt.append(name)
                continue
            }
            entries.append(entry)
        }
        return (entries.sorted { $0.url < $1.url }, corrupt)
    }

    /// Deletes one file of the directory.
    func remove(_ fileName: String) throws {
        do { try FileManager.default.removeItem(atPath: path + "/" + fileName) } catch {
            throw CLIError("cannot remove \(path)/\(fileName): \(error.localizedDescription)")
        }
    }

    static func parse(_ bytes: [UInt8], fileName: String) -> Entry? {
        var lines: [String] = []
        var offset = 0
        while lines.count < 3, offset < bytes.count, let newline = bytes[offset...].firstIndex(of: 0x0a) {
            lines.append(String(decoding: bytes[offset..<newline], as: UTF8.self))
            offset = newline + 1
        }
        guard lines.count == 3, lines[0] == magic, lines[1].hasPrefix("# url: "), lines[2].hasPrefix("# expires: "),
              let epoch = TimeInterval(lines[2].dropFirst("# expires: ".count)) else { return nil }
        return Entry(fileName: fileName, url: String(lines[1].dropFirst("# url: ".count)),
                     expires: Date(timeIntervalSince1970: epoch), pem: Array(bytes[offset...]))
    }
}
