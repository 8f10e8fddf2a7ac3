// A certificate chain that passed path validation and the STIR checks.
public import Foundation

/// A validated x5u chain: what the verification service needs to check a
/// PASSporT signature and the caller's TN authority (RFC 8224 §6.2, RFC 8226).
public struct ValidatedChain: Sendable {
    /// DER SubjectPublicKeyInfo of the leaf (P-256 for SHAKEN), for ES256.
    public let leafPublicKeySPKI: [UInt8]
    /// Leaf TNAuthList (nil only when the validator does not require one).
    public let tnAuthList: TNAuthList?
    /// TNAuthLists of CA certificates on the path; each limits every path
    /// through that CA (RFC 8226 §9), so coverage is their intersection.
    public let caTNAuthLists: [TNAuthList]
    /// Leaf JWT Claim Constraints (RFC 8226 §8), applied to the PASSporT by
    /// the verifier; a violation makes the PASSporT invalid (438).
    public let jwtClaimConstraints: JWTClaimConstraints?
    /// Service provider code of the leaf TNAuthList.
    public var spc: String? { tnAuthList?.spc }
    /// Latest notBefore over the path (leaf to anchor).
    public let notBefore: Date
    /// Earliest notAfter over the path (leaf to anchor).
    public let notAfter: Date
    /// Leaf subject CN, for logs.
    public let leafCommonName: String?
    /// Leaf serial number in hex, for logs and `stirctl cache list`.
    public let leafSerial: String
    /// Outcome of the revocation policies when the chain was admitted.
    public internal(set) var revocation: RevocationDecision = .notApplicable

    /// The chain as served at x5u (PEM), kept for disk persistence.
    public let servedPEM: [UInt8]
    /// Built path, leaf first, anchor last.
    let path: [X509Certificate]
    /// How far `notBefore` may lie after a checked time (the validator's
    /// `notBeforeTolerance`).
    public internal(set) var notBeforeTolerance: TimeInterval = 0

    init(path: [X509Certificate], servedPEM: [UInt8], tnAuthList: TNAuthList?, caTNAuthLists: [TNAuthList],
         jwtClaimConstraints: JWTClaimConstraints? = nil) {
        self.jwtClaimConstraints = jwtClaimConstraints
        let leaf = path[0]
        self.path = path
        self.servedPEM = servedPEM
        self.tnAuthList = tnAuthList
        self.caTNAuthLists = caTNAuthLists
        self.leafPublicKeySPKI = leaf.subjectPublicKeyInfo
        self.notBefore = path.map(\.notBefore).max() ?? .distantFuture
        self.notAfter = path.map(\.notAfter).min() ?? .distantPast
        self.leafCommonName = leaf.commonName
        self.leafSerial = leaf.serialHex
    }

    var leaf: X509Certificate { path[0] }
    /// The leaf's issuer (path always has at least leaf + anchor).
    var issuer: X509Certificate { path.count > 1 ? path[1] : path[0] }
    /// Leaf lifetime, for the short-lived policy.
    var leafLifetime: TimeInterval { leaf.notAfter.timeIntervalSince(leaf.notBefore) }

    /// Whether the chain authorizes canonical TN `tn` (digits only): the
    /// leaf TNAuthList covers it and so does every CA-level TNAuthList.
    public func covers(tn: String) -> Bool {
        guard let tnAuthList, tnAuthList.covers(tn: tn) else { return false }
        for list in caTNAuthLists where !list.covers(tn: tn) { return false }
        return true
    }

    /// `nil` if every certificate of the path is valid at `date`
    /// (e.g. the PASSporT `iat`), else `.expired` or `.notYetValid`.
    public func validityFailure(at date: Date) -> CertificateFailure? {
        if date.addingTimeInterval(notBeforeTolerance) < notBefore { return .notYetValid }
        if date > notAfter { return .expired }
        return nil
    }
}

extension ValidatedChain: Equatable {
    /// Two chains are equal when the same bytes were served and admitted with
    /// the same revocation outcome.
    public static func == (lhs: ValidatedChain, rhs: ValidatedChain) -> Bool {
        lhs.servedPEM == rhs.servedPEM && lhs.revocation == rhs.revocation && lhs.leafSerial == rhs.leafSerial
    }
}

extension ValidatedChain: CustomStringConvertible {
    /// One line for logs (no key bytes).
    public var description: String {
        "ValidatedChain(cn: \(leafCommonName ?? "-"), serial: \(leafSerial), spc: \(spc ?? "-"), "
            + "tnAuthList: \(tnAuthList.map { "\($0.entries)" } ?? "-"), notAfter: \(notAfter), revocation: \(revocation))"
    }
}
