import Logging

/// A request's logger that attaches its Call-ID only when a line is written.
///
/// Setting `Logger` metadata per request made swift-log's `StreamLogHandler`
/// re-render its metadata text for every INVITE, whether or not anything was
/// logged (about 8 µs per signed call).
struct CallLog {
    let logger: Logger
    let callID: String

    func debug(_ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata = [:]) {
        write(.debug, message, metadata)
    }
    func info(_ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata = [:]) {
        write(.info, message, metadata)
    }
    func notice(_ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata = [:]) {
        write(.notice, message, metadata)
    }
    func error(_ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata = [:]) {
        write(.error, message, metadata)
    }

    private func write(_ level: Logger.Level, _ message: () -> Logger.Message, _ metadata: () -> Logger.Metadata) {
        guard logger.logLevel <= level else { return }
        var fields = metadata()
        fields["call-id"] = "\(callID)"
        logger.log(level: level, message(), metadata: fields)
    }
}
