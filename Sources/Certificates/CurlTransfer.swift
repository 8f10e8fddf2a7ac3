// One libcurl easy transfer with the x5u transport rules
// (ARCHITECTURE.md rule 7): no redirects, no proxies from the environment,
// size cap, connect + total timeout, RFC 6890 check on every resolved address.
import CCurl
import Foundation

final class CurlTransfer: @unchecked Sendable {
    let request: HTTPRequest
    private let completion: @Sendable (Result<HTTPResponse, CertificateFailure>) -> Void
    private var easy: UnsafeMutableRawPointer?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var body: [UInt8] = []
    private var headers: [String: String] = [:]
    private var oversize = false
    private var allowSpecial = false
    private(set) var refusedAddress: String?
    private var finished = false

    init(request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, CertificateFailure>) -> Void) {
        self.request = request
        self.completion = completion
    }

    deinit {
        if let easy { curl_easy_cleanup(easy) }
        if let headerList { curl_slist_free_all(headerList) }
    }

    /// Creates and configures the easy handle; nil if curl refuses an option.
    func makeHandle(configuration: CurlRequester.Configuration) -> UnsafeMutableRawPointer? {
        guard let easy = curl_easy_init() else { return nil }
        self.easy = easy
        allowSpecial = configuration.allowSpecialPurposeAddresses
        let me = Unmanaged.passUnretained(self).toOpaque()
        let timeoutMS = max(1, Int(request.timeout * 1000))
        var ok = true
        func check(_ code: CURLcode) { if code != CURLE_OK { ok = false } }
        check(stird_curl_setopt_str(easy, CURLOPT_URL, request.url))
        check(stird_curl_setopt_str(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
        check(stird_curl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0))
        check(stird_curl_setopt_str(easy, CURLOPT_PROXY, ""))
        check(stird_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        check(stird_curl_setopt_long(easy, CURLOPT_TIMEOUT_MS, timeoutMS))
        check(stird_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS,
                                     min(timeoutMS, max(1, Int(configuration.connectTimeout * 1000)))))
        check(stird_curl_setopt_long(easy, CURLOPT_MAXFILESIZE, request.maximumBodyBytes))
        check(stird_curl_setopt_str(easy, CURLOPT_USERAGENT, "stird"))
        if let caFile = configuration.caFile { check(stird_curl_setopt_str(easy, CURLOPT_CAINFO, caFile)) }
        check(stird_curl_setopt_data_cb(easy, CURLOPT_WRITEFUNCTION, Self.onBody))
        check(stird_curl_setopt_ptr(easy, CURLOPT_WRITEDATA, me))
        check(stird_curl_setopt_data_cb(easy, CURLOPT_HEADERFUNCTION, Self.onHeader))
        check(stird_curl_setopt_ptr(easy, CURLOPT_HEADERDATA, me))
        check(stird_curl_setopt_opensocket_cb(easy, Self.onOpenSocket))
        check(stird_curl_setopt_ptr(easy, CURLOPT_OPENSOCKETDATA, me))
        if request.method == "POST" {
            check(stird_curl_setopt_long(easy, CURLOPT_POST, 1))
            check(stird_curl_setopt_long(easy, CURLOPT_POSTFIELDSIZE, request.body.count))
            check(request.body.withUnsafeBufferPointer {
                stird_curl_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress))
            })
        }
        if let contentType = request.contentType {
            headerList = curl_slist_append(headerList, "Content-Type: " + contentType)
            check(stird_curl_setopt_ptr(easy, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList)))
        }
        return ok ? easy : nil
    }

    /// Called on the engine thread when libcurl finished the transfer.
    func complete(code: CURLcode) {
        if let refusedAddress {
            finish(.failure(.forbiddenURL("address \(refusedAddress) is special-purpose (RFC 6890)")))
            return
        }
        switch code {
        case CURLE_OK:
            var status = 0
            if let easy { stird_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status) }
            finish(.success(HTTPResponse(status: status, headers: headers, body: body)))
        case CURLE_OPERATION_TIMEDOUT:
            finish(.failure(.fetchTimeout))
        case CURLE_FILESIZE_EXCEEDED:
            finish(.failure(.fetchFailed("body larger than \(request.maximumBodyBytes) bytes")))
        case CURLE_WRITE_ERROR where oversize:
            finish(.failure(.fetchFailed("body larger than \(request.maximumBodyBytes) bytes")))
        default:
            finish(.failure(.fetchFailed(String(cString: curl_easy_strerror(code)))))
        }
    }

    /// Delivers the result exactly once.
    func finish(_ result: Result<HTTPResponse, CertificateFailure>) {
        guard !finished else { return }
        finished = true
        completion(result)
    }

    private static func transfer(_ pointer: UnsafeMutableRawPointer?) -> CurlTransfer {
        Unmanaged<CurlTransfer>.fromOpaque(pointer!).takeUnretainedValue()
    }

    private static let onBody: stird_curl_data_cb = { data, size, count, user in
        let me = transfer(user)
        let length = size * count
        guard me.body.count + length <= me.request.maximumBodyBytes else {
            me.oversize = true
            return 0  // aborts with CURLE_WRITE_ERROR
        }
        if let data { data.withMemoryRebound(to: UInt8.self, capacity: length) { me.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) } }
        return length
    }

    private static let onHeader: stird_curl_data_cb = { data, size, count, user in
        let me = transfer(user)
        let length = size * count
        guard let data else { return length }
        let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
        if line.hasPrefix("HTTP/") {
            me.headers.removeAll()  // a new response (e.g. after 100 Continue)
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            me.headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return length
    }

    private static let onOpenSocket: stird_curl_opensocket_cb = { user, _, address in
        let me = transfer(user)
        guard let address else { return CURL_SOCKET_BAD }
        let family = address.pointee.family
        let raw = UnsafeRawPointer(address) + MemoryLayout<curl_sockaddr>.offset(of: \curl_sockaddr.addr)!
        var bytes: [UInt8] = []
        if family == AF_INET {
            let offset = MemoryLayout<sockaddr_in>.offset(of: \sockaddr_in.sin_addr)!
            bytes = Array(UnsafeRawBufferPointer(start: raw + offset, count: 4))
        } else if family == AF_INET6 {
            let offset = MemoryLayout<sockaddr_in6>.offset(of: \sockaddr_in6.sin6_addr)!
            bytes = Array(UnsafeRawBufferPointer(start: raw + offset, count: 16))
        }
        if !me.allowSpecial && SpecialPurposeAddress.isSpecialPurpose(bytes) {
            me.refusedAddress = SpecialPurposeAddress.text(bytes)
            return CURL_SOCKET_BAD
        }
        return socket(family, address.pointee.socktype, address.pointee.protocol)
    }
}
