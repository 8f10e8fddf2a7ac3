import Foundation
import INIConfig
import STIRCore

/// INI → `StirConfiguration`; every key is documented in etc/stird.ini.
extension StirConfiguration {
    /// Section names this reader owns.
    public static let sectionNames: Set<String> = ["stir", "sign", "verify", "peer", "credential", "auth", "account", "bearer"]

    /// Reads `[stir]`, `[sign]`, `[verify]`, `[auth]`, `[peer "…"]`,
    /// `[credential "…"]` and `[account "…"]`.
    /// Errors read `file:line: key: why`.
    public init(document doc: INIDocument) throws {
        self.init()
        // The parser already rejects a repeated section header.
        for name in ["stir", "sign", "verify", "auth", "bearer"] {
            let all = doc.sections(named: name)
            if let labeled = all.first(where: { $0.label != nil }) {
                throw INIError(file: doc.file, line: labeled.line, message: "section [\(name)] takes no label")
            }
        }
        func reader(_ name: String) -> INISectionReader {
            INISectionReader(doc.section(named: name) ?? INISection(name: name, line: 0), file: doc.file)
        }
        var stir = reader("stir")
        try readStir(&stir)
        var s = reader("sign")
        sign = try Self.readSign(&s)
        var v = reader("verify")
        verify = try Self.readVerify(&v)
        var a = reader("auth")
        auth = try Self.readAuth(&a)
        var b = reader("bearer")
        bearer = try Self.readBearer(&b)
        for kind in ["peer", "account", "credential"] {
            for section in doc.sections(named: kind) {
                guard let label = section.label, !label.isEmpty else {
                    throw INIError(file: doc.file, line: section.line, message: "\(kind) section needs a name: [\(kind) \"name\"]")
                }
                var r = INISectionReader(section, file: doc.file)
                switch kind {
                case "peer": peers.append(try Self.readPeer(&r, name: label))
                case "credential": credentials.append(try Self.readCredential(&r, name: label))
                default: auth.accounts.append(try Self.readAccount(&r, name: label, auth: auth))
                }
            }
        }
        try checkAccountCertificates(doc)
        if peers.contains(where: \.sign), credentials.isEmpty, let p = doc.sections(named: "peer").first {
            throw INIError(file: doc.file, line: p.line, message: "a peer signs (sign = yes) but no [credential \"name\"] is configured")
        }
        if let index = peers.firstIndex(where: { !$0.authenticate.isEmpty }) {
            let section = doc.sections(named: "peer")[index]
            let line = section.entry("authenticate")?.line ?? section.line
            if peers[index...].contains(where: { $0.authenticate.contains(.bearer) }) {
                try checkBearer(doc)
            }
            if auth.realm.isEmpty {
                throw INIError(file: doc.file, line: line, key: "authenticate", message: "a peer authenticates but [auth] has no realm")
            }
            for (i, p) in peers.enumerated() where p.digestAlgorithms?.contains(.md5) == true && !auth.allowMD5 {
                let s = doc.sections(named: "peer")[i]
                throw INIError(file: doc.file, line: s.entry("digest_algorithms")?.line ?? s.line, key: "digest_algorithms",
                               message: "MD5 is offered only with [auth] allow_md5 = yes (RFC 8760 §2.4)")
            }
            if auth.accounts.isEmpty {
                throw INIError(file: doc.file, line: line, key: "authenticate",
                               message: "a peer authenticates but no [account \"name\"] is configured")
            }
        }
        if let index = peers.firstIndex(where: \.verify), verify.certificates.trustAnchorsFile == nil, verify.certificates.trustAnchorsDirectory == nil {
            let section = doc.sections(named: "peer")[index]
            throw INIError(file: doc.file, line: section.entry("verify")?.line ?? section.line, key: "verify",
                           message: "a peer verifies but [verify] has neither trust_anchors_file nor trust_anchors_dir")
        }
    }

    private mutating func readStir(_ r: inout INISectionReader) throws {
        originatingSource = try r.choice("orig_source", default: originatingSource,
                                         Dictionary(uniqueKeysWithValues: OriginatingIdentitySource.allCases.map { ($0.rawValue, $0) }))
        destinationSource = try r.choice("dest_source", default: destinationSource,
                                         Dictionary(uniqueKeysWithValues: DestinationIdentitySource.allCases.map { ($0.rawValue, $0) }))
        tnDetection = try r.choice("tn_detection", default: tnDetection, ["strict": .strict, "lenient": .lenient])
        numberingPlan = try r.choice("numbering_plan", default: numberingPlan, ["nanp": .nanp, "e164": .stepOneOnly])
        try r.finish()
    }

    static func attestation(_ r: inout INISectionReader, _ key: String, default d: Attestation?) throws -> Attestation? {
        try r.choice(key, default: d, ["A": .a, "B": .b, "C": .c, "none": nil])
    }

    static func prefixes(_ r: inout INISectionReader, _ key: String) throws -> [String] {
        try r.list(key, default: []).map { item in
            let p = item.hasPrefix("+") ? String(item.dropFirst()) : item
            guard !p.isEmpty, p.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw r.error(key, "'\(item)' is not a digit prefix of a canonical TN")
            }
            return p
        }
    }

    static func readSign(_ r: inout INISectionReader) throws -> SignConfiguration {
        var c = SignConfiguration()
        c.maxDateSkewSeconds = Int64(try r.int("max_date_skew_s", default: Int(c.maxDateSkewSeconds), range: 1...3_600))
        c.redateSkewed = try r.choice("skewed_date", default: c.redateSkewed, ["reject": false, "redate": true])
        c.notOwnedAttestation = try attestation(&r, "not_owned_attestation", default: c.notOwnedAttestation)
        c.skipDestinationPrefixes = try prefixes(&r, "skip_dest_prefixes")
        c.onlyDestinationPrefixes = try prefixes(&r, "only_dest_prefixes")
        c.rcdNamesFile = try r.optionalString("rcd_names_file").flatMap { $0.isEmpty ? nil : $0 }
        if let path = c.rcdNamesFile {
            guard let data = FileManager.default.contents(atPath: path) else { throw r.error("rcd_names_file", "cannot read \(path)") }
            switch RcdNameTable.parse(String(decoding: data, as: UTF8.self)) {
            case .success(let table): c.rcdNames = table
            case .failure(let e): throw r.error("rcd_names_file", "\(path) \(e)")
            }
        }
        try r.finish()
        return c
    }

    static func tnSet(_ r: inout INISectionReader, _ key: String) throws -> TNSet {
        TNSet(try r.list(key, default: []).map { item in
            switch TNPattern.parse(item) {
            case .success(let p): return p
            case .failure(let e): throw r.error(key, e.why)
            }
        })
    }

    static func readPeer(_ r: inout INISectionReader, name: String) throws -> PeerConfiguration {
        var p = PeerConfiguration(name: name)
        p.networks = try r.list("addresses", default: []).map { item in
            guard let n = IPNetwork(item) else {
                throw r.error("addresses", "'\(item)' is not a numeric address or CIDR network (e.g. 192.0.2.0/24, ::1)")
            }
            return n
        }
        p.tlsIdentities = try r.list("tls_identities", default: []).map { item in
            guard let identity = TLSPeerIdentity.normalized(item) else {
                throw r.error("tls_identities", "'\(item)' is not a DNS name, a sip:/sips: URI or sha256: and 64 hex digits")
            }
            return identity
        }
        if p.networks.isEmpty && p.tlsIdentities.isEmpty && name != "default" {
            throw r.error("addresses", "missing: a peer needs addresses or tls_identities (only [peer \"default\"] matches every source)")
        }
        p.trusted = try r.bool("trusted", default: p.trusted)
        p.sign = try r.bool("sign", default: p.sign)
        p.verify = try r.bool("verify", default: p.verify)
        p.signDiv = try r.bool("sign_div", default: p.signDiv)
        if p.signDiv && !p.trusted {
            throw r.error("sign_div", "only a trusted peer's History-Info or Diversion can be signed for (set trusted = yes)")
        }
        p.onFailure = try r.choice("on_failure", default: p.onFailure,
                                   Dictionary(uniqueKeysWithValues: FailureAction.allCases.map { ($0.rawValue, $0) }))
        p.reasonForm = try r.choice("reason_form", default: p.reasonForm, ["sip": .sip, "stir": .stir])
        p.requireIdentity = try r.bool("require_identity", default: p.requireIdentity)
        p.stripIdentity = try r.bool("strip_identity", default: p.stripIdentity)
        p.tns = try tnSet(&r, "tns")
        p.gateway = try r.bool("gateway", default: p.gateway)
        p.authenticate = Set(try r.list("authenticate", default: []).map { item in
            guard let scheme = AuthScheme(rawValue: item.lowercased()) else {
                throw r.error("authenticate", "must be digest and/or bearer, got '\(item)'")
            }
            return scheme
        })
        if r.contains("digest_algorithms") {
            var seen: [DigestAlgorithm] = []
            for item in try r.list("digest_algorithms", default: []) {
                guard let a = DigestAlgorithm(token: item) else {
                    throw r.error("digest_algorithms", "'\(item)' is not one of SHA-512-256, SHA-256, MD5")
                }
                if !seen.contains(a) { seen.append(a) }
            }
            guard !seen.isEmpty else { throw r.error("digest_algorithms", "must name at least one algorithm") }
            guard p.authenticate.contains(.digest) else {
                throw r.error("digest_algorithms", "only used with authenticate = digest")
            }
            p.digestAlgorithms = seen
        } else {
            _ = try r.optionalString("digest_algorithms")
        }
        if p.sign && !p.trusted {
            throw r.error("sign", "only a trusted peer can be signed for (set trusted = yes): RFC 8224 §6.1 step 2")
        }
        if p.stripIdentity && p.verify {
            throw r.error("strip_identity", "cannot strip the Identity headers of a peer that is verified")
        }
        try r.finish()
        return p
    }

    static func readCredential(_ r: inout INISectionReader, name: String) throws -> CredentialConfiguration {
        var c = CredentialConfiguration(name: name)
        guard let key = try r.optionalString("private_key"), !key.isEmpty else {
            throw r.error("private_key", "missing: path of the P-256 private key (PEM)")
        }
        c.privateKeyFile = key
        c.certificateFile = try r.optionalString("certificate").flatMap { $0.isEmpty ? nil : $0 }
        guard let x5u = try r.optionalString("x5u"), !x5u.isEmpty else {
            throw r.error("x5u", "missing: the https URL where the certificate chain is published")
        }
        guard x5u.lowercased().hasPrefix("https://") || x5u.lowercased().hasPrefix("http://") else {
            throw r.error("x5u", "must be an https URL, got '\(x5u)'")
        }
        c.x5u = x5u
        c.spc = try r.optionalString("spc").flatMap { $0.isEmpty ? nil : $0 }
        c.tns = try tnSet(&r, "tns")
        try r.finish()
        // Load now so a missing file or a key/certificate mismatch is an
        // error at the line of the key at fault (and `stird --check-config`
        // catches it).
        do { _ = try SigningCredential(c) } catch let e as SigningCredential.LoadError {
            throw r.error(e.key, e.description)
        }
        return c
    }
}
