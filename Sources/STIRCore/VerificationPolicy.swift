/// What the verification service accepts. Defaults follow RFC 8224 (60 s
/// freshness) and SHAKEN (`ppt=shaken`, https x5u).
public struct VerificationPolicy: Sendable, Equatable {
    /// Max age of the SIP `Date` (RFC 8224 §6.2 step 4: 60 s RECOMMENDED).
    public var maxDateAgeSeconds: Int64
    /// Max age of `iat` in a full-form PASSporT.
    public var maxIatAgeSeconds: Int64
    /// How far `Date` / `iat` may lie in the future (clock skew), separately
    /// from the age window, so future-dated requests cannot bypass freshness.
    public var maxFutureSkewSeconds: Int64
    /// Reject when the request has no `Date` header. When false, full-form
    /// `iat` alone is checked (ATIS-1000074 §5.3.3 lets full form carry it).
    public var requireDateHeader: Bool
    /// Supported `ppt` values; headers with any other `ppt` are ignored.
    public var supportedPPTs: Set<String>
    /// Accept baseline PASSporTs (no `ppt`).
    public var acceptBaseline: Bool
    /// Accept the compact form (RFC 8224 §4.1.1); SHAKEN uses full form only.
    public var allowCompactForm: Bool
    /// Require a SIP destination identity to appear in `dest`.
    public var checkDestination: Bool
    /// URI schemes allowed in `info`/`x5u` (SHAKEN: https only).
    public var allowedX5USchemes: Set<String>
    /// Identity headers examined per request; the rest are ignored.
    public var maxIdentityHeaders: Int
    /// Max length of one Identity header value.
    public var maxIdentityHeaderLength: Int
    /// Limits for the JSON reader.
    public var jsonLimits: JSONReader.Limits
    /// `div` chains (RFC 8946 §4.2): nil leaves `ppt=div` unsupported;
    /// otherwise the max `iat` age of an inner link of a chain (the
    /// outermost keeps `maxIatAgeSeconds`). §4.2 step 4 allows a longer
    /// window for inner links because a call may be forwarded long after
    /// it was first signed (transfers, up to hours).
    public var divMaxAgeSeconds: Int64?

    /// True when `div` chains are built and judged.
    public var divChains: Bool { divMaxAgeSeconds != nil }

    public init(maxDateAgeSeconds: Int64 = 60, maxIatAgeSeconds: Int64 = 60, maxFutureSkewSeconds: Int64 = 5,
                requireDateHeader: Bool = false, supportedPPTs: Set<String> = ["shaken"], acceptBaseline: Bool = true,
                allowCompactForm: Bool = true, checkDestination: Bool = true, allowedX5USchemes: Set<String> = ["https"],
                maxIdentityHeaders: Int = 10, maxIdentityHeaderLength: Int = IdentityHeader.defaultMaxLength,
                jsonLimits: JSONReader.Limits = .init(), divMaxAgeSeconds: Int64? = nil) {
        self.maxDateAgeSeconds = maxDateAgeSeconds
        self.maxIatAgeSeconds = maxIatAgeSeconds
        self.maxFutureSkewSeconds = maxFutureSkewSeconds
        self.requireDateHeader = requireDateHeader
        self.supportedPPTs = supportedPPTs
        self.acceptBaseline = acceptBaseline
        self.allowCompactForm = allowCompactForm
        self.checkDestination = checkDestination
        self.allowedX5USchemes = allowedX5USchemes
        self.maxIdentityHeaders = maxIdentityHeaders
        self.maxIdentityHeaderLength = maxIdentityHeaderLength
        self.jsonLimits = jsonLimits
        self.divMaxAgeSeconds = divMaxAgeSeconds
    }

    /// SHAKEN profile: `ppt=shaken` only, full form only, https x5u.
    public static let shaken = VerificationPolicy(acceptBaseline: false, allowCompactForm: false)

    /// True if `uri`'s scheme (case-insensitive) is in `allowedX5USchemes`.
    func allowsScheme(of uri: String) -> Bool {
        // Fast path for the default: no allocation for "https:".
        // (Comparing with a Set literal would build the Set on every call.)
        if allowedX5USchemes.count == 1, allowedX5USchemes.contains("https") {
            let prefix = uri.utf8.prefix(6)
            return prefix.count == 6 && zip(prefix, "https:".utf8).allSatisfy { ASCIIBytes.lower($0) == $1 }
        }
        let b = Array(uri.utf8)
        guard let colon = b.firstIndex(of: UInt8(ascii: ":")) else { return false }
        return allowedX5USchemes.contains(ASCIIBytes.lowercased(b[..<colon]))
    }
}
