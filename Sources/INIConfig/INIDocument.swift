#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A parsed INI file: its sections in file order, values still strings.
///
/// Syntax rules are documented on `INIParser`. Typed reading and unknown-key
/// checks are done per section with `INISectionReader`.
public struct INIDocument: Equatable {
    /// Larger inputs are rejected before parsing; real configs are a few KiB.
    public static let maxFileBytes = 4 << 20
    /// Longer lines are rejected; no legitimate value (a PEM path, a URL) is near it.
    public static let maxLineBytes = 64 << 10

    /// The name used in every error, normally the path given to `load`.
    public var file: String
    /// Sections in file order; keys before any header are in a section named `""`.
    public var sections: [INISection]

    public init(file: String, sections: [INISection]) {
        self.file = file
        self.sections = sections
    }

    /// Parses `text`; `file` is only used to label errors.
    public static func parse(_ text: String, file: String) throws -> INIDocument {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// Parses raw bytes, rejecting invalid UTF-8 with the line it is on.
    public static func parse(bytes: [UInt8], file: String) throws -> INIDocument {
        var parser = INIParser(file: file)
        return INIDocument(file: file, sections: try parser.parse(bytes))
    }

    /// Reads and parses the file at `path`. Errors name `path`; a file that
    /// cannot be read, or is over `maxFileBytes`, is reported with line 0.
    public static func load(path: String) throws -> INIDocument {
        try parse(bytes: try readBounded(path: path), file: path)
    }

    /// All sections called `name`, labeled or not, in file order.
    public func sections(named name: String) -> [INISection] {
        sections.filter { $0.name == name }
    }

    /// The first section called `name`, if any.
    public func section(named name: String) -> INISection? {
        sections.first { $0.name == name }
    }

    /// Reads at most `maxFileBytes + 1` bytes so an oversized or endless file
    /// (a FIFO, `/dev/zero`) is detected without reading all of it.
    private static func readBounded(path: String) throws -> [UInt8] {
        func failure(_ why: String) -> INIError {
            INIError(file: path, line: 0, message: why)
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw failure("cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }

        let limit = maxFileBytes + 1
        var bytes = [UInt8](repeating: 0, count: limit)
        var count = 0
        while count < limit {
            let n = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + count, limit - count)
            }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read: \(String(cString: strerror(errno)))")
            }
            count += n
        }
        // One byte over the limit is kept so the parser rejects the file.
        bytes.removeSubrange(count...)
        return bytes
    }
}

extension INIDocument {
    /// Rejects any section whose name is not in `allowed`, at its header line.
    /// Keys before the first header (the `""` section) are rejected as
    /// "key outside any section" unless `""` is allowed.
    public func rejectUnknownSections(allowed: Set<String>) throws {
        for section in sections where !allowed.contains(section.name) {
            if section.name.isEmpty {
                throw INIError(file: file, line: section.line, key: section.entries.first?.key,
                               message: "key outside any section")
            }
            throw INIError(file: file, line: section.line,
                           message: "unknown section \(section.displayName)")
        }
    }
}
