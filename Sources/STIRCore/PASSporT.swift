import Crypto

/// A decoded full-form PASSporT (RFC 8225 §6: JWS compact serialization
/// `BASE64URL(header).BASE64URL(payload).BASE64URL(signature)`).
///
/// The signature is checked over `signingInput`, the header and payload
/// segments exactly as received (never a re-serialization), so tokens from
/// other implementations with extra claims or other member order verify.
public struct PASSporT: Sendable {
    public let header: PASSporTHeader
    public let claims: PASSporTClaims
    /// Header JSON as received (for display).
    public let headerJSON: JSONValue
    /// Payload JSON as received (for display).
    public let payloadJSON: JSONValue
    /// ASCII bytes of `header.payload` as received: the JWS signing input.
    public let signingInput: [UInt8]
    /// Raw signature bytes (64 for ES256; other lengths fail verification).
    public let signature: [UInt8]

    /// Upper bound on a token; real SHAKEN tokens are ~500 bytes.
    public static let defaultMaxTokenLength = 16_384

    /// Decodes and type-checks a full-form token. Claim rules for an
    /// extension are checked separately (`PASSporTClaimRules`).
    public static func decode(_ token: String, limits: JSONReader.Limits = .init()) throws(PASSporTError) -> PASSporT {
        try decodeHeader(token, limits: limits).decodeClaims(limits: limits)
    }

    /// First stage of `decode`: splits the token and decodes only the
    /// protected header, so header checks (typ, alg, ppt, x5u) can run
    /// before the claims are parsed.
    public static func decodeHeader(_ token: String, limits: JSONReader.Limits = .init()) throws(PASSporTError) -> HeaderStage {
        try decodeHeader(token, limits: limits, cache: .shared)
    }

    /// `decodeHeader` with headers remembered in `cache` (nil: none).
    static func decodeHeader(_ token: String, limits: JSONReader.Limits,
                             cache: PASSporTHeaderCache?) throws(PASSporTError) -> HeaderStage {
        let bytes = Array(token.utf8)
        guard bytes.count <= max(limits.maxBytes * 2, defaultMaxTokenLength) else { throw .malformedToken("too long") }
        var dots: [Int] = []
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: ".") {
            dots.append(i)
            if dots.count > 2 { throw .malformedToken("more than three segments") }
        }
        guard dots.count == 2 else { throw .malformedToken("not three segments") }
        let headerSeg = bytes[..<dots[0]]
        let payloadSeg = bytes[(dots[0] + 1)..<dots[1]]
        let sigSeg = bytes[(dots[1] + 1)...]
        guard !headerSeg.isEmpty, !payloadSeg.isEmpty else { throw .malformedToken("empty header or payload (compact form)") }
        guard !sigSeg.isEmpty else { throw .malformedToken("empty signature") }
        // A header segment seen before (the same signer) is not decoded
        // again; errors are reported in the same order either way.
        let known = cache?.lookup(headerSeg, limits: limits)
        var headerBytes: [UInt8] = []
        if known == nil {
            guard let decodedBytes = Base64URL.decode(headerSeg) else { throw .invalidBase64("header") }
            headerBytes = decodedBytes
        }
        guard let payloadBytes = Base64URL.decode(payloadSeg) else { throw .invalidBase64("payload") }
        guard let signature = Base64URL.decode(sigSeg) else { throw .invalidBase64("signature") }
        let decoded: PASSporTHeaderCache.Decoded
        if let known {
            decoded = known
        } else {
            let headerJSON: JSONValue
            do { headerJSON = try JSONReader(limits: limits).parse(headerBytes) } catch { throw .invalidJSON("header", error) }
            decoded = .init(header: try PASSporTHeader(json: headerJSON), json: headerJSON)
            cache?.store(headerSeg, limits: limits, decoded)
        }
        return HeaderStage(header: decoded.header, headerJSON: decoded.json, payloadBytes: payloadBytes,
                           signingInput: Array(bytes[..<dots[1]]), signature: signature)
    }

    /// A token whose header is decoded and whose claims are not yet parsed.
    public struct HeaderStage: Sendable {
        public let header: PASSporTHeader
        public let headerJSON: JSONValue
        let payloadBytes: [UInt8]
        let signingInput: [UInt8]
        let signature: [UInt8]

        /// The payload as JSON, without any claim checks (for display).
        public func rawPayloadJSON(limits: JSONReader.Limits = .init()) throws(PASSporTError) -> JSONValue {
            do { return try JSONReader(limits: limits).parse(payloadBytes) } catch { throw .invalidJSON("payload", error) }
        }

        /// Second stage: parses and type-checks the claims.
        public func decodeClaims(limits: JSONReader.Limits = .init()) throws(PASSporTError) -> PASSporT {
            let payloadJSON: JSONValue
            do { payloadJSON = try JSONReader(limits: limits).parse(payloadBytes) } catch { throw .invalidJSON("payload", error) }
            return PASSporT(header: header, claims: try PASSporTClaims(json: payloadJSON), headerJSON: headerJSON,
                            payloadJSON: payloadJSON, signingInput: signingInput, signature: signature)
        }
    }

    /// True if `signature` is a valid ES256 signature by `key` over the
    /// received `header.payload` bytes.
    public func isSignatureValid(with key: ES256PublicKey) -> Bool {
        key.isValidSignature(signature, for: signingInput)
    }
}
