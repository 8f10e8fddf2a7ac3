import Logging
import Testing
@testable import StirDaemon

/// Records what reaches the handler (tests only).
private final class Recorder: @unchecked Sendable {
    var lines: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] = []
}

private struct RecordingHandler: LogHandler {
    let recorder: Recorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?,
             source: String, file: String, function: String, line: UInt) {
        recorder.lines.append((level, message.description, metadata ?? [:]))
    }
}

@Suite struct CallLogTests {
    @Test func writtenLinesCarryTheCallIDAndTheirOwnMetadata() {
        let recorder = Recorder()
        let log = CallLog(logger: Logger(label: "t") { _ in RecordingHandler(recorder: recorder) }, callID: "abc@host")
        log.info("stir-sign: signed", metadata: ["attest": "A"])
        log.error("stir-sign: failed")
        #expect(recorder.lines.count == 2)
        #expect(recorder.lines.first?.metadata["call-id"] == "abc@host")
        #expect(recorder.lines.first?.metadata["attest"] == "A")
        #expect(recorder.lines.last?.level == .error)
        #expect(recorder.lines.last?.metadata["call-id"] == "abc@host")
    }

    @Test func linesBelowTheLevelAreNeitherWrittenNorBuilt() {
        let recorder = Recorder()
        let log = CallLog(logger: Logger(label: "t") { _ in RecordingHandler(recorder: recorder) }, callID: "x")
        var built = 0
        func message() -> Logger.Message { built += 1; return "debug text" }
        func fields() -> Logger.Metadata { built += 1; return ["k": "v"] }
        log.debug(message(), metadata: fields())
        #expect(recorder.lines.isEmpty)
        #expect(built == 0)
        log.notice(message(), metadata: fields())
        #expect(built == 2)
        #expect(recorder.lines.map(\.message) == ["debug text"])
    }
}
