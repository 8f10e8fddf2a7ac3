import Dispatch
import SIPCore
import SIPProxy

/// Suspends every request for a fixed time, then lets it proceed: a live
/// exercise of the suspend/resume seam that the STIR verifier uses while a
/// certificate downloads. Enabled only by `[debug] suspend_requests_ms`.
public final class DelayProcessor: RequestProcessor {
    public let name = "debug-delay"
    private let delay: Duration
    private let worker = DispatchQueue(label: "stird.debug-delay")

    public init(delay: Duration) { self.delay = delay }

    public func process(_ request: SIPMessage, context: RequestContext, resumption: ProcessorResumption) -> ProcessorDecision {
        let ms = Int(delay.components.seconds * 1_000 + delay.components.attoseconds / 1_000_000_000_000_000)
        worker.asyncAfter(deadline: .now() + .milliseconds(ms)) {
            resumption.resume { request in
                request.addHeader(name: "X-Stird-Suspended-Ms", value: String(ms))
                return .proceed
            }
        }
        return .suspend
    }
}
