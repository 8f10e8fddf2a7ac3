import Certificates
import INIConfig

extension StirConfiguration {
    /// `[verify]`: certificate acquisition and verification policy.
    static func readVerify(_ r: inout INISectionReader) throws -> VerifyConfiguration {
        var c = VerifyConfiguration()
        func path(_ key: String) throws -> String? { try r.optionalString(key).flatMap { $0.isEmpty ? nil : $0 } }
        c.certificates.trustAnchorsFile = try path("trust_anchors_file")
        if let f = c.certificates.trustAnchorsFile { try ConfiguredFiles.checkCertificateFile(r, "trust_anchors_file", f) }
        c.certificates.trustAnchorsDirectory = try path("trust_anchors_dir")
        if let d = c.certificates.trustAnchorsDirectory { try ConfiguredFiles.checkAnchorDirectory(r, "trust_anchors_dir", d) }
        c.x5uHosts = try r.list("x5u_hosts", default: c.x5uHosts).map { $0.lowercased() }
        c.certificates.x5uPorts = try r.list("x5u_ports", default: c.certificates.x5uPorts.map(String.init)).map { item in
            guard let p = Int(item), (1...65_535).contains(p) else { throw r.error("x5u_ports", "'\(item)' is not a port 1...65535") }
            return p
        }
        c.certificates.x5uAllowHTTP = try r.bool("x5u_allow_http", default: c.certificates.x5uAllowHTTP)
        c.certificates.allowSpecialPurposeAddresses = try r.bool("allow_special_purpose_addresses", default: c.certificates.allowSpecialPurposeAddresses)
        c.certificates.httpsCAFile = try path("https_ca_file")
        // A CA file curl cannot use fails every x5u fetch (436 for every call).
        if let f = c.certificates.httpsCAFile { try ConfiguredFiles.checkCertificateFile(r, "https_ca_file", f) }
        c.certificates.cacheMaxEntries = try r.int("cache_max_entries", default: c.certificates.cacheMaxEntries, range: 1...10_000_000)
        c.keyTables = try r.int("key_tables", default: c.keyTables, range: 0...4_096)
        c.keyTableThreshold = try r.int("key_table_after", default: c.keyTableThreshold, range: 1...1_000_000)
        c.certificates.cacheDefaultTTLSeconds = try r.int("cache_default_ttl_s", default: c.certificates.cacheDefaultTTLSeconds, range: 1...31_536_000)
        c.certificates.cacheMinTTLSeconds = try r.int("cache_min_ttl_s", default: c.certificates.cacheMinTTLSeconds, range: 0...31_536_000)
        c.certificates.cacheMaxTTLSeconds = try r.int("cache_max_ttl_s", default: c.certificates.cacheMaxTTLSeconds, range: 1...31_536_000)
        if c.certificates.cacheMaxTTLSeconds < c.certificates.cacheMinTTLSeconds { throw r.error("cache_max_ttl_s", "must not be below cache_min_ttl_s") }
        c.certificates.negativeTTLSeconds = try r.int("negative_ttl_s", default: c.certificates.negativeTTLSeconds, range: 0...86_400)
        c.certificates.negativeTTLMaxSeconds = try r.int("negative_ttl_max_s", default: c.certificates.negativeTTLMaxSeconds, range: 0...86_400)
        c.certificates.fetchTimeoutMs = try r.int("fetch_timeout_ms", default: c.certificates.fetchTimeoutMs, range: 50...60_000)
        c.certificates.lookupDeadlineMs = try r.int("lookup_deadline_ms", default: c.certificates.lookupDeadlineMs, range: 50...120_000)
        c.certificates.fetchMaxBytes = try r.int("fetch_max_bytes", default: c.certificates.fetchMaxBytes, range: 1_024...16_777_216)
        c.certificates.cacheDirectory = try path("cache_dir")
        if let d = c.certificates.cacheDirectory { try ConfiguredFiles.checkWritableDirectory(r, "cache_dir", d) }
        let steps = RevocationStep.parseList(try r.list("revocation", default: c.certificates.revocation.map(\.description)))
        switch steps {
        case .success(let list): c.certificates.revocation = list
        case .failure(let failure):
            guard case .malformed(let why) = failure else { throw r.error("revocation", "\(failure)") }
            throw r.error("revocation", why)
        }
        c.certificates.revocationHardFail = try r.choice("revocation_failure", default: c.certificates.revocationHardFail, ["soft": false, "hard": true])
        c.certificates.shortLivedMaxSeconds = try r.int("short_lived_max_s", default: c.certificates.shortLivedMaxSeconds, range: 60...31_536_000)
        c.certificates.requireSHAKENCommonName = try r.bool("require_shaken_cn", default: c.certificates.requireSHAKENCommonName)
        c.certificates.certNotBeforeSkewSeconds = try r.int("cert_not_before_skew_s", default: c.certificates.certNotBeforeSkewSeconds, range: 0...3_600)
        c.maxDateAgeSeconds = Int64(try r.int("max_date_age_s", default: Int(c.maxDateAgeSeconds), range: 1...86_400))
        c.maxIatAgeSeconds = Int64(try r.int("max_iat_age_s", default: Int(c.maxIatAgeSeconds), range: 1...86_400))
        c.maxFutureSkewSeconds = Int64(try r.int("max_future_skew_s", default: Int(c.maxFutureSkewSeconds), range: 0...3_600))
        c.requireDate = try r.bool("require_date", default: c.requireDate)
        c.allowCompactForm = try r.bool("allow_compact_form", default: c.allowCompactForm)
        c.acceptBaseline = try r.bool("accept_baseline", default: c.acceptBaseline)
        c.checkDestination = try r.bool("check_destination", default: c.checkDestination)
        c.maxIdentityHeaders = try r.int("max_identity_headers", default: c.maxIdentityHeaders, range: 1...100)
        c.divMaxAgeSeconds = Int64(try r.int("div_max_age_s", default: Int(c.divMaxAgeSeconds), range: 0...86_400))
        for item in try r.list("rcd_present", default: []) {
            switch item {
            case "name": c.rcd.name = true
            case "call_info": c.rcd.callInfo = true
            default: throw r.error("rcd_present", "'\(item)' is not name or call_info")
            }
        }
        c.rcd.onlyAttestationA = try r.bool("rcd_only_attest_a", default: c.rcd.onlyAttestationA)
        if c.divMaxAgeSeconds > 0 && c.divMaxAgeSeconds < c.maxIatAgeSeconds {
            throw r.error("div_max_age_s", "must be 0 (off) or at least max_iat_age_s (\(c.maxIatAgeSeconds))")
        }
        let verstat = try r.list("verstat_headers", default: (c.verstatOnPAI ? ["pai"] : []) + (c.verstatOnFrom ? ["from"] : []))
        for item in verstat where item != "pai" && item != "from" {
            throw r.error("verstat_headers", "'\(item)' is not pai or from")
        }
        c.verstatOnPAI = verstat.contains("pai")
        c.verstatOnFrom = verstat.contains("from")
        let header = try r.string("attestation_header", default: c.attestationHeader ?? "")
        if !header.isEmpty && !header.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) {
            throw r.error("attestation_header", "'\(header)' is not a header name")
        }
        c.attestationHeader = header.isEmpty ? nil : header
        try r.finish()
        return c
    }
}
