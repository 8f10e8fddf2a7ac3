import Foundation
import Testing
@testable import INIConfig

@Suite struct INIDocumentTests {
    /// A fresh directory per test, removed afterwards, so tests can run in parallel.
    final class TempDir {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory
                .appendingPathComponent("ini-tests-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: url) }

        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let path = url.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    // MARK: load

    @Test func loadsFileAndNamesErrorsByPath() throws {
        let dir = try TempDir()
        let good = try dir.write("good.ini", Array("\u{FEFF}[proxy]\r\nport = 5060\r\n".utf8))
        let doc = try INIDocument.load(path: good)
        #expect(doc.file == good)
        #expect(doc.sections == [INISection(name: "proxy", line: 1, entries: [
            INIEntry(key: "port", value: "5060", line: 2),
        ])])

        let bad = try dir.write("bad.ini", Array("[proxy]\nport\n".utf8))
        let error = iniError { _ = try INIDocument.load(path: bad) }
        #expect(error?.description == "\(bad):2: expected 'key = value' or a [section] header")
    }

    @Test func loadReportsMissingFileAtLineZero() throws {
        let dir = try TempDir()
        let path = dir.url.appendingPathComponent("absent.ini").path
        let error = iniError { _ = try INIDocument.load(path: path) }
        #expect(error == INIError(file: path, line: 0, message: "cannot open: No such file or directory"))
        #expect(error?.description == "\(path): cannot open: No such file or directory")
    }

    @Test func loadReportsDirectoryAtLineZero() throws {
        let dir = try TempDir()
        let error = iniError { _ = try INIDocument.load(path: dir.url.path) }
        #expect(error == INIError(file: dir.url.path, line: 0, message: "cannot read: Is a directory"))
    }

    @Test func loadRejectsOversizedFileAndAcceptsOneAtLimit() throws {
        let dir = try TempDir()
        let filler = [UInt8](repeating: UInt8(ascii: "\n"), count: INIDocument.maxFileBytes)
        let atLimit = try dir.write("limit.ini", filler)
        #expect(try INIDocument.load(path: atLimit).sections.isEmpty)

        let over = try dir.write("over.ini", filler + [UInt8(ascii: "\n")])
        let error = iniError { _ = try INIDocument.load(path: over) }
        #expect(error == INIError(file: over, line: 0, message: "file is larger than 4194304 bytes"))
    }

    @Test func loadRejectsEndlessDeviceWithoutReadingItAll() {
        let error = iniError { _ = try INIDocument.load(path: "/dev/zero") }
        #expect(error?.description == "/dev/zero: file is larger than 4194304 bytes")
    }

    // MARK: rejectUnknownSections

    @Test func acceptsKnownSections() throws {
        let doc = try INIDocument.parse("[proxy]\n[peer \"a\"]\n[peer \"b\"]\n", file: "t.ini")
        try doc.rejectUnknownSections(allowed: ["proxy", "peer", "unused"])
    }

    @Test func rejectsUnknownSectionAtItsHeaderLine() throws {
        let doc = try INIDocument.parse("[proxy]\n\n[proxi]\nk = v\n", file: "t.ini")
        let error = iniError { try doc.rejectUnknownSections(allowed: ["proxy"]) }
        #expect(error == INIError(file: "t.ini", line: 3, message: "unknown section [proxi]"))
        #expect(error?.description == "t.ini:3: unknown section [proxi]")
    }

    @Test func rejectsUnknownLabeledSectionShowingLabel() throws {
        let doc = try INIDocument.parse("[peers \"a\"]\n", file: "t.ini")
        let error = iniError { try doc.rejectUnknownSections(allowed: ["peer"]) }
        #expect(error?.description == "t.ini:1: unknown section [peers \"a\"]")
    }

    @Test func rejectsKeysOutsideSectionsUnlessGlobalAllowed() throws {
        let doc = try INIDocument.parse("\nlog_level = info\n[proxy]\n", file: "t.ini")
        let error = iniError { try doc.rejectUnknownSections(allowed: ["proxy"]) }
        #expect(error?.description == "t.ini:2: log_level: key outside any section")
        try doc.rejectUnknownSections(allowed: ["", "proxy"])
    }

    // MARK: INIError text

    @Test(arguments: [
        (INIError(file: "f.ini", line: 3, key: "k", message: "why"), "f.ini:3: k: why"),
        (INIError(file: "f.ini", line: 3, message: "why"), "f.ini:3: why"),
        (INIError(file: "f.ini", line: 0, message: "why"), "f.ini: why"),
        (INIError(file: "f.ini", line: 0, key: "k", message: "why"), "f.ini: k: why"),
    ])
    func formatsErrorDescription(error: INIError, expected: String) {
        #expect(error.description == expected)
        #expect("\(error)" == expected)
    }
}
