/// Handle for work scheduled on a `TimerScheduler`; unique per scheduler instance.
public struct TimerToken: Hashable, Sendable {
    public let id: UInt64

    public init(id: UInt64) {
        self.id = id
    }
}
