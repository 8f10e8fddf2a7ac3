import Dispatch
import Foundation
import Synchronization
import CDatagrams
#if canImport(Glibc)
import Glibc
#endif

/// Waits for input on every stream connection of one transport queue with
/// one epoll descriptor on a thread of its own, and runs the connections'
/// read handlers on the queue with `queue.sync`, all the descriptors one
/// wake-up reported in one block.
///
/// A Dispatch read source per connection costs two thread wake-ups per
/// read: libdispatch's event thread notices the descriptor, then wakes a
/// worker to run the queue. For a RUE's keep-alive (RFC 5626 §4.4.1), a
/// few bytes every few seconds on each of thousands of connections, those
/// wake-ups were most of the cost. Here the poller thread wakes once and
/// runs the handlers itself (when the queue is busy, `sync` waits its turn
/// and stays serialized with everything else on the queue).
///
/// The handler table is only touched on the queue: `add` and `remove` are
/// called there, and the poller looks handlers up inside its `sync` block,
/// so a descriptor closed (and perhaps reused) between the wake-up and the
/// block finds no handler, or the new connection's, whose non-blocking
/// read then finds nothing.
final class StreamPoller: @unchecked Sendable {
    private let epfd: Int32
    private let queue: DispatchQueue
    private var handlers: [Int32: () -> Void] = [:]
    private let closing = Atomic<Bool>(false)

    /// Descriptors taken per wake-up.
    static let batch = 64

    init?(queue: DispatchQueue, name: String) {
        let epfd = stird_poll_create()
        guard epfd >= 0 else { return nil }
        self.epfd = epfd
        self.queue = queue
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// On the queue: `onReadable` runs on the queue whenever `fd` has input,
    /// is hung up or in error, until `remove`.
    func add(_ fd: Int32, onReadable: @escaping () -> Void) -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        guard stird_poll_add(epfd, fd) == 0 else { return false }
        handlers[fd] = onReadable
        return true
    }

    /// On the queue, before `fd` is closed.
    func remove(_ fd: Int32) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard handlers.removeValue(forKey: fd) != nil else { return }
        _ = stird_poll_remove(epfd, fd)
    }

    /// The thread stops within its 200 ms wait and closes the epoll descriptor.
    func close() { closing.store(true, ordering: .releasing) }

    private func run() {
        var fds = [Int32](repeating: -1, count: Self.batch)
        while !closing.load(ordering: .acquiring) {
            let n = Int(fds.withUnsafeMutableBufferPointer { stird_poll_wait(epfd, $0.baseAddress, Int32(Self.batch), 200) })
            guard n > 0 else { continue }
            let ready = Array(fds[0..<n])
            queue.sync {
                for fd in ready { self.handlers[fd]?() }
            }
        }
        Glibc.close(epfd)
    }
}
