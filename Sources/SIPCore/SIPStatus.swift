/// A SIP response status: the code and the reason phrase to send with it
/// (RFC 3261 §7.2, §21). The phrase defaults to the one the defining RFC
/// gives; `detailed` adds why, for a peer's logs ("Bad Request (Missing
/// Via)"). Every response stird writes goes through this type, so a code
/// and its phrase are written once.
public struct SIPStatus: Hashable, Sendable, CustomStringConvertible {
    public let code: Int
    public let reason: String

    /// `code` with `reason`, or the registered phrase when nil.
    public init(_ code: Int, reason: String? = nil) {
        self.code = code
        self.reason = reason ?? SIPStatus.registeredPhrase(code)
    }

    /// The same code, its registered phrase followed by `detail` in
    /// parentheses.
    public func detailed(_ detail: String) -> SIPStatus {
        SIPStatus(code, reason: "\(SIPStatus.registeredPhrase(code)) (\(detail))")
    }

    public var isFinal: Bool { code >= 200 }
    /// "486 Busy Here".
    public var description: String { "\(code) \(reason)" }

    /// The phrase of RFC 3261 §21 and of the RFCs that registered a code
    /// since (IANA "SIP Response Codes"); for an unknown code, the class
    /// phrase of §21.
    public static func registeredPhrase(_ code: Int) -> String {
        if let phrase = phrases[code] { return phrase }
        switch code / 100 {
        case 1: return "Provisional"
        case 2: return "OK"
        case 3: return "Redirection"
        case 4: return "Request Failure"
        case 5: return "Server Failure"
        default: return "Global Failure"
        }
    }

    private static let phrases: [Int: String] = [
        100: "Trying", 180: "Ringing", 181: "Call Is Being Forwarded", 182: "Queued", 183: "Session Progress",
        199: "Early Dialog Terminated",  // RFC 6228
        200: "OK", 202: "Accepted", 204: "No Notification",  // RFC 6665, RFC 5839
        300: "Multiple Choices", 301: "Moved Permanently", 302: "Moved Temporarily", 305: "Use Proxy",
        380: "Alternative Service",
        400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
        405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required",
        408: "Request Timeout", 410: "Gone", 412: "Conditional Request Failed",  // RFC 3903
        413: "Request Entity Too Large", 414: "Request-URI Too Long", 415: "Unsupported Media Type",
        416: "Unsupported URI Scheme", 417: "Unknown Resource-Priority",  // RFC 4412
        420: "Bad Extension", 421: "Extension Required", 422: "Session Interval Too Small",  // RFC 4028
        423: "Interval Too Brief", 428: "Use Identity Header",  // RFC 8224 §13.2
        429: "Provide Referrer Identity", 430: "Flow Failed", 433: "Anonymity Disallowed",  // RFC 3892, RFC 5626, RFC 5079
        436: "Bad Identity Info", 437: "Unsupported Credential", 438: "Invalid Identity Header",  // RFC 8224 §13.2
        439: "First Hop Lacks Outbound Support", 440: "Max-Breadth Exceeded",  // RFC 5626, RFC 5393
        469: "Bad Info Package", 470: "Consent Needed",  // RFC 6086, RFC 5360
        480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist", 482: "Loop Detected",
        483: "Too Many Hops", 484: "Address Incomplete", 485: "Ambiguous", 486: "Busy Here",
        487: "Request Terminated", 488: "Not Acceptable Here", 489: "Bad Event",  // RFC 6665
        491: "Request Pending", 493: "Undecipherable", 494: "Security Agreement Required",  // RFC 3329
        500: "Server Internal Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
        504: "Server Time-out", 505: "Version Not Supported", 513: "Message Too Large",
        555: "Push Notification Service Not Supported", 580: "Precondition Failure",  // RFC 8599, RFC 3312
        600: "Busy Everywhere", 603: "Decline", 604: "Does Not Exist Anywhere", 606: "Not Acceptable",
        607: "Unwanted", 608: "Rejected",  // RFC 8197, RFC 8688
    ]
}

/// An error that knows how a request failing this way is answered: the
/// status and any header fields the response must carry (e.g.
/// `Unsupported` with 420, RFC 3261 §20.40). Validation, the proxy's checks
/// and STIR verification failures adopt it; processors answer with it.
public protocol SIPResponseError: Error {
    var status: SIPStatus { get }
    var responseHeaders: [(name: String, value: String)] { get }
}

extension SIPResponseError {
    public var responseHeaders: [(name: String, value: String)] { [] }
}

/// Why a request is refused before it is processed: a status, and the
/// header fields its response carries.
public struct SIPRequestRejection: SIPResponseError, Equatable, Sendable, CustomStringConvertible {
    public let status: SIPStatus
    public let responseHeaders: [(name: String, value: String)]

    public init(_ status: SIPStatus, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.responseHeaders = headers
    }

    /// A 400 whose phrase says what is wrong ("Missing Call-ID").
    public static func badRequest(_ why: String) -> SIPRequestRejection { SIPRequestRejection(SIPStatus(400, reason: why)) }

    public var code: Int { status.code }
    public var reason: String { status.reason }
    public var description: String { status.description }

    public static func == (a: SIPRequestRejection, b: SIPRequestRejection) -> Bool {
        a.status == b.status && a.responseHeaders.elementsEqual(b.responseHeaders) { $0.name == $1.name && $0.value == $1.value }
    }
}
