import Dispatch
import SIPCore
#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection, accepted or opened by us. Lives on the loop queue.
/// Framing by Content-Length (RFC 3261 §18.3); a framing error closes this
/// connection only, after the response `onFramingError` asks for.
final class TCPConnection {
    let id: UInt64
    let remote: SocketAddress
    /// Accepted from a peer (counted against its per-source limit), not opened by us.
    let inbound: Bool
    private(set) var local: SocketAddress
    private let fd: Int32
    private let queue: DispatchQueue
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var framer: SIPStreamFramer
    private var pending: [UInt8] = []
    private var connecting: Bool
    private(set) var closed = false
    private(set) var lastActivity: DispatchTime = .now()
    /// When the first byte of the message now being framed arrived; nil
    /// between messages. The layer closes a connection whose message takes
    /// longer than `tcp_message_timeout_ms` (every byte resets `lastActivity`,
    /// so the idle timeout alone lets a trickling peer hold the slot).
    private(set) var messageStarted: DispatchTime?
    /// Set once a last response is queued: nothing more is read or sent;
    /// see `finish(sending:reason:)`.
    private(set) var finishing = false
    /// When a finishing connection is closed even if the peer has not
    /// read the last response or closed its side.
    private(set) var lingerDeadline: DispatchTime?
    private var finishReason = ""
    private var halfClosed = false
    private let maxPendingBytes: Int
    private let sources: DescriptorOwner
    private let onMessage: (TCPConnection, [UInt8]) -> Void
    private let onClose: (TCPConnection, String) -> Void
    /// A framing error, with the offending message's header section when it
    /// was complete. The handler may `finish` the connection with a
    /// response; otherwise it is closed when the handler returns.
    var onFramingError: ((TCPConnection, SIPParseError, [UInt8]?) -> Void)?

    init(id: UInt64, fd: Int32, remote: SocketAddress, inbound: Bool, connecting: Bool, queue: DispatchQueue,
         maxMessageSize: Int, onMessage: @escaping (TCPConnection, [UInt8]) -> Void,
         onClose: @escaping (TCPConnection, String) -> Void) {
        self.id = id
        self.fd = fd
        self.remote = remote
        self.inbound = inbound
        self.queue = queue
        self.connecting = connecting
        self.framer = SIPStreamFramer(maxMessageSize: maxMessageSize)
        self.maxPendingBytes = max(4 * maxMessageSize, 1 << 20)
        self.onMessage = onMessage
        self.onClose = onClose
        self.local = UDPSocket.boundAddress(fd) ?? remote
        self.sources = DescriptorOwner(fd: fd)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let rs = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        rs.setEventHandler { [weak self] in self?.readable() }
        sources.retain()
        let sources = self.sources
        rs.setCancelHandler { sources.release() }
        readSource = rs
        rs.resume()
        if connecting { armWrite() }
    }

    /// Opens a non-blocking connection; messages written before it is up are queued.
    static func connect(id: UInt64, to remote: SocketAddress, queue: DispatchQueue, maxMessageSize: Int,
                        onMessage: @escaping (TCPConnection, [UInt8]) -> Void,
                        onClose: @escaping (TCPConnection, String) -> Void) -> TCPConnection? {
        let domain = remote.family == .inet ? AF_INET : AF_INET6
        let fd = socket(domain, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let rc = remote.withSockAddr { Glibc.connect(fd, $0, $1) }
        if rc != 0 && errno != EINPROGRESS {
            Glibc.close(fd)
            return nil
        }
        return TCPConnection(id: id, fd: fd, remote: remote, inbound: false, connecting: rc != 0, queue: queue,
                             maxMessageSize: maxMessageSize, onMessage: onMessage, onClose: onClose)
    }

    /// Open and not finishing: can carry another message.
    var usable: Bool { !closed && !finishing }

    func send(_ bytes: [UInt8]) {
        guard usable else { return }
        write(bytes)
    }

    /// Sends `bytes` as the last message, then shuts down the sending side
    /// and closes once the peer closes too, discarding what it still sends;
    /// after `lingerTimeout` it is closed regardless. Closing at once with
    /// unread input would make the kernel reset the connection (RFC 1122
    /// §4.2.2.13), which can destroy the response before the peer read it.
    func finish(sending bytes: [UInt8], reason: String) {
        guard usable else { return }
        finishing = true
        finishReason = reason
        lingerDeadline = .now() + Self.lingerTimeout
        write(bytes)
        if !closed && pending.isEmpty && !connecting { halfClose() }
    }

    /// How long a finishing connection may take to deliver its last
    /// response and see the peer's FIN.
    static let lingerTimeout: DispatchTimeInterval = .seconds(2)

    private func halfClose() {
        guard !halfClosed else { return }
        halfClosed = true
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes a finishing connection whose peer did not close in time.
    func lingerExpired() { close(reason: finishReason) }

    private func write(_ bytes: [UInt8]) {
        lastActivity = .now()
        if pending.isEmpty && !connecting {
            let n = writeNow(bytes[...])
            if n == bytes.count { return }
            if n < 0 { close(reason: "write: \(errnoText())"); return }
            pending.append(contentsOf: bytes[n...])
        } else {
            pending.append(contentsOf: bytes)
        }
        if pending.count > maxPendingBytes {
            close(reason: "peer not reading: \(pending.count) bytes queued")
            return
        }
        armWrite()
    }

    func close(reason: String) {
        guard !closed else { return }
        closed = true
        // The fd is closed by the last cancel handler to run: closing it
        // while a source is still registered is undefined (Dispatch docs).
        writeSource?.cancel()
        readSource?.cancel()
        readSource = nil
        writeSource = nil
        onClose(self, reason)
    }

    private func readable() {
        var buf = [UInt8](repeating: 0, count: 65_536)
        for _ in 0..<16 {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { close(reason: finishing ? finishReason : "closed by peer"); return }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { break }
                close(reason: "read: \(errnoText())")
                return
            }
            if finishing { continue }  // discarded: waiting for the peer's FIN
            lastActivity = .now()
            framer.append(Array(buf[0..<n]))
            var delivered = false
            do {
                while let message = try framer.next() {
                    delivered = true
                    onMessage(self, message)
                    if closed { return }
                }
            } catch {
                framingFailed(error)
                return
            }
            // The next message's clock starts with its first byte: now, if
            // this read ended one message and began another.
            if framer.bufferedByteCount == 0 {
                messageStarted = nil
            } else if delivered || messageStarted == nil {
                messageStarted = lastActivity
            }
            if n < buf.count { break }
        }
    }

    private func framingFailed(_ error: Error) {
        let parseError = error as? SIPParseError ?? SIPParseError(reason: "\(error)")
        messageStarted = nil
        onFramingError?(self, parseError, framer.headerSection())
        if !finishing { close(reason: "framing error: \(parseError)") }
    }

    private func armWrite() {
        guard writeSource == nil, !closed else { return }
        let ws = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        ws.setEventHandler { [weak self] in self?.writable() }
        sources.retain()
        let sources = self.sources
        ws.setCancelHandler { sources.release() }
        writeSource = ws
        ws.resume()
    }

    private func writable() {
        if connecting {
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            if err != 0 { close(reason: "connect: \(String(cString: strerror(err)))"); return }
            connecting = false
            local = UDPSocket.boundAddress(fd) ?? local
        }
        if !pending.isEmpty {
            let n = writeNow(pending[...])
            if n < 0 { close(reason: "write: \(errnoText())"); return }
            pending.removeFirst(n)
        }
        if pending.isEmpty {
            writeSource?.cancel()
            writeSource = nil
            if finishing { halfClose() }
        }
    }

    /// Bytes written, 0 when the socket would block, -1 on error.
    private func writeNow(_ bytes: ArraySlice<UInt8>) -> Int {
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n < 0 { return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1 }
        return n
    }
}

/// Closes a descriptor when the last Dispatch source on it has been cancelled.
final class DescriptorOwner {
    private let fd: Int32
    private var users = 0
    init(fd: Int32) { self.fd = fd }
    func retain() { users += 1 }
    func release() {
        users -= 1
        if users == 0 { Glibc.close(fd) }
    }
}
