import Foundation

/// Polls `condition` until it holds or `timeout` seconds pass, and returns
/// whether it held. For work that completes on another queue or process: the
/// test asserts the condition, never how long it took, and the bound only
/// keeps a broken build from hanging (so it is generous on purpose).
public func eventually(timeout: TimeInterval = 10, pollEvery interval: useconds_t = 2_000,
                       _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(interval)
    }
    return try condition()
}
