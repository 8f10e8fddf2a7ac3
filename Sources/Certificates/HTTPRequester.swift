// The network, injected (swift-certificates' OCSPRequester pattern): the
// cache, OCSP and CRL policies talk to this protocol so tests can count and
// fake requests; CurlRequester is the production implementation.

/// One HTTP exchange.
public struct HTTPRequest: Sendable, Equatable {
    /// Absolute http(s) URL.
    public var url: String
    /// "GET" or "POST".
    public var method: String
    /// Request body (POST).
    public var body: [UInt8]
    /// Content-Type of the body.
    public var contentType: String?
    /// Total time allowed, connect included (seconds).
    public var timeout: Double
    /// Largest body accepted; larger responses fail as `fetch_failed`.
    public var maximumBodyBytes: Int

    /// A request; `timeout` and `maximumBodyBytes` are mandatory bounds.
    public init(url: String, method: String = "GET", body: [UInt8] = [], contentType: String? = nil,
                timeout: Double, maximumBodyBytes: Int) {
        self.url = url
        self.method = method
        self.body = body
        self.contentType = contentType
        self.timeout = timeout
        self.maximumBodyBytes = maximumBodyBytes
    }
}

/// A received response (any status: redirects are never followed).
public struct HTTPResponse: Sendable, Equatable {
    /// HTTP status code.
    public var status: Int
    /// Header fields with lower-cased names; the last occurrence wins.
    public var headers: [String: String]
    /// Body bytes (at most the request's cap).
    public var body: [UInt8]

    /// A response value (tests build these for fake requesters).
    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Performs HTTP requests without blocking the caller. Failures are
/// `.fetchFailed`, `.fetchTimeout` or `.forbiddenURL` (address refused).
public protocol HTTPRequester: Sendable {
    func send(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, CertificateFailure>) -> Void)
}
