import Dispatch
import SIPCore
#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection, accepted or opened by us, carrying plain SIP or TLS
/// (`tls`). Lives on the transport queue. Framing by Content-Length (RFC
/// 3261 §18.3) on the plaintext; a framing error closes this connection
/// only, after the response `onFramingError` asks for.
final class TCPConnection {
    let id: UInt64
    let remote: SocketAddress
    /// Accepted from a peer (counted against its per-source limit), not opened by us.
    let inbound: Bool
    private(set) var local: SocketAddress
    private let fd: Int32
    private let queue: DispatchQueue
    /// Input is watched by the transport queue's poller when there is one
    /// (see `StreamPoller`), else by a Dispatch read source.
    private var poller: StreamPoller?
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
    /// TLS over this connection: the socket carries its records and the
    /// framer sees its plaintext. nil for plain TCP.
    private let tls: TLSSession?
    /// Shared with the other connections of `queue` (see `StreamReadBuffers`).
    private let buffers: StreamReadBuffers
    /// Messages sent before the TLS handshake completed (and, for a next
    /// hop, its certificate was checked).
    private var plaintextPending: [UInt8] = []
    /// When the TLS handshake began; nil once it has completed (and for
    /// plain TCP). The layer closes a connection past `handshake_timeout_ms`.
    private(set) var handshakeStarted: DispatchTime?
    /// On a TLS connection we opened: what was sent since our side of the
    /// handshake completed, until the peer's first record shows it
    /// accepted the handshake too. TLS 1.3 completes the client's handshake
    /// before the server has checked the client certificate (RFC 8446
    /// §4.4.2); a server refusing ours answers with an alert, and these
    /// messages never reached it. nil once confirmed (or for other connections).
    private var unconfirmed: [UInt8]?
    /// The verified client certificate's identities (`TLSSession.peerIdentities`).
    private(set) var peerIdentities: [String] = []
    /// Called once per TLS handshake: nil on success, else why it failed
    /// (the connection is then closed).
    var onHandshake: ((TCPConnection, TLSHandshakeFailure?) -> Void)?
    /// Called once when a connection we opened closes before it carried
    /// the messages queued on it (the connect or the TLS handshake failed,
    /// or the next hop's name did not match): their bytes, as sent.
    var onUndelivered: ((TCPConnection, [UInt8]) -> Void)?
    var transport: TransportProtocol { tls == nil ? .tcp : .tls }
    /// A framing error, with the offending message's header section when it
    /// was complete. The handler may `finish` the connection with a
    /// response; otherwise it is closed when the handler returns.
    var onFramingError: ((TCPConnection, SIPParseError, [UInt8]?) -> Void)?

    init(id: UInt64, fd: Int32, remote: SocketAddress, inbound: Bool, connecting: Bool, queue: DispatchQueue,
         maxMessageSize: Int, tls: TLSSession? = nil, buffers: StreamReadBuffers,
         poller: StreamPoller? = nil, onMessage: @escaping (TCPConnection, [UInt8]) -> Void,
         onClose: @escaping (TCPConnection, String) -> Void) {
        self.id = id
        self.buffers = buffers
        self.tls = tls
        if tls != nil { handshakeStarted = .now() }
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
        sources.retain()
        if let poller, poller.add(fd, onReadable: { [weak self] in self?.readable() }) {
            self.poller = poller
        } else {
            let rs = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            rs.setEventHandler { [weak self] in self?.readable() }
            let sources = self.sources
            rs.setCancelHandler { sources.release() }
            readSource = rs
            rs.resume()
        }
        if connecting { armWrite() }
        if let tls, case .client = tls.role {
            // The ClientHello is queued now and goes out once connected.
            do {
                try tls.start()
                writeRaw(tls.takeOutput())
            } catch {
                handshakeFailed(error as? TLSHandshakeFailure ?? TLSHandshakeFailure(.error, "\(error)"))
            }
        }
    }

    /// Opens a non-blocking connection; messages written before it is up are queued.
    static func connect(id: UInt64, to remote: SocketAddress, queue: DispatchQueue, maxMessageSize: Int,
                        tls: TLSSession? = nil, buffers: StreamReadBuffers,
                        poller: StreamPoller? = nil, onMessage: @escaping (TCPConnection, [UInt8]) -> Void,
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
                             maxMessageSize: maxMessageSize, tls: tls, buffers: buffers, poller: poller, onMessage: onMessage, onClose: onClose)
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
        if let tls, !closed {
            // RFC 8446 §6.1: close_notify before our FIN.
            tls.closeNotify()
            writeRaw(tls.takeOutput())
        }
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

    /// Writes a message: as it is over TCP, sealed into records over TLS
    /// (held until the handshake has completed).
    private func write(_ bytes: [UInt8]) {
        guard let tls else {
            writeRaw(bytes)
            return
        }
        lastActivity = .now()
        guard tls.established, handshakeStarted == nil else {
            plaintextPending.append(contentsOf: bytes)
            if plaintextPending.count > maxPendingBytes {
                close(reason: "peer not reading: \(plaintextPending.count) bytes queued before the TLS handshake completed")
            }
            return
        }
        do {
            try tls.seal(bytes)
        } catch {
            close(reason: "TLS: \(error)")
            return
        }
        if unconfirmed != nil {
            unconfirmed?.append(contentsOf: bytes)
            if unconfirmed!.count > maxPendingBytes { unconfirmed = nil }
        }
        writeRaw(tls.takeOutput())
    }

    /// Writes bytes to the socket as they are (plain SIP, or TLS records).
    private func writeRaw(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, !closed else { return }
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
        if let poller {
            poller.remove(fd)
            self.poller = nil
            sources.release()
        }
        if !inbound, let undelivered = onUndelivered {
            // Over TLS, messages wait as plaintext until the handshake is
            // done; over TCP, in `pending` until the connect completes.
            let unsent = tls != nil ? plaintextPending : (connecting ? pending : [])
            if !unsent.isEmpty { undelivered(self, unsent) }
        }
        onClose(self, reason)
    }

    private func readable() {
        let buf = buffers.socket
        for _ in 0..<16 {
            let n = Glibc.read(fd, buf.baseAddress, buf.count)
            if n == 0 {
                if handshakeStarted != nil {
                    handshakeFailed(TLSHandshakeFailure(.closed, "closed by peer during the handshake"))
                } else {
                    close(reason: finishing ? finishReason : "closed by peer")
                }
                return
            }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { break }
                close(reason: "read: \(errnoText())")
                return
            }
            if finishing { continue }  // discarded: waiting for the peer's FIN
            lastActivity = .now()
            let read = UnsafeRawBufferPointer(rebasing: buf[0..<n])
            var plain: [UInt8]
            if let tls {
                guard let opened = decrypt(read, tls) else { return }
                plain = opened
                if plain.isEmpty {
                    if tls.peerClosed { close(reason: "closed by peer (close_notify)"); return }
                    if n < buf.count { break }
                    continue
                }
            } else {
                plain = Array(read)
            }
            framer.append(plain)
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
            // RFC 5626 §4.4.1: a double-CRLF ping gets a single-CRLF pong,
            // so a RUE keeping its flow open learns that it still works.
            let pings = framer.takeKeepAlivePings()
            if pings > 0 {
                write([UInt8](repeating: 0, count: pings * 2).enumerated().map { $0.offset % 2 == 0 ? 0x0D : 0x0A })
                if closed { return }
            }
            // The next message's clock starts with its first byte: now, if
            // this read ended one message and began another.
            if framer.bufferedByteCount == 0 {
                messageStarted = nil
            } else if delivered || messageStarted == nil {
                messageStarted = lastActivity
            }
            if let tls, tls.peerClosed { close(reason: "closed by peer (close_notify)"); return }
            if n < buf.count { break }
        }
    }

    /// Feeds records to the TLS session, sends what it answers, and
    /// returns the plaintext; nil when the connection was closed (a failed
    /// handshake or record, or a next hop with the wrong name).
    private func decrypt(_ bytes: UnsafeRawBufferPointer, _ tls: TLSSession) -> [UInt8]? {
        let wasEstablished = tls.established
        let plain: [UInt8]
        do {
            plain = try tls.receive(bytes, scratch: buffers.plaintext)
        } catch {
            // An alert may be waiting for the peer; it goes out before the close.
            writeRaw(tls.takeOutput())
            let failure = error as? TLSHandshakeFailure ?? TLSHandshakeFailure(.error, "\(error)")
            if let refused = unconfirmed {
                // The peer refused the handshake after ours completed: what
                // we sent meanwhile is undelivered (see `unconfirmed`).
                plaintextPending = refused
                unconfirmed = nil
                handshakeFailed(failure)
            } else if wasEstablished {
                close(reason: "TLS: \(failure)")
            } else {
                handshakeFailed(failure)
            }
            return nil
        }
        if wasEstablished { unconfirmed = nil }
        writeRaw(tls.takeOutput())
        if closed { return nil }
        if !wasEstablished && tls.established { handshakeCompleted(tls) }
        return closed ? nil : plain
    }

    /// Checks a next hop's name, learns the peer's identities and sends
    /// what waited for the handshake.
    private func handshakeCompleted(_ tls: TLSSession) {
        if let mismatch = tls.checkServerIdentity() {
            handshakeFailed(mismatch)
            return
        }
        handshakeStarted = nil
        peerIdentities = tls.peerIdentities()
        if !inbound { unconfirmed = [] }
        onHandshake?(self, nil)
        let waiting = plaintextPending
        plaintextPending = []
        if !waiting.isEmpty { write(waiting) }
    }

    /// Reports a failed (or timed-out) handshake and closes the connection.
    func handshakeFailed(_ failure: TLSHandshakeFailure) {
        guard !closed else { return }
        handshakeStarted = nil
        onHandshake?(self, failure)
        close(reason: "TLS handshake: \(failure)")
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
