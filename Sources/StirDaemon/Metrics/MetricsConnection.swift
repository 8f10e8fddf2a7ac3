import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// One accepted scrape connection: read a request head (bounded in size and
/// time), write one response, close. Lives on the server's queue only. The
/// response may come later (a health check waits for the proxy loops); the
/// deadline armed for the request still bounds that wait.
final class MetricsConnection {
    private let fd: Int32
    private let queue: DispatchQueue
    private let limits: MetricsServer.Limits
    /// Answers a head by calling the reply closure once, on the queue, now or later.
    private let respond: (MetricsHTTP.Head, @escaping ([UInt8]) -> Void) -> Void
    private let onClose: (MetricsConnection) -> Void

    private var input: [UInt8] = []
    private var output: [UInt8] = []
    private var written = 0
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var deadline: DispatchSourceTimer?
    /// Descriptor sources not yet cancelled-and-drained: the descriptor is
    /// closed only after the last one's cancel handler ran, so Dispatch never
    /// watches a number the kernel has already reused.
    private var liveSources = 0
    private var finished = false

    init(fd: Int32, queue: DispatchQueue, limits: MetricsServer.Limits,
         respond: @escaping (MetricsHTTP.Head, @escaping ([UInt8]) -> Void) -> Void, onClose: @escaping (MetricsConnection) -> Void) {
        self.fd = fd
        self.queue = queue
        self.limits = limits
        self.respond = respond
        self.onClose = onClose
    }

    /// True while part of the response waits for the socket to become
    /// writable (the client reads slower than the server writes).
    var isWaitingToWrite: Bool { writeSource != nil }

    /// Starts reading and arms the read deadline: a client that has not sent
    /// a whole head by then (slowloris, or a port scanner) is dropped.
    func start() {
        dispatchPrecondition(condition: .onQueue(queue))
        armDeadline()
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.readAvailable() }
        source.setCancelHandler { self.sourceCancelled() }  // strong: the fd must be closed even after the server let go
        liveSources += 1
        readSource = source
        source.resume()
    }

    /// Drops the connection now (deadline, error, server stop).
    func close() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !finished else { return }
        finished = true
        deadline?.cancel()
        deadline = nil
        readSource?.cancel()
        readSource = nil
        writeSource?.cancel()
        writeSource = nil
        if liveSources == 0 { Glibc.close(fd) }
        onClose(self)
    }

    private func armDeadline() {
        deadline?.cancel()
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let (seconds, attoseconds) = limits.timeout.components
        timer.schedule(deadline: .now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)))
        timer.setEventHandler { [weak self] in self?.close() }
        deadline = timer
        timer.resume()
    }

    private func sourceCancelled() {
        liveSources -= 1
        if finished && liveSources == 0 { Glibc.close(fd) }
    }

    private func readAvailable() {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !finished && readSource != nil {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return close() }  // peer closed before finishing its request
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                return close()
            }
            input += chunk[..<n]
            let head = MetricsHTTP.parseHead(input)
            if head != .incomplete {
                // Stop reading now: anything more the client sends is ignored.
                readSource?.cancel()
                readSource = nil
                input = []
                return respond(head) { [weak self] response in self?.send(response) }
            }
            if input.count > limits.maxRequestBytes {
                return send(MetricsHTTP.response(431, "Request Header Fields Too Large"))
            }
        }
    }

    /// Stops reading (anything more the client sends is ignored) and writes
    /// `response`, with a fresh deadline for a client too slow to take it.
    private func send(_ response: [UInt8]) {
        guard !finished else { return }  // closed (deadline, stop) while the answer was prepared
        readSource?.cancel()
        readSource = nil
        input = []
        output = response
        armDeadline()
        writePending()
    }

    private func writePending() {
        while !finished && written < output.count {
            let n = output.withUnsafeBytes { buffer in
                Glibc.send(fd, buffer.baseAddress! + written, buffer.count - written, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return waitWritable() }
                return close()
            }
            written += n
        }
        guard !finished else { return }
        // Half-close first so the client reads the whole body before EOF.
        shutdown(fd, Int32(SHUT_WR))
        close()
    }

    private func waitWritable() {
        guard writeSource == nil else { return }
        let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.writePending() }
        source.setCancelHandler { self.sourceCancelled() }  // strong: the fd must be closed even after the server let go
        liveSources += 1
        writeSource = source
        source.resume()
    }
}
