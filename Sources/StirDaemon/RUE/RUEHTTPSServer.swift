import COpenSSL
import Foundation
import Logging
import SIPProxy
#if canImport(Glibc)
import Glibc
#endif

/// The HTTPS listener of the configuration service (RFC 9248 §9 requires
/// TLS; RFC 9325 §3.1: 1.2 at least). OpenSSL on the socket itself with
/// blocking calls, on threads of its own: one accepts, one per connection
/// (at most `maxConnections`; more are closed at once), each bounded by
/// socket timeouts, so no proxy loop and no Dispatch worker ever waits on
/// a client (docs/ARCHITECTURE.md rule 1). Fetches are rare (once per
/// `lifetime` per device); simplicity beats an event loop here.
public final class RUEHTTPSServer: @unchecked Sendable {
    public struct ServerError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    let service: RUEConfigService
    let logger: Logger
    /// Owned `SSL_CTX` (docs/ARCHITECTURE.md rule 4).
    private let context: OpaquePointer
    private var fd: Int32 = -1
    private let lock = NSLock()
    private var open = 0
    static let maxConnections = 16
    static let maxHeadBytes = 8 * 1024
    /// Time allowed for the handshake, the request head and the response each.
    static let timeoutSeconds = 5
    public private(set) var boundAddress: SocketAddress?

    public init(service: RUEConfigService, logger: Logger) throws {
        self.service = service
        self.logger = logger
        let config = service.config
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw ServerError(description: "SSL_CTX_new failed") }
        context = ctx
        _ = stird_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
        stird_SSL_CTX_harden(ctx)
        guard SSL_CTX_use_certificate_chain_file(ctx, config.certificate) == 1 else {
            throw ServerError(description: "certificate: \(config.certificate): \(Self.errors())")
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, config.privateKey, SSL_FILETYPE_PEM) == 1, SSL_CTX_check_private_key(ctx) == 1 else {
            throw ServerError(description: "private_key: \(config.privateKey): \(Self.errors())")
        }
    }

    deinit { SSL_CTX_free(context) }

    /// Binds `[rue] listen` and starts the accepting thread.
    public func start() throws {
        let listen = service.config.listen
        let socket: Int32
        do { socket = try MetricsSocket.listen(listen, backlog: 64) } catch {
            throw ServerError(description: "rue listen \(listen): \(error)")
        }
        _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) & ~O_NONBLOCK)
        fd = socket
        boundAddress = MetricsSocket.localAddress(socket) ?? listen
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "stird.rue"
        thread.start()
    }

    private func acceptLoop() {
        while true {
            let client = Glibc.accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno == EMFILE || errno == ENFILE { usleep(100_000); continue }
                logger.error("rue: accept failed, service stopped: \(String(cString: strerror(errno)))")
                return
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            lock.lock()
            let admitted = open < Self.maxConnections
            if admitted { open += 1 }
            lock.unlock()
            guard admitted else {
                close(client)
                continue
            }
            let thread = Thread { [self] in
                serve(client)
                close(client)
                lock.lock()
                open -= 1
                lock.unlock()
            }
            thread.start()
        }
    }

    private func serve(_ client: Int32) {
        var tv = timeval(tv_sec: Self.timeoutSeconds, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard let ssl = SSL_new(context) else { return }
        defer { SSL_free(ssl) }
        ERR_clear_error()
        SSL_set_fd(ssl, client)
        guard SSL_accept(ssl) == 1 else {
            ERR_clear_error()
            return
        }
        let deadline = Date().addingTimeInterval(TimeInterval(Self.timeoutSeconds))
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var end: Int?
        while end == nil {
            guard head.count < Self.maxHeadBytes, Date() < deadline else { break }
            let n = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            guard n > 0 else { break }
            head += buffer[0..<Int(n)]
            end = RUEHTTPRequest.headEnd(head)
        }
        let response: RUEHTTPResponse
        if let end, let request = RUEHTTPRequest.parse(Array(head[0..<(end - 4)])) {
            response = service.respond(to: request)
        } else if head.count >= Self.maxHeadBytes {
            response = .error(431, "Request Header Fields Too Large", "request head too large")
        } else if end != nil {
            response = .error(400, "Bad Request", "malformed request")
        } else {
            ERR_clear_error()
            return
        }
        let bytes = response.bytes
        _ = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    static func errors() -> String {
        var lines: [String] = []
        var buf = [CChar](repeating: 0, count: 256)
        while stird_ERR_get_error_text(&buf, buf.count) != 0 { lines.append(String(cString: buf)) }
        return lines.isEmpty ? "unknown OpenSSL error" : lines.joined(separator: "; ")
    }
}
