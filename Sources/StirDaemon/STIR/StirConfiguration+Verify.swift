import INIConfig

extension StirConfiguration {
    /// `[verify]`: certificate acquisition and verification policy.
    static func readVerify(_ r: inout INISectionReader) throws -> VerifyConfiguration {
        var c = VerifyConfiguration()
        func path(_ key: String) throws -> String? { try r.optionalString(key).flatMap { $0.isEmpty ? nil : $0 } }
        c.trustAnchorsFile = try path("trust_anchors_file")
        if let f = c.trustAnchorsFile { try ConfiguredFiles.checkCertificateFile(r, "trust_anchors_file", f) }
        c.trustAnchorsDirectory = try path("trust_anchors_dir")
        if let d = c.trustAnchorsDirectory { try ConfiguredFiles.checkAnchorDirectory(r, "trust_anchors_dir", d) }
        c.x5uHosts = try r.list("x5u_hosts", default: []).map { $0.lowercased() }
        c.x5uPorts = try r.list("x5u_ports", default: ["443", "8443"]).map { item in
            guard let p = Int(item), (1...65_535).contains(p) else { throw r.error("x5u_ports", "'\(item)' is not a port 1...65535") }
            return p
        }
        c.x5uAllowHTTP = try r.bool("x5u_allow_http", default: false)
        c.allowSpecialPurposeAddresses = try r.bool("allow_special_purpose_addresses", default: false)
        c.httpsCAFile = try path("https_ca_file")
        // A CA file curl cannot use fails every x5u fetch (436 for every call).
        if let f = c.httpsCAFile { try ConfiguredFiles.checkCertificateFile(r, "https_ca_file", f) }
        c.cacheMaxEntries = try r.int("cache_max_entries", default: 10_000, range: 1...10_000_000)
        c.keyTables = try r.int("key_tables", default: 32, range: 0...4_096)
        c.keyTableThreshold = try r.int("key_table_after", default: 32, range: 1...1_000_000)
        c.cacheDefaultTTLSeconds = try r.int("cache_default_ttl_s", default: 86_400, range: 1...31_536_000)
        c.cacheMinTTLSeconds = try r.int("cache_min_ttl_s", default: 300, range: 0...31_536_000)
        c.cacheMaxTTLSeconds = try r.int("cache_max_ttl_s", default: 604_800, range: 1...31_536_000)
        if c.cacheMaxTTLSeconds < c.cacheMinTTLSeconds { throw r.error("cache_max_ttl_s", "must not be below cache_min_ttl_s") }
        c.negativeTTLSeconds = try r.int("negative_ttl_s", default: 10, range: 0...86_400)
        c.negativeTTLMaxSeconds = try r.int("negative_ttl_max_s", default: 300, range: 0...86_400)
        c.fetchTimeoutMs = try r.int("fetch_timeout_ms", default: 2_000, range: 50...60_000)
        c.lookupDeadlineMs = try r.int("lookup_deadline_ms", default: 4_000, range: 50...120_000)
        c.fetchMaxBytes = try r.int("fetch_max_bytes", default: 65_536, range: 1_024...16_777_216)
        c.cacheDirectory = try path("cache_dir")
        if let d = c.cacheDirectory { try ConfiguredFiles.checkWritableDirectory(r, "cache_dir", d) }
        c.revocation = try r.list("revocation", default: ["none"])
        let known: Set<String> = ["none", "short_lived", "ocsp", "crl"]
        for item in c.revocation {
            let parts = item.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
            guard let name = parts.first, known.contains(name), parts.count == 1 || ["soft", "hard"].contains(parts[1]) else {
                throw r.error("revocation", "'\(item)' is not one of none, short_lived, ocsp, crl (optionally :soft or :hard)")
            }
        }
        c.revocationHardFail = try r.choice("revocation_failure", default: false, ["soft": false, "hard": true])
        c.shortLivedMaxSeconds = try r.int("short_lived_max_s", default: 691_200, range: 60...31_536_000)
        c.requireSHAKENCommonName = try r.bool("require_shaken_cn", default: false)
        c.certNotBeforeSkewSeconds = try r.int("cert_not_before_skew_s", default: 60, range: 0...3_600)
        c.maxDateAgeSeconds = Int64(try r.int("max_date_age_s", default: 60, range: 1...86_400))
        c.maxIatAgeSeconds = Int64(try r.int("max_iat_age_s", default: 60, range: 1...86_400))
        c.maxFutureSkewSeconds = Int64(try r.int("max_future_skew_s", default: 5, range: 0...3_600))
        c.requireDate = try r.bool("require_date", default: false)
        c.allowCompactForm = try r.bool("allow_compact_form", default: false)
        c.acceptBaseline = try r.bool("accept_baseline", default: false)
        c.checkDestination = try r.bool("check_destination", default: true)
        c.maxIdentityHeaders = try r.int("max_identity_headers", default: 10, range: 1...100)
        let verstat = try r.list("verstat_headers", default: ["pai"])
        for item in verstat where item != "pai" && item != "from" {
            throw r.error("verstat_headers", "'\(item)' is not pai or from")
        }
        c.verstatOnPAI = verstat.contains("pai")
        c.verstatOnFrom = verstat.contains("from")
        let header = try r.string("attestation_header", default: "X-Stir-Attestation")
        if !header.isEmpty && !header.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) {
            throw r.error("attestation_header", "'\(header)' is not a header name")
        }
        c.attestationHeader = header.isEmpty ? nil : header
        try r.finish()
        return c
    }
}
