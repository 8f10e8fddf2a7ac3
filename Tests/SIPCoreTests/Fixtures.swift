import Foundation
@testable import SIPCore

/// Loads the RFC 4475 torture messages from the test bundle, byte-exact.
enum Fixtures {
    static let directory: URL? = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?
        .appendingPathComponent("rfc4475")

    static func bytes(_ name: String) -> [UInt8] {
        guard let directory,
              let data = try? Data(contentsOf: directory.appendingPathComponent(name + ".dat"))
        else { return [] }
        return [UInt8](data)
    }

    /// (file stem, class) from MANIFEST.tsv.
    static let manifest: [(name: String, kind: String)] = {
        guard let directory,
              let text = try? String(contentsOf: directory.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let columns = line.split(separator: "\t")
            guard columns.count >= 3 else { return nil }
            return (String(columns[0].dropLast(4)), String(columns[2]))
        }
    }()

    static func message(_ name: String) throws -> SIPMessage {
        try SIPMessage.parse(bytes(name))
    }
}

func sip(_ text: String) -> [UInt8] {
    Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
}
