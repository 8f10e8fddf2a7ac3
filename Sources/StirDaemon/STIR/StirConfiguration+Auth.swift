import Crypto
import INIConfig

/// INI → `AuthConfiguration` and `BearerConfiguration`: `[auth]`,
/// `[account "name"]` and `[bearer]`.
extension StirConfiguration {
    /// Keys that would hold a reusable secret. An account stores H(A1)
    /// only (RFC 7616 §3.4.2, §5.2: the server need not know the
    /// password), so one of these in an account is refused rather than
    /// ignored: the file should not hold it at all.
    static let cleartextKeyWords = ["pass", "secret", "pwd", "cleartext", "plaintext"]

    static func readAuth(_ r: inout INISectionReader) throws -> AuthConfiguration {
        var a = AuthConfiguration()
        a.realm = try r.string("realm", default: a.realm)
        if a.realm.contains("\"") || a.realm.contains("\\") || a.realm.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            throw r.error("realm", "must not contain quotes, backslashes or control characters (RFC 7616 §3.3 quoted-string)")
        }
        a.nonceLifetimeSeconds = Int64(try r.int("nonce_lifetime_s", default: Int(a.nonceLifetimeSeconds), range: 10...86_400))
        a.allowMD5 = try r.bool("allow_md5", default: a.allowMD5)
        a.authenticateRegister = try r.bool("authenticate_register", default: a.authenticateRegister)
        if let hex = try r.optionalString("nonce_secret"), !hex.isEmpty {
            guard let bytes = Self.hexBytes(hex), bytes.count >= 16 else {
                throw r.error("nonce_secret", "must be at least 32 hex digits (16 random bytes, e.g. openssl rand -hex 32)")
            }
            a.nonceSecret = bytes
        }
        a.maxFailures = try r.int("max_failures", default: a.maxFailures, range: 1...1_000_000)
        a.failureWindowSeconds = Int64(try r.int("failure_window_s", default: Int(a.failureWindowSeconds), range: 1...86_400))
        a.lockoutSeconds = Int64(try r.int("lockout_s", default: Int(a.lockoutSeconds), range: 0...86_400))
        try r.finish()
        return a
    }

    static func readAccount(_ r: inout INISectionReader, name: String, auth: AuthConfiguration) throws -> AccountConfiguration {
        // Checked first, before anything else can fail, so such a key is
        // never left in a file because another error hid it.
        for entry in r.section.entries {
            let key = entry.key.lowercased()
            if cleartextKeyWords.contains(where: { key.contains($0) }) {
                throw r.error(entry.key, "an account holds no password or other reusable secret: store its hashes "
                    + "(ha1_sha512_256, ha1_sha256) as printed by stirctl passwd --user \(name) --realm \(auth.realm.isEmpty ? "REALM" : auth.realm)")
            }
        }
        guard !name.contains(":"), !name.contains("\""), !name.contains("\\") else {
            throw INIError(file: r.file, line: r.section.line,
                           message: "account name '\(name)' is a Digest username and cannot contain ':', '\"' or '\\' (RFC 7616 §3.4.2)")
        }
        var a = AccountConfiguration(name: name)
        for algorithm in [DigestAlgorithm.sha512_256, .sha256, .md5] {
            guard let text = try r.optionalString(algorithm.ha1Key) else { continue }
            let hex = text.lowercased()
            guard hex.count == algorithm.hexLength, hex.allSatisfy({ $0.isHexDigit }) else {
                throw r.error(algorithm.ha1Key, "must be \(algorithm.hexLength) hex digits: H(username:realm:password) "
                    + "with \(algorithm.rawValue) (stirctl passwd)")
            }
            a.ha1[algorithm] = hex
        }
        a.tns = try tnSet(&r, "tns")
        a.bearerSubject = try r.optionalString("bearer_subject").flatMap { $0.isEmpty ? nil : $0 }
        if let text = try r.optionalString("rue_login_hash"), !text.isEmpty {
            guard let kdf = PasswordKDF(encoded: text) else {
                throw r.error("rue_login_hash", "must be pbkdf2-sha256$ITERATIONS$SALT$HASH with at least "
                    + "\(PasswordKDF.minimumIterations) iterations (stirctl passwd --kdf)")
            }
            a.rueLogin = kdf
        }
        a.tlsIdentities = try r.list("tls_identities", default: []).map { item in
            guard let identity = TLSPeerIdentity.normalized(item) else {
                throw r.error("tls_identities", "'\(item)' is not a DNS name, a sip:/sips: URI or sha256: and 64 hex digits")
            }
            return identity
        }
        try r.finish()
        if a.bearerSubject == nil && a.rueLogin == nil && a.tlsIdentities.isEmpty
            && !auth.algorithms.contains(where: { a.ha1[$0] != nil }) {
            throw r.error("ha1_sha512_256", "missing: the account needs ha1_sha512_256 or ha1_sha256"
                + (auth.allowMD5 ? " or ha1_md5" : " (ha1_md5 is used only with [auth] allow_md5 = yes)")
                + ", a bearer_subject, a rue_login_hash or tls_identities")
        }
        return a
    }

    /// Accounts' `tls_identities`: each certificate identity names one
    /// account and no peer (a peer's is matched first and would hide the
    /// account), and only verified client certificates carry identities,
    /// so `[tls]` must ask for them and say which CAs issue them.
    func checkAccountCertificates(_ doc: INIDocument) throws {
        let sections = doc.sections(named: "account")
        guard let first = auth.accounts.firstIndex(where: { !$0.tlsIdentities.isEmpty }) else { return }
        func line(_ i: Int) -> Int { sections[i].entry("tls_identities")?.line ?? sections[i].line }
        var owner: [String: String] = [:]
        for p in peers {
            for identity in p.tlsIdentities where owner[identity] == nil { owner[identity] = "peer \(p.name)" }
        }
        for (i, a) in auth.accounts.enumerated() {
            for identity in a.tlsIdentities {
                if let other = owner[identity], other != "account \(a.name)" {
                    throw INIError(file: doc.file, line: line(i), key: "tls_identities",
                                   message: "'\(identity)' already identifies \(other)")
                }
                owner[identity] = "account \(a.name)"
            }
        }
        let tls = doc.section(named: "tls")
        let caFile = tls?.entry("ca_file")?.value ?? ""
        if caFile.isEmpty {
            throw INIError(file: doc.file, line: line(first), key: "tls_identities",
                           message: "needs [tls] ca_file: only a client certificate that chains to it is verified and identifies an account")
        }
        let verify = tls?.entry("verify_client")?.value.lowercased() ?? "no"
        if verify == "no" {
            throw INIError(file: doc.file, line: line(first), key: "tls_identities",
                           message: "needs [tls] verify_client = optional or yes: with no, no client certificate is asked for")
        }
    }

    static func readBearer(_ r: inout INISectionReader) throws -> BearerConfiguration {
        var b = BearerConfiguration()
        b.jwksFile = try r.optionalString("jwks_file").flatMap { $0.isEmpty ? nil : $0 }
        if let path = b.jwksFile {
            do { _ = try JWKSet.load(path: path) } catch { throw r.error("jwks_file", "\(error)") }
        }
        b.issuer = try r.string("issuer", default: b.issuer)
        b.audience = try r.string("audience", default: b.audience)
        b.authzServer = try r.string("authz_server", default: b.authzServer)
        if b.authzServer.contains("\"") || b.authzServer.contains("\\") {
            throw r.error("authz_server", "must not contain quotes or backslashes")
        }
        b.leewaySeconds = Int64(try r.int("leeway_s", default: Int(b.leewaySeconds), range: 0...600))
        try r.finish()
        return b
    }

    /// A peer accepts Bearer tokens: `[bearer]` must say whose, for whom,
    /// with which keys, and accounts must be reachable by subject.
    func checkBearer(_ doc: INIDocument) throws {
        let section = doc.section(named: "bearer")
        let line = section?.line ?? doc.sections(named: "peer").first?.line ?? 0
        for (key, value) in [("jwks_file", bearer.jwksFile ?? ""), ("issuer", bearer.issuer), ("audience", bearer.audience),
                             ("authz_server", bearer.authzServer)] where value.isEmpty {
            throw INIError(file: doc.file, line: section?.entry(key)?.line ?? line, key: key,
                           message: "missing: a peer accepts Bearer tokens (authenticate = bearer)")
        }
        var seen: [String: String] = [:]
        for (i, a) in auth.accounts.enumerated() {
            guard let sub = a.bearerSubject else { continue }
            if let other = seen[sub] {
                let s = doc.sections(named: "account")[i]
                throw INIError(file: doc.file, line: s.entry("bearer_subject")?.line ?? s.line, key: "bearer_subject",
                               message: "'\(sub)' is already the subject of account \(other)")
            }
            seen[sub] = a.name
        }
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0, !digits.isEmpty else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < digits.count {
            guard let hi = hexValue(digits[i]), let lo = hexValue(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
