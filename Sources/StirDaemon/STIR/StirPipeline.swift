import Certificates
import Foundation
import Logging
import SIPProxy

/// Builds the STIR processors from configuration: scrub, then verify (for
/// peers we verify), then sign (for peers we sign for). Loading fails with an
/// operator-readable message when a key, certificate or trust anchor file is
/// unusable, so a broken setup refuses to start.
public enum StirPipeline {
    /// Why the STIR setup cannot start.
    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The processors, or none when no peer is configured.
    public static func processors(for config: StirConfiguration, logger: Logger) throws -> [RequestProcessor] {
        guard config.isEnabled else { return [] }
        let peers = PeerTable(config.peers)
        var out: [RequestProcessor] = [ScrubProcessor(peers: peers, scrubber: HeaderScrubber(attestationHeader: config.verify.attestationHeader))]
        if config.peers.contains(where: \.verify) {
            let source = try certificateSource(config.verify, logger: logger)
            out.append(VerificationProcessor(peers: peers, source: source, config: config.verify, extraction: config.extractionPolicy))
        }
        if config.peers.contains(where: \.sign) {
            let credentials = try config.credentials.map { c -> SigningCredential in
                do { return try SigningCredential(c) } catch let e as SigningCredential.LoadError { throw SetupError(description: e.description) }
            }
            out.append(SigningProcessor(peers: peers, credentials: credentials, config: config.sign, extraction: config.extractionPolicy))
        }
        return out
    }

    /// The certificate provider and its network access, from `[verify]`.
    public static func certificateSource(_ v: VerifyConfiguration, logger: Logger) throws -> CertificateSource {
        let anchors: TrustAnchors
        do { anchors = try TrustAnchors(file: v.trustAnchorsFile, directory: v.trustAnchorsDirectory) } catch {
            throw SetupError(description: "[verify] trust anchors (\(v.trustAnchorsFile ?? "-"), \(v.trustAnchorsDirectory ?? "-")): \(error)")
        }
        guard anchors.count > 0 else { throw SetupError(description: "[verify] trust anchors: no certificate found") }
        var curl = CurlRequester.Configuration()
        curl.allowSpecialPurposeAddresses = v.allowSpecialPurposeAddresses
        curl.caFile = v.httpsCAFile
        curl.connectTimeout = Double(v.fetchTimeoutMs) / 1000
        let requester = CurlRequester(configuration: curl)
        var validator = ChainValidator(anchors: anchors)
        validator.requireSHAKENCommonName = v.requireSHAKENCommonName
        let revocation: RevocationChecker
        do {
            revocation = try RevocationChecker.named(v.revocation, failureMode: v.revocationHardFail ? .hard : .soft,
                                                     shortLivedMaximum: TimeInterval(v.shortLivedMaxSeconds),
                                                     requester: requester, anchors: anchors)
        } catch { throw SetupError(description: "[verify] revocation: \(error)") }
        var c = CertificateProvider.Configuration()
        c.urlPolicy.schemes = v.x5uAllowHTTP ? ["https", "http"] : ["https"]
        c.urlPolicy.ports = Set(v.x5uPorts)
        c.capacity = v.cacheMaxEntries
        c.defaultTTL = TimeInterval(v.cacheDefaultTTLSeconds)
        c.minimumTTL = TimeInterval(v.cacheMinTTLSeconds)
        c.maximumTTL = TimeInterval(v.cacheMaxTTLSeconds)
        c.negativeTTL = TimeInterval(v.negativeTTLSeconds)
        c.negativeTTLMaximum = TimeInterval(v.negativeTTLMaxSeconds)
        c.fetchTimeout = TimeInterval(v.fetchTimeoutMs) / 1000
        c.deadline = TimeInterval(v.lookupDeadlineMs) / 1000
        c.maximumChainBytes = v.fetchMaxBytes
        c.persistenceDirectory = v.cacheDirectory
        let provider = CertificateProvider(configuration: c, validator: validator, requester: requester, revocation: revocation,
                                           logger: logger)
        return CertificateSource(provider: provider, allowedHosts: v.x5uHosts)
    }
}
