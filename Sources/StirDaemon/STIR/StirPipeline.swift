import Certificates
import Foundation
import INIConfig
import Logging
import SIPProxy

/// Builds the STIR processors from configuration: scrub, then verify (for
/// peers we verify), then sign (for peers we sign for). Loading fails with an
/// operator-readable message when a key, certificate or trust anchor file is
/// unusable, so a broken setup refuses to start.
public enum StirPipeline {
    /// Why the STIR setup cannot start. Its text quotes names and paths
    /// from the INI, so it is made printable like the INI's own errors.
    public struct SetupError: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = INIError.printable(description) }
    }

    /// The processors, or none when no peer is configured.
    public static func processors(for config: StirConfiguration, logger: Logger) throws -> [RequestProcessor] {
        try generation(for: config, logger: logger).generation.processors
    }

    /// Builds and validates a complete generation: keys and certificates are
    /// read and checked against each other, trust anchors loaded. Throws
    /// before anything is shared, so a failure leaves `previous` in use.
    /// The certificate cache of `previous` is reused when the settings it was
    /// built from and the trust files' contents are unchanged.
    public static func generation(for config: StirConfiguration, previous: StirGeneration? = nil,
                                  logger: Logger) throws -> (generation: StirGeneration, cache: CertificateCacheFate) {
        let number = (previous?.number ?? 0) + 1
        guard config.isEnabled else {
            let fate: CertificateCacheFate = previous?.certificateSource == nil ? .none : .dropped
            return (StirGeneration(number: number, config: config, scrub: nil, verify: nil, sign: nil, certificateSource: nil,
                                   cacheIdentity: nil), fate)
        }
        let peers = PeerTable(config.peers)
        let scrub = ScrubProcessor(peers: peers, scrubber: HeaderScrubber(attestationHeader: config.verify.attestationHeader))
        // Before verification and signing: a request that fails to
        // authenticate is answered here and never signed.
        var bearer: BearerValidator?
        if config.peers.contains(where: { $0.authenticate.contains(.bearer) }), let path = config.bearer.jwksFile {
            // Read when the INI was checked; this catches a file changed since.
            do { bearer = BearerValidator(keys: try JWKSet.load(path: path), config: config.bearer) } catch {
                throw SetupError(description: "[bearer] jwks_file (\(path)): \(error)")
            }
        }
        let auth = config.peers.contains(where: { !$0.authenticate.isEmpty })
            ? AuthenticationProcessor(peers: peers, config: config.auth, bearer: bearer, previous: previous?.auth) : nil
        var verify: VerificationProcessor?
        var source: CertificateSource?
        var identity: StirGeneration.CacheIdentity?
        var fate = CertificateCacheFate.none
        if config.peers.contains(where: \.verify) {
            let id = StirGeneration.CacheIdentity(settings: config.verify.certificates, trustFiles: trustFiles(config.verify))
            if let old = previous?.certificateSource, let oldID = previous?.cacheIdentity, oldID == id {
                // Same provider (its cache, revocation state and fetches in
                // flight); the host allow-list is the source's own.
                source = old.allowedHosts == Set(config.verify.x5uHosts)
                    ? old : CertificateSource(provider: old.provider, allowedHosts: config.verify.x5uHosts)
                fate = .kept
            } else {
                source = try certificateSource(config.verify, logger: logger)
                fate = previous?.certificateSource == nil ? .created : .rebuiltTrustChanged
            }
            identity = id
            verify = VerificationProcessor(peers: peers, source: source!, config: config.verify, extraction: config.extractionPolicy,
                                           content: config.verify.rcd.callInfo ? RcdContentFetcher(config.verify) : nil)
        } else if previous?.certificateSource != nil {
            fate = .dropped
        }
        var sign: SigningProcessor?
        var retarget: RetargetProcessor?
        var rcd: RcdSigningProcessor?
        if config.peers.contains(where: \.sign) || RetargetProcessor.isNeeded(config) {
            let credentials = try config.credentials.map { c -> SigningCredential in
                do { return try SigningCredential(c) } catch let e as SigningCredential.LoadError { throw SetupError(description: e.description) }
            }
            if config.peers.contains(where: \.sign) {
                sign = SigningProcessor(peers: peers, credentials: credentials, config: config.sign, extraction: config.extractionPolicy,
                                        authenticator: AccountOriginatorAuthenticator(accounts: config.auth.accounts))
            }
            if config.peers.contains(where: \.sign), !config.sign.rcdNames.entries.isEmpty {
                rcd = RcdSigningProcessor(table: config.sign.rcdNames, credentials: credentials)
            }
            if RetargetProcessor.isNeeded(config) {
                retarget = RetargetProcessor(peers: peers, routes: config.routes, credentials: credentials, extraction: config.extractionPolicy,
                                             attestationHeader: config.verify.attestationHeader)
            }
        }
        return (StirGeneration(number: number, config: config, scrub: scrub, auth: auth, verify: verify, sign: sign, retarget: retarget, rcd: rcd,
                               certificateSource: source, cacheIdentity: identity), fate)
    }

    /// The bytes of the trust anchor file, of each file in the anchor
    /// directory and of the HTTPS CA file (unreadable files count as empty;
    /// loading the anchors reports them).
    static func trustFiles(_ v: VerifyConfiguration) -> [String: [UInt8]] {
        var paths = [v.certificates.trustAnchorsFile, v.certificates.httpsCAFile].compactMap { $0 }
        if let dir = v.certificates.trustAnchorsDirectory, let names = try? FileManager.default.contentsOfDirectory(atPath: dir) {
            paths += names.sorted().map { dir + "/" + $0 }
        }
        var out: [String: [UInt8]] = [:]
        for p in paths { out[p] = FileManager.default.contents(atPath: p).map { Array($0) } ?? [] }
        return out
    }

    /// The certificate provider and its network access, from `[verify]`.
    public static func certificateSource(_ v: VerifyConfiguration, logger: Logger) throws -> CertificateSource {
        let anchors: TrustAnchors
        // Reading the INI checked these paths (`ConfiguredFiles`); this
        // catches a file changed or removed since.
        do { anchors = try TrustAnchors(file: v.certificates.trustAnchorsFile, directory: v.certificates.trustAnchorsDirectory) } catch {
            let why: String
            switch error {
            case CertificateFailure.malformed(let text): why = text
            default: why = "cannot read directory \(v.certificates.trustAnchorsDirectory ?? "-")"
            }
            throw SetupError(description: "[verify] trust anchors (\(v.certificates.trustAnchorsFile ?? "-"), \(v.certificates.trustAnchorsDirectory ?? "-")): \(why)")
        }
        guard anchors.count > 0 else { throw SetupError(description: "[verify] trust anchors: no certificate found") }
        var curl = CurlRequester.Configuration()
        curl.allowSpecialPurposeAddresses = v.certificates.allowSpecialPurposeAddresses
        curl.caFile = v.certificates.httpsCAFile
        curl.connectTimeout = Double(v.certificates.fetchTimeoutMs) / 1000
        let requester = CurlRequester(configuration: curl)
        var validator = ChainValidator(anchors: anchors)
        validator.requireSHAKENCommonName = v.certificates.requireSHAKENCommonName
        validator.notBeforeTolerance = TimeInterval(v.certificates.certNotBeforeSkewSeconds)
        let revocation = RevocationChecker(steps: v.certificates.revocation, failureMode: v.certificates.revocationHardFail ? .hard : .soft,
                                           shortLivedMaximum: TimeInterval(v.certificates.shortLivedMaxSeconds),
                                           requester: requester, anchors: anchors)
        var c = CertificateProvider.Configuration()
        c.urlPolicy.schemes = v.certificates.x5uAllowHTTP ? ["https", "http"] : ["https"]
        c.urlPolicy.ports = Set(v.certificates.x5uPorts)
        c.capacity = v.certificates.cacheMaxEntries
        c.defaultTTL = TimeInterval(v.certificates.cacheDefaultTTLSeconds)
        c.minimumTTL = TimeInterval(v.certificates.cacheMinTTLSeconds)
        c.maximumTTL = TimeInterval(v.certificates.cacheMaxTTLSeconds)
        c.negativeTTL = TimeInterval(v.certificates.negativeTTLSeconds)
        c.negativeTTLMaximum = TimeInterval(v.certificates.negativeTTLMaxSeconds)
        c.fetchTimeout = TimeInterval(v.certificates.fetchTimeoutMs) / 1000
        c.deadline = TimeInterval(v.certificates.lookupDeadlineMs) / 1000
        c.maximumChainBytes = v.certificates.fetchMaxBytes
        c.persistenceDirectory = v.certificates.cacheDirectory
        let provider = CertificateProvider(configuration: c, validator: validator, requester: requester, revocation: revocation,
                                           logger: logger)
        return CertificateSource(provider: provider, allowedHosts: v.x5uHosts)
    }
}
