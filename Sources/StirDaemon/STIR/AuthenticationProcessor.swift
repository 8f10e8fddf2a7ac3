import Crypto
import Foundation
import SIPCore
import SIPProxy

/// Authentication of originators as a proxy, for peers with `authenticate`:
/// SIP Digest (RFC 3261 §22.3, RFC 7616, RFC 8760) and Bearer tokens
/// (RFC 8898). An out-of-dialog request without valid credentials for our
/// realm is answered 407 with one `Proxy-Authenticate` per Digest
/// algorithm, most preferred first (RFC 8760 §2.4), and a Bearer challenge
/// when the peer takes tokens; a valid one proceeds with its account noted
/// in `TransactionNotes.account` (the signing processor decides attestation
/// from it) and our credentials removed, so they do not travel on.
///
/// ACK and CANCEL are never challenged (RFC 3261 §22.1: they cannot be
/// resubmitted), nor are requests inside a dialog. REGISTER is relayed
/// untouched for the registrar behind us unless `[auth]
/// authenticate_register = yes`: then stird authenticates it as the
/// registrar's side would, with 401 and `WWW-Authenticate` /
/// `Authorization` (RFC 3261 §22.2).
///
/// A request over a TLS connection whose client certificate an account
/// names (`[account] tls_identities`, e.g. an RFC 9248 relay user
/// equipment's device certificate; mutual TLS, RFC 5922 §7.3), verified
/// against `[tls] ca_file` during the handshake, is that account without a
/// challenge; any other certificate changes nothing (the challenge as
/// usual). Shared by every loop: its tables lock.
public final class AuthenticationProcessor: RequestProcessor {
    public let name = "stir-auth"
    let peers: PeerTable
    let config: AuthConfiguration
    let accounts: [String: AccountConfiguration]
    /// Per-instance credentials generated for RUEs (`RUECredentialTable`).
    let generated: RUECredentialTable
    let nonces: DigestNonces
    let counts: NonceCountTable
    let failures: AuthFailureTracker
    /// Bearer tokens (RFC 8898), when a peer accepts them.
    let bearer: BearerValidator?
    /// `bearer_subject` → account.
    let subjects: [String: AccountConfiguration]
    /// `tls_identities` entry → account (each names one account: checked at load).
    let certificates: [String: AccountConfiguration]
    let now: @Sendable () -> Int64

    /// The outcome of one request, the `result` label of
    /// `stird_auth_results_total` (a fixed set: never an account name).
    public enum Outcome: String, CaseIterable, Sendable {
        /// Valid credentials: the request proceeds under its account.
        case success
        /// No credentials for our realm: challenged.
        case challenged
        /// Right answer to an expired nonce: challenged with `stale=true`.
        case stale
        /// A nonce-count at or below one already used with that nonce.
        case replayed
        /// A nonce we did not make (forged, or from before a restart).
        case unknownNonce = "unknown_nonce"
        /// An algorithm we do not offer.
        case badAlgorithm = "bad_algorithm"
        /// Unknown user or wrong response: counted against the source.
        case failed
        /// Credentials that do not parse or lack a required parameter.
        case malformed
        /// The source is locked out after too many failures: 403.
        case locked
        /// A Bearer token that is invalid, expired, for another audience,
        /// or whose subject is no account (RFC 6750 `invalid_token`).
        case invalidToken = "invalid_token"
        /// A verified TLS client certificate an account names: the request
        /// proceeds under that account, without a challenge.
        case certificate
    }

    /// `previous` is the processor of the generation being replaced
    /// (SIGHUP): its generated nonce secret, nonce-counts and lock-outs are
    /// kept while the settings they depend on are unchanged, so a reload
    /// neither invalidates nonces nor releases a locked-out source.
    public init(peers: PeerTable, config: AuthConfiguration, bearer: BearerValidator? = nil, previous: AuthenticationProcessor? = nil,
                generated: RUECredentialTable = .shared,
                now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.generated = generated
        self.peers = peers
        self.config = config
        self.bearer = bearer
        var table: [String: AccountConfiguration] = [:]
        var bySubject: [String: AccountConfiguration] = [:]
        var byCertificate: [String: AccountConfiguration] = [:]
        for a in config.accounts {
            table[a.name] = a
            if let sub = a.bearerSubject { bySubject[sub] = a }
            for identity in a.tlsIdentities where byCertificate[identity] == nil { byCertificate[identity] = a }
        }
        accounts = table
        subjects = bySubject
        certificates = byCertificate
        let old = previous?.config
        if let previous, config.nonceSecret == old?.nonceSecret, config.nonceLifetimeSeconds == old?.nonceLifetimeSeconds {
            nonces = previous.nonces
        } else {
            nonces = DigestNonces(secret: config.nonceSecret ?? HMACSHA256.randomKey(count: 32),
                                  lifetimeSeconds: config.nonceLifetimeSeconds)
        }
        if let previous, config.nonceLifetimeSeconds == old?.nonceLifetimeSeconds, config.maxTrackedNonces == old?.maxTrackedNonces {
            counts = previous.counts
        } else {
            counts = NonceCountTable(capacity: config.maxTrackedNonces, lifetimeSeconds: config.nonceLifetimeSeconds)
        }
        if let previous, config.maxFailures == old?.maxFailures, config.failureWindowSeconds == old?.failureWindowSeconds,
           config.lockoutSeconds == old?.lockoutSeconds, config.maxTrackedSources == old?.maxTrackedSources {
            failures = previous.failures
        } else {
            failures = AuthFailureTracker(maxFailures: config.maxFailures, windowSeconds: config.failureWindowSeconds,
                                          lockoutSeconds: config.lockoutSeconds, capacity: config.maxTrackedSources)
        }
        self.now = now
    }

    public func process(_ request: SIPMessage, context: RequestContext, resumption: ProcessorResumption) -> ProcessorDecision {
        let method = context.method
        let register = method == "REGISTER"
        if register && !config.authenticateRegister { return .proceed }
        let peer = peers.peer(for: context)
        guard !peer.authenticate.isEmpty else { return .proceed }
        let fields = register ? Fields.registrar : Fields.proxy
        let offer = Offer(digest: peer.authenticate.contains(.digest) ? peer.digestAlgorithms ?? config.algorithms : [],
                          bearer: peer.authenticate.contains(.bearer) && bearer != nil)
        if method == "ACK" || method == "CANCEL" || request.toTag != nil {
            removeOurCredentials(request, fields: fields, bearer: offer.bearer)
            return .proceed
        }
        let log = CallLog(logger: context.logger, callID: context.callID)
        // A certificate cannot be guessed: checked before the lock-out,
        // which counts wrong passwords from an address others may share.
        if let account = certificateAccount(context) {
            count(.certificate)
            context.notes.account = account.name
            removeOurCredentials(request, fields: fields, bearer: offer.bearer)
            log.info("stir-auth: authenticated by client certificate", metadata: ["account": "\(account.name)", "peer": "\(peer.name)"])
            return .proceed
        }
        let source = context.source.host
        let current = now()
        if failures.isLocked(source, now: current) {
            count(.locked)
            log.debug("stir-auth: source locked out, refusing", metadata: ["source": "\(source)"])
            return .respond(SIPStatus(403).detailed("too many failed authentications"), headers: [])
        }
        let outcome = offer.bearer ? checkBearer(request, now: current, fields: fields) : nil
        let verdict = outcome ?? (offer.digest.isEmpty ? .challenge(.challenged, stale: false, user: nil)
            : check(request, method: method, source: source, now: current, algorithms: offer.digest, fields: fields))
        count(verdict.result)
        func challenges(stale: Bool, tokenError: Bool = false) -> [(name: String, value: String)] {
            challenge(source: source, now: current, stale: stale, algorithms: offer.digest, fields: fields)
                + (offer.bearer ? [bearerChallenge(fields: fields, invalidToken: tokenError)] : [])
        }
        switch verdict {
        case .authenticated(let account):
            context.notes.account = account
            removeOurCredentials(request, fields: fields, bearer: offer.bearer)
            log.info("stir-auth: authenticated", metadata: ["account": "\(account)", "peer": "\(peer.name)"])
            return .proceed
        case .challenge(let result, let stale, let user):
            if result != .challenged {
                log.info("stir-auth: challenged again", metadata: ["result": "\(result.rawValue)", "user": "\(user ?? "-")"])
            }
            return .respond(fields.status, headers: challenges(stale: stale))
        case .refuse(let status, let why):
            log.info("stir-auth: refused", metadata: ["result": "\(why)"])
            return .respond(status, headers: [])
        case .failure(let user, let why, _):
            if failures.recordFailure(source, now: current) {
                log.notice("stir-auth: too many failed authentications, locking the source out",
                           metadata: ["source": "\(source)", "lockout-s": "\(config.lockoutSeconds)"])
            }
            log.info("stir-auth: authentication failed", metadata: ["user": "\(user ?? "-")", "reason": "\(why)"])
            return .respond(fields.status, headers: challenges(stale: false, tokenError: verdict.result == .invalidToken))
        }
    }

    /// The account whose `tls_identities` the connection's verified client
    /// certificate carries (`RequestContext.tlsPeerIdentities`: empty
    /// unless the chain verified against `[tls] ca_file`), or nil. A
    /// certificate two accounts name (one by its DNS name, another by its
    /// fingerprint, say) is neither: it gets the challenge.
    func certificateAccount(_ context: RequestContext) -> AccountConfiguration? {
        guard !certificates.isEmpty else { return nil }
        var found: AccountConfiguration?
        for identity in context.tlsPeerIdentities {
            guard let account = certificates[identity] else { continue }
            if let f = found, f.name != account.name {
                CallLog(logger: context.logger, callID: context.callID).notice(
                    "stir-auth: client certificate named by two accounts, not used",
                    metadata: ["accounts": "\(f.name), \(account.name)"])
                return nil
            }
            found = account
        }
        return found
    }

    /// What a peer is offered: Digest algorithms (empty: none) and Bearer.
    struct Offer {
        let digest: [DigestAlgorithm]
        let bearer: Bool
    }

    /// The verdict on a Bearer token in the request, nil when it carries none.
    func checkBearer(_ request: SIPMessage, now: Int64, fields: Fields) -> Verdict? {
        guard let bearer, let token = request.headers(named: fields.credentials).lazy.compactMap(Self.bearerToken).first else {
            return nil
        }
        switch bearer.validate(token, now: now) {
        case .failure(let why):
            return .failure(user: nil, why: "bearer token: \(why)", outcome: .invalidToken)
        case .success(let subject):
            guard let account = subjects[subject] else {
                return .failure(user: subject, why: "bearer token subject is no account", outcome: .invalidToken)
            }
            return .authenticated(account.name)
        }
    }

    /// The token of a `Bearer` credentials value (RFC 6750 §2.1), or nil.
    static func bearerToken(_ value: String) -> String? {
        let bytes = value.utf8
        guard bytes.count > 7, String(decoding: bytes.prefix(6), as: UTF8.self).lowercased() == "bearer",
              bytes.dropFirst(6).first == UInt8(ascii: " ") else { return nil }
        let token = String(decoding: bytes.dropFirst(7), as: UTF8.self).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// The Bearer challenge (RFC 8898 §3.2; RFC 6750 §3 `error` when a
    /// token was refused).
    func bearerChallenge(fields: Fields, invalidToken: Bool) -> (name: String, value: String) {
        guard let bearer else { return (fields.challenge, "") }
        return (fields.challenge, "Bearer realm=\"\(config.realm)\", authz_server=\"\(bearer.config.authzServer)\""
            + (invalidToken ? ", error=\"invalid_token\"" : ""))
    }

    /// What the credentials of a request amount to.
    enum Verdict: Equatable {
        case authenticated(String)
        /// Answer 407 (with `stale=true` when `stale`), not a failure.
        case challenge(Outcome, stale: Bool, user: String?)
        /// Answer `status` at once (malformed credentials); not counted
        /// against the source, since no password was tried.
        case refuse(SIPStatus, String)
        /// Wrong user or response, or a refused token: 407 and one
        /// failure for the source.
        case failure(user: String?, why: String, outcome: Outcome = .failed)

        var result: Outcome {
            switch self {
            case .authenticated: return .success
            case .challenge(let o, _, _): return o
            case .refuse: return .malformed
            case .failure(_, _, let o): return o
            }
        }
    }

    func check(_ request: SIPMessage, method: String, source: String, now: Int64, algorithms: [DigestAlgorithm],
               fields: Fields = .proxy) -> Verdict {
        var ours: DigestCredentials?
        for value in request.headers(named: fields.credentials) where DigestCredentials.isDigest(value) {
            switch DigestCredentials.parse(value) {
            case .success(let c):
                if c["realm"] == config.realm && ours == nil { ours = c }
            case .failure(.tooLong):
                return .refuse(SIPStatus(400).detailed("\(fields.credentials) too long"), "too long")
            case .failure(let e):
                return .refuse(SIPStatus(400).detailed("malformed \(fields.credentials)"), "\(e)")
            }
        }
        guard let c = ours else { return .challenge(.challenged, stale: false, user: nil) }
        let user = c["username"]
        guard let algorithm = DigestAlgorithm(token: c["algorithm"]), algorithms.contains(algorithm) else {
            return .challenge(.badAlgorithm, stale: false, user: user)
        }
        // RFC 7616 §3.4: qop, cnonce and nc are required when the challenge
        // offered a qop, which ours always does.
        guard let username = user, let nonce = c["nonce"], let uri = c["uri"], let response = c["response"],
              let cnonce = c["cnonce"], !cnonce.isEmpty, let qop = c["qop"], let ncText = c["nc"] else {
            return .refuse(SIPStatus(400).detailed("incomplete Digest credentials"), "missing parameter")
        }
        guard qop.lowercased() == "auth" else { return .refuse(SIPStatus(400).detailed("qop must be auth"), "qop \(qop)") }
        guard ncText.utf8.count == 8, let nc = UInt32(ncText, radix: 16) else {
            return .refuse(SIPStatus(400).detailed("nc must be 8 hex digits"), "nc \(ncText)")
        }
        // RFC 7616 §3.4.6: the uri parameter must name the Request-URI.
        guard uri == request.requestURI else {
            return .refuse(SIPStatus(400).detailed("Digest uri does not match the Request-URI"),
                           "uri \(uri) is not the Request-URI \(request.requestURI ?? "-")")
        }
        // The account's configured hash, then the passwords stird generated
        // for its RUE instances (RFC 9248 §9 `sip-password`).
        guard let account = accounts[username] else {
            return .failure(user: username, why: "unknown user or no \(algorithm.rawValue) hash")
        }
        let ha1s = (account.ha1[algorithm].map { [$0] } ?? []) + generated.ha1s(account: username, realm: config.realm, algorithm: algorithm)
        guard !ha1s.isEmpty else { return .failure(user: username, why: "unknown user or no \(algorithm.rawValue) hash") }
        let expectedAll = ha1s.map {
            algorithm.response(ha1: $0, nonce: nonce, nc: ncText, cnonce: cnonce, qop: qop.lowercased(), method: method, uri: uri)
        }
        let issued: Int64
        let expired: Bool
        switch nonces.check(nonce, source: source, now: now) {
        case .unknown: return .challenge(.unknownNonce, stale: false, user: username)
        case .stale(let at): (issued, expired) = (at, true)
        case .fresh(let at): (issued, expired) = (at, false)
        }
        let received = Array(response.lowercased().utf8)
        // Every candidate is compared (no early exit), each in constant time.
        let matches = expectedAll.filter { MessageDigest.constantTimeEqual(Array($0.utf8), received) }.count
        guard matches > 0 else {
            return .failure(user: username, why: "wrong response")
        }
        // A right answer to an old nonce: the client knows the password and
        // only needs a new nonce (RFC 7616 §3.3 stale).
        if expired { return .challenge(.stale, stale: true, user: username) }
        switch counts.accept(nonce: nonce, issued: issued, nc: nc, now: now) {
        case .accepted: return .authenticated(account.name)
        case .replayed: return .challenge(.replayed, stale: true, user: username)
        case .forgotten: return .challenge(.stale, stale: true, user: username)
        }
    }

    /// One `Proxy-Authenticate` per algorithm offered to the peer, most
    /// preferred first (RFC 8760 §2.4), sharing one nonce.
    func challenge(source: String, now: Int64, stale: Bool, algorithms: [DigestAlgorithm],
                   fields: Fields = .proxy) -> [(name: String, value: String)] {
        guard !algorithms.isEmpty else { return [] }
        let nonce = nonces.make(now: now, source: source)
        return algorithms.map { algorithm in
            (name: fields.challenge,
             value: "Digest realm=\"\(config.realm)\", nonce=\"\(nonce)\", algorithm=\(algorithm.rawValue), qop=\"auth\""
                + (stale ? ", stale=true" : ""))
        }
    }

    /// Removes the credentials fields for our realm and keeps the others,
    /// in order, for the proxies (or registrar) after us (RFC 3261 §22.3).
    func removeOurCredentials(_ request: SIPMessage, fields: Fields = .proxy, bearer: Bool = false) {
        let all = request.headers(named: fields.credentials)
        guard !all.isEmpty else { return }
        let kept = all.filter { value in
            if bearer && Self.bearerToken(value) != nil { return false }
            guard DigestCredentials.isDigest(value), case .success(let c) = DigestCredentials.parse(value) else { return true }
            return c["realm"] != config.realm
        }
        guard kept.count != all.count else { return }
        request.removeHeaders(named: fields.credentials)
        for value in kept { request.addHeader(name: fields.credentials, value: value) }
    }

    /// The header fields and status of a proxy challenge (RFC 3261 §22.3)
    /// and of a registrar's (§22.2, for REGISTER).
    struct Fields {
        let status: SIPStatus
        let challenge: String
        let credentials: String

        static let proxy = Fields(status: SIPStatus(407), challenge: "Proxy-Authenticate", credentials: "Proxy-Authorization")
        static let registrar = Fields(status: SIPStatus(401), challenge: "WWW-Authenticate", credentials: "Authorization")
    }

    private func count(_ outcome: Outcome) {
        StirdMetrics.shared.authResult(outcome.rawValue)
    }
}
