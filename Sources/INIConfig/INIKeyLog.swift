import Synchronization

/// Records every key a reader asks for, per section name, while it is the
/// task-local `current` log: what a loader *can* read, present in the file
/// or not. The documentation test derives the list of keys that
/// etc/stird.ini must document from it, so a key added to a reader without
/// its documentation fails the tests.
///
///     let log = INIKeyLog()
///     try INIKeyLog.$current.withValue(log) { _ = try load(document) }
///     log.keys["verify"]  // every key [verify] asked for
public final class INIKeyLog: Sendable {
    @TaskLocal public static var current: INIKeyLog?

    private let asked = Mutex<[String: Set<String>]>([:])

    public init() {}

    /// Section name → keys asked for in it.
    public var keys: [String: Set<String>] { asked.withLock { $0 } }

    func note(section: String, key: String) {
        asked.withLock { $0[section, default: []].insert(key) }
    }
}
