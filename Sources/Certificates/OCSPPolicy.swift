// `ocsp` revocation policy (RFC 6960): POST a request for the leaf to the
// responder named in its AIA extension; accept only a response whose
// signature chains to the trust anchors through an authorized responder
// (RFC 6960 §4.2.2.2), whose CertID matches, and whose thisUpdate/nextUpdate
// bracket now (§4.2.2.1). The chain cache keeps the result until nextUpdate.
import COpenSSL
import Crypto
public import Foundation

/// OCSP status check of the leaf certificate.
public struct OCSPPolicy: RevocationPolicy {
    /// Hard or soft failure when no trustworthy status is obtained.
    public var failureMode: RevocationFailureMode
    /// Tolerated clock difference with the responder (seconds).
    public var clockSkew: TimeInterval = 300
    /// Largest response accepted.
    public var maximumResponseBytes = 64 * 1024
    let requester: any HTTPRequester
    let anchors: TrustAnchors

    /// - Parameters:
    ///   - requester: POSTs to the responder (plain HTTP allowed; address rules apply).
    ///   - anchors: roots the responder signature must chain to.
    public init(requester: any HTTPRequester, anchors: TrustAnchors, failureMode: RevocationFailureMode) {
        self.requester = requester
        self.anchors = anchors
        self.failureMode = failureMode
    }

    /// `notApplicable` when the leaf has no AIA OCSP URL.
    public func check(_ chain: ValidatedChain, now: Date, deadline: Date,
                      completion: @escaping @Sendable (RevocationDecision) -> Void) {
        // No AIA OCSP URL: this policy cannot decide, the next one may.
        guard let url = chain.leaf.ocspURLs.first else { return completion(.notApplicable) }
        let remaining = deadline.timeIntervalSince(now)
        guard remaining > 0 else { return completion(.unknown("deadline passed before OCSP")) }
        guard let body = Self.requestDER(chain) else { return completion(.unknown("cannot build OCSP request")) }
        let request = HTTPRequest(url: url, method: "POST", body: body, contentType: "application/ocsp-request",
                                  timeout: remaining, maximumBodyBytes: maximumResponseBytes)
        requester.send(request) { result in
            switch result {
            case .failure(let failure):
                completion(.unknown("OCSP \(failure.code)"))
            case .success(let response) where response.status != 200:
                completion(.unknown("OCSP HTTP \(response.status)"))
            case .success(let response):
                completion(evaluate(response.body, chain: chain, now: now))
            }
        }
    }

    static func certificateID(_ chain: ValidatedChain) -> OpaquePointer? {
        OCSP_cert_to_id(nil, chain.leaf.pointer, chain.issuer.pointer)
    }

    static func requestDER(_ chain: ValidatedChain) -> [UInt8]? {
        guard let request = OCSP_REQUEST_new() else { return nil }
        defer { OCSP_REQUEST_free(request) }
        guard let id = certificateID(chain), OCSP_request_add0_id(request, id) != nil else { return nil }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_OCSP_REQUEST(request, &out)
        guard length > 0, let out else { return nil }
        defer { stird_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    /// Parses and checks a DER OCSPResponse for the chain's leaf.
    func evaluate(_ der: [UInt8], chain: ValidatedChain, now: Date) -> RevocationDecision {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_OCSP_RESPONSE(nil, &cursor, buffer.count)
        }
        guard let response = parsed else {
            OpenSSLErrorQueue.clear()
            return .unknown("OCSP response unparsable")
        }
        defer { OCSP_RESPONSE_free(response) }
        let status = OCSP_response_status(response)
        guard status == OCSP_RESPONSE_STATUS_SUCCESSFUL else { return .unknown("OCSP responseStatus \(status)") }
        guard let basic = OCSP_response_get1_basic(response) else { return .unknown("OCSP response not basic") }
        defer { OCSP_BASICRESP_free(basic) }
        // Path certificates help build the responder's chain; the store holds the anchors.
        let untrusted = stird_sk_X509_new_null()
        defer { stird_sk_X509_free(untrusted) }
        for certificate in chain.path.dropFirst() { _ = stird_sk_X509_push(untrusted, certificate.pointer) }
        guard OCSP_basic_verify(basic, untrusted, anchors.store, 0) == 1 else {
            return .unknown("OCSP signature: \(OpenSSLErrorQueue.drainText())")
        }
        guard let id = Self.certificateID(chain) else { return .unknown("cannot build CertID") }
        defer { OCSP_CERTID_free(id) }
        var certStatus: Int32 = -1
        var reason: Int32 = -1
        var revokedAt: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        var thisUpdate: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        var nextUpdate: UnsafeMutablePointer<ASN1_GENERALIZEDTIME>?
        guard OCSP_resp_find_status(basic, id, &certStatus, &reason, &revokedAt, &thisUpdate, &nextUpdate) == 1 else {
            return .unknown("OCSP response has no status for the leaf")
        }
        guard let produced = OpenSSLSupport.date(UnsafePointer(thisUpdate)), produced <= now + clockSkew else {
            return .unknown("OCSP thisUpdate in the future")
        }
        let until = OpenSSLSupport.date(UnsafePointer(nextUpdate))
        if let until, until < now - clockSkew { return .unknown("OCSP response stale (nextUpdate passed)") }
        switch certStatus {
        case V_OCSP_CERTSTATUS_GOOD: return .good(until: until)
        case V_OCSP_CERTSTATUS_REVOKED: return .revoked
        default: return .unknown("OCSP certStatus unknown")  // draft-ietf-stir-certificates-ocsp: unknown is not good
        }
    }
}
