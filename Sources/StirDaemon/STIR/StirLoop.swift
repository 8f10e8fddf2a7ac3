import Dispatch
import SIPCore
import SIPProxy

/// The STIR generation one proxy loop runs, replaceable at run time without
/// a lock: the core holds five `StirStage`s for the life of the process
/// (its processor array is fixed), and each stage forwards to the matching
/// processor of this loop's current generation. `install` runs on the
/// loop's queue (SIGHUP), like every `process` call, so a request that runs
/// the chain without suspending sees one generation from scrub to sign.
///
/// A request that suspends (verification waiting for a certificate) may
/// resume after a reload; it is pinned to the generation it started with so
/// it finishes under the configuration that began it.
public final class StirLoop {
    /// The loop's queue, once known (checked when installing).
    public var queue: DispatchQueue?
    public private(set) var current: StirGeneration
    private var pinned: [ObjectIdentifier: Pin] = [:]

    private struct Pin {
        weak var notes: TransactionNotes?
        let generation: StirGeneration
    }

    public init(_ generation: StirGeneration) { current = generation }

    /// The five stages to hand to the core, in chain order.
    public func stages() -> [RequestProcessor] { StirStage.Kind.allCases.map { StirStage($0, loop: self) } }

    /// Makes `generation` the one new requests use (on the loop's queue).
    public func install(_ generation: StirGeneration) {
        if let queue { dispatchPrecondition(condition: .onQueue(queue)) }
        current = generation
    }

    /// Requests suspended mid-chain and pinned to a generation (tests, logs).
    public var pinnedCount: Int { pinned.values.filter { $0.notes != nil }.count }

    func generation(for notes: TransactionNotes) -> StirGeneration {
        guard !pinned.isEmpty, let pin = pinned[ObjectIdentifier(notes)], pin.notes === notes else { return current }
        return pin.generation
    }

    func pin(_ notes: TransactionNotes, to generation: StirGeneration) {
        // Entries whose transaction ended (answered on resumption, timed out,
        // cancelled) are dropped here, so the table stays as small as the
        // number of requests suspended at once.
        if pinned.count >= 64 { pinned = pinned.filter { $0.value.notes != nil } }
        pinned[ObjectIdentifier(notes)] = Pin(notes: notes, generation: generation)
    }

    func unpin(_ notes: TransactionNotes) {
        guard !pinned.isEmpty else { return }
        pinned[ObjectIdentifier(notes)] = nil
    }
}

/// One fixed slot of the STIR chain (scrub, auth, verify, sign or retarget) that forwards to
/// its loop's current (or pinned) generation; an absent processor proceeds.
final class StirStage: RequestProcessor {
    enum Kind: Int, CaseIterable {
        case scrub, auth, verify, sign, retarget
    }

    let kind: Kind
    let loop: StirLoop
    let name: String

    init(_ kind: Kind, loop: StirLoop) {
        self.kind = kind
        self.loop = loop
        name = ["stir-scrub", "stir-auth", "stir-verify", "stir-sign", "stir-div"][kind.rawValue]
    }

    func process(_ request: SIPMessage, context: RequestContext, resumption: ProcessorResumption) -> ProcessorDecision {
        let generation = loop.generation(for: context.notes)
        let inner: RequestProcessor?
        switch kind {
        case .scrub: inner = generation.scrub
        case .auth: inner = generation.auth
        case .verify: inner = generation.verify
        case .sign: inner = generation.sign
        case .retarget:
            // rcd and div signing share the last slot; both always proceed.
            _ = generation.rcd?.process(request, context: context, resumption: resumption)
            inner = generation.retarget
        }
        let decision = inner?.process(request, context: context, resumption: resumption) ?? .proceed
        switch decision {
        case .suspend where kind != .retarget:
            loop.pin(context.notes, to: generation)
        case .proceed where kind != .retarget:
            break
        default:
            loop.unpin(context.notes)
        }
        return decision
    }
}
