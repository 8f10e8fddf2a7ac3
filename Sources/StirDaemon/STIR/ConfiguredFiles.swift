import Certificates
import Foundation
import INIConfig
#if canImport(Glibc)
import Glibc
#endif

/// Checks of the files and directories the STIR sections name, run while
/// the INI is read. `stird --check-config`, start-up and SIGHUP all read the
/// file through `DaemonConfiguration.load`, so all three refuse the same
/// file with the same `file:line: key: why`, at the key that names the path;
/// a path that only fails later (when the trust store is built, or at the
/// first x5u fetch or cache write) would let a checked file fail at run time.
enum ConfiguredFiles {
    /// Larger files are refused unread: no CA bundle is near it, and a wrong
    /// path (`/dev/zero`) must not hang the check.
    static let maxFileBytes = 16 << 20

    /// A PEM file with at least one certificate (`trust_anchors_file`,
    /// `https_ca_file`).
    static func checkCertificateFile(_ r: INISectionReader, _ key: String, _ path: String) throws {
        switch certificateCount(path) {
        case .failure(let e): throw r.error(key, e.why)
        case .success(0): throw r.error(key, "no PEM certificate in \(path)")
        case .success: return
        }
    }

    /// A directory whose `*.pem` and `*.crt` files (the ones `TrustAnchors`
    /// reads) hold at least one certificate, each of them readable.
    static func checkAnchorDirectory(_ r: INISectionReader, _ key: String, _ path: String) throws {
        if let why = directoryProblem(path) { throw r.error(key, why) }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: path).sorted() } catch {
            throw r.error(key, "cannot list directory \(path)")
        }
        var total = 0
        for name in names where name.hasSuffix(".pem") || name.hasSuffix(".crt") {
            switch certificateCount(path + "/" + name) {
            case .failure(let e): throw r.error(key, e.why)
            case .success(let n): total += n
            }
        }
        if total == 0 { throw r.error(key, "no certificate in any *.pem or *.crt file of \(path)") }
    }

    /// An existing directory stird may create files in (`cache_dir`): a
    /// missing or read-only one would otherwise only show as a warning per
    /// certificate, and no chain would survive a restart.
    static func checkWritableDirectory(_ r: INISectionReader, _ key: String, _ path: String) throws {
        if let why = directoryProblem(path) { throw r.error(key, why + " (it must be an existing directory stird can write)") }
        guard access(path, W_OK | X_OK) == 0 else {
            throw r.error(key, "cannot write to directory \(path): \(errnoText())")
        }
    }

    /// Why `path` is not a directory, or nil.
    static func directoryProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "cannot open directory \(path): \(errnoText())" }
        guard info.st_mode & S_IFMT == S_IFDIR else { return "\(path) is not a directory" }
        return nil
    }

    /// How many PEM certificates the file holds, or why it cannot be read.
    static func certificateCount(_ path: String) -> Result<Int, INIValueError> {
        let bytes: [UInt8]
        switch contents(path) {
        case .failure(let e): return .failure(e)
        case .success(let b): bytes = b
        }
        do { return .success(try TrustAnchors(pem: bytes).count) } catch CertificateFailure.malformed("no PEM certificate") {
            return .success(0)
        } catch CertificateFailure.malformed(let why) {
            return .failure("\(path) holds a certificate that cannot be used: \(why)")
        } catch {
            return .failure("\(path): \(error)")
        }
    }

    /// The bytes of a regular file, or why it cannot be read (the system's words).
    static func contents(_ path: String) -> Result<[UInt8], INIValueError> {
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure("cannot read \(path): \(errnoText())") }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failure("\(path) is not a regular file") }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return .failure("cannot read \(path): \(errnoText())") }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return .success(out) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure("cannot read \(path): \(errnoText())")
            }
            out += chunk[0..<n]
            if out.count > maxFileBytes { return .failure("\(path) is larger than \(maxFileBytes) bytes") }
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
