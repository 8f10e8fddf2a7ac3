// HTTPRequester on libcurl's multi interface: one thread drives every
// transfer, so a hung server costs a socket, not a thread, and never delays
// other URLs (ARCHITECTURE.md rule 1). FoundationNetworking on Linux cannot
// pin trust anchors or veto the resolved address, hence libcurl.
import CCurl
import Foundation

/// Production HTTP client for x5u, OCSP and CRL fetches.
public final class CurlRequester: HTTPRequester, @unchecked Sendable {
    /// Transport rules applied to every request.
    public struct Configuration: Sendable {
        /// TCP+TLS connect timeout (seconds), bounded by the request timeout.
        public var connectTimeout: Double = 2
        /// Allow RFC 6890 special-purpose destinations (loopback, RFC 1918,
        /// link-local, ...). Off by default; loopback tests turn it on.
        public var allowSpecialPurposeAddresses = false
        /// PEM file of CAs for https server authentication; nil = system store.
        public var caFile: String?
        /// Defaults: 2 s connect, special-purpose addresses refused, system CAs.
        public init() {}
    }

    private let engine: CurlEngine

    /// Starts the transfer thread.
    public init(configuration: Configuration = Configuration()) {
        engine = CurlEngine(configuration: configuration)
    }

    deinit { engine.stop() }

    /// Queues `request`; completion runs on the transfer thread.
    public func send(_ request: HTTPRequest,
                     completion: @escaping @Sendable (Result<HTTPResponse, CertificateFailure>) -> Void) {
        engine.submit(CurlTransfer(request: request, completion: completion))
    }
}

/// The multi handle and its thread. Separate from CurlRequester so the
/// thread does not keep the requester alive.
final class CurlEngine: @unchecked Sendable {
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    let configuration: CurlRequester.Configuration
    private let multi: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var pending: [CurlTransfer] = []
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var stopping = false

    init(configuration: CurlRequester.Configuration) {
        _ = Self.globalInit
        self.configuration = configuration
        multi = curl_multi_init()!
        let thread = Thread { [self] in run() }
        thread.name = "stird.curl"
        thread.start()
    }

    func submit(_ transfer: CurlTransfer) {
        lock.lock()
        let refused = stopping
        if !refused { pending.append(transfer) }
        lock.unlock()
        if refused { transfer.finish(.failure(.fetchFailed("requester stopped"))); return }
        curl_multi_wakeup(multi)
    }

    func stop() {
        lock.lock()
        stopping = true
        lock.unlock()
        curl_multi_wakeup(multi)
    }

    private func run() {
        var running: Int32 = 0
        while true {
            lock.lock()
            let incoming = pending
            pending.removeAll()
            let stop = stopping
            lock.unlock()
            if stop {
                for transfer in incoming { transfer.finish(.failure(.fetchFailed("requester stopped"))) }
                break
            }
            for transfer in incoming {
                guard let easy = transfer.makeHandle(configuration: configuration) else {
                    transfer.finish(.failure(.fetchFailed("curl setup failed")))
                    continue
                }
                active[easy] = transfer
                curl_multi_add_handle(multi, easy)
            }
            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                let code = message.pointee.data.result
                curl_multi_remove_handle(multi, easy)
                if let transfer = active.removeValue(forKey: easy) {
                    transfer.complete(code: code)
                }
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        for (easy, transfer) in active {
            curl_multi_remove_handle(multi, easy)
            transfer.finish(.failure(.fetchFailed("requester stopped")))
        }
        active.removeAll()
        lock.lock()
        let leftovers = pending
        pending.removeAll()
        lock.unlock()
        for transfer in leftovers { transfer.finish(.failure(.fetchFailed("requester stopped"))) }
        curl_multi_cleanup(multi)
    }
}
