import Crypto
import Foundation
import Logging

/// The two operations of the provider configuration service (RFC 9248 §9,
/// its OpenAPI in §9.3), without sockets: `GET /rum/v1/ProviderConfig`
/// (the provider's settings; an API key but no user credentials) and
/// `GET /rum/v1/RueConfig` (one user's settings on one RUE instance,
/// authenticated with the account's login over TLS as HTTP Basic,
/// RFC 7617). The major version is the path's `v1`; members a later minor
/// version adds are ignored by clients, and unknown query parameters here
/// (RFC 9248 §9.2.3).
///
/// RueConfig generates a new `sip-password` for the account and the
/// instance each time: it is returned once and only its Digest H(A1)s are
/// kept (store and `RUECredentialTable`), so a RUE that lost it fetches a
/// new one and nothing on disk can give it back.
public final class RUEConfigService: @unchecked Sendable {
    /// Accounts and the Digest realm as the current STIR generation has them.
    public typealias Accounts = () -> (realm: String, accounts: [AccountConfiguration])

    public let config: RUEConfiguration
    let accounts: Accounts
    let store: RUECredentialStore
    let table: RUECredentialTable
    let counters: RUECounters
    let logger: Logger
    private let lock = NSLock()
    private var keys: APIKeySet
    /// Logins verified at once: one PBKDF2 at the default 600,000
    /// iterations is about 0.12 s of CPU (`time stirctl passwd --kdf`), so
    /// the service's 16 connections could otherwise take every core from
    /// the proxy loops. The others wait on their own threads.
    private let kdfSlots = DispatchSemaphore(value: 2)
    /// Burns the same PBKDF2 time for an unknown account as for a known one.
    private let decoy = PasswordKDF.make(password: "-", iterations: PasswordKDF.defaultIterations)

    public init(config: RUEConfiguration, accounts: @escaping Accounts, store: RUECredentialStore, table: RUECredentialTable = .shared,
                counters: RUECounters = .shared, logger: Logger) throws {
        self.config = config
        self.accounts = accounts
        self.store = store
        self.table = table
        self.counters = counters
        self.logger = logger
        keys = try APIKeySet.load(path: config.apiKeysFile)
        table.replaceAll(try store.all(), keep: config.maxInstancesPerAccount)
    }

    /// SIGHUP: the API keys file again (revocation). A file that cannot be
    /// read keeps the keys in use.
    public func reloadKeys() throws {
        let fresh = try APIKeySet.load(path: config.apiKeysFile)
        lock.lock()
        keys = fresh
        lock.unlock()
    }

    static let prefix = "/rum/v1/"

    func respond(to request: RUEHTTPRequest) -> RUEHTTPResponse {
        let (response, result) = handle(request)
        counters.fetched(result)
        return response
    }

    private func handle(_ request: RUEHTTPRequest) -> (RUEHTTPResponse, RUECounters.Result) {
        let operation: String
        switch request.path {
        case Self.prefix + "ProviderConfig": operation = "ProviderConfig"
        case Self.prefix + "RueConfig": operation = "RueConfig"
        default: return (.error(404, "Not Found", "no such operation (RFC 9248 §9: /rum/v1/ProviderConfig, /rum/v1/RueConfig)"), .notFound)
        }
        guard request.method == "GET" else {
            return (.error(405, "Method Not Allowed", "GET only", headers: [("Allow", "GET")]), .badRequest)
        }
        // The API key names the implementation (RFC 9248 §9): checked first,
        // before any user credential is looked at.
        guard let key = request.query["apiKey"], !key.isEmpty else {
            counters.refusedKey(.missing)
            return (.error(403, "Forbidden", "apiKey missing"), .forbiddenKey)
        }
        lock.lock()
        let lookup = keys.lookup(key)
        lock.unlock()
        switch lookup {
        case .active: break
        case .unknown:
            counters.refusedKey(.unknown)
            logger.warning("rue: unknown API key", metadata: ["operation": "\(operation)"])
            return (.error(403, "Forbidden", "apiKey not recognized"), .forbiddenKey)
        case .revoked(let label):
            counters.refusedKey(.revoked)
            logger.warning("rue: revoked API key", metadata: ["operation": "\(operation)", "key": "\(label)"])
            return (.error(403, "Forbidden", "apiKey revoked"), .forbiddenKey)
        }
        var document: [String: Any] = [
            "lifetime": config.configLifetimeSeconds,
            "provider-domain": config.providerDomain,
        ]
        if !config.outboundProxies.isEmpty { document["outbound-proxies"] = config.outboundProxies }
        guard operation == "RueConfig" else { return (.json(document), .providerConfig) }
        // The instance (one device of the user) gets its own credentials.
        guard let instance = request.query["instanceId"], !instance.isEmpty, instance.utf8.count <= 256 else {
            return (.error(400, "Bad Request", "instanceId is required (RFC 9248 §9)"), .badRequest)
        }

        let (realm, all) = accounts()
        guard let (user, password) = Self.basicCredentials(request.headers["authorization"]) else {
            return (challenge("credentials required"), .unauthorized)
        }
        let account = all.first { $0.name == user && $0.rueLogin != nil }
        let login = account?.rueLogin ?? decoy
        kdfSlots.wait()
        let verified = login.verify(password)
        kdfSlots.signal()
        guard verified, let account else {
            logger.warning("rue: login refused", metadata: ["user": "\(user)"])
            return (challenge("wrong user name or password"), .unauthorized)
        }
        let sipPassword = APIKeySet.generateKey()
        let row = RUECredentialStore.Row(
            account: account.name, instance: instance, realm: realm,
            ha1: [.sha512_256: DigestAlgorithm.sha512_256.ha1(username: account.name, realm: realm, password: sipPassword),
                  .sha256: DigestAlgorithm.sha256.ha1(username: account.name, realm: realm, password: sipPassword)],
            created: Int64(Date().timeIntervalSince1970))
        do {
            try store.put(row, keep: config.maxInstancesPerAccount)
        } catch {
            logger.error("rue: credential store: \(error)")
            return (.error(503, "Service Unavailable", "credential store unavailable"), .error)
        }
        table.put(row, keep: config.maxInstancesPerAccount)
        logger.info("rue: configuration issued", metadata: ["account": "\(account.name)", "instance": "\(instance)"])
        // RFC 9248 §9.2.2: the SIP user name and password the RUE registers
        // and authenticates with.
        document["user-name"] = account.name
        document["sip-password"] = sipPassword
        if let number = account.tns.patterns.lazy.compactMap(\.exactNumber).first { document["phone-number"] = "+" + number }
        return (.json(document), .rueConfig)
    }

    private func challenge(_ why: String) -> RUEHTTPResponse {
        .error(401, "Unauthorized", why, headers: [("WWW-Authenticate", "Basic realm=\"\(config.providerDomain)\", charset=\"UTF-8\"")])
    }

    /// `Basic base64(user:password)` (RFC 7617 §2).
    static func basicCredentials(_ field: String?) -> (String, String)? {
        guard let field, field.lowercased().hasPrefix("basic ") else { return nil }
        let encoded = field.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard let data = Data(base64Encoded: encoded) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
