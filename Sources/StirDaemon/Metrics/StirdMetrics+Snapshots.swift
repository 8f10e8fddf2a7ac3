import Certificates
import Crypto
import SIPProxy

/// Samples for counters that other modules keep themselves, for use in a
/// `register(snapshot:)` hook: those modules stay free of any metrics library.
extension StirdMetrics {
    /// The proxy core's counters since start (`stird_sip_*_total`), plus the
    /// live transaction gauge when given.
    public static func samples(for stats: ProxyStats, activeTransactions: Int? = nil) -> [MetricSample] {
        func total(_ name: String, _ help: String, _ value: Int) -> MetricSample {
            (name: "stird_sip_\(name)_total", help: help, labels: [], value: Double(value))
        }
        var samples = [
            total("requests_received", "SIP requests received and parsed.", stats.requestsReceived),
            total("responses_received", "SIP responses received and parsed.", stats.responsesReceived),
            total("parse_failures", "Datagrams or stream messages that failed to parse.", stats.parseFailures),
            total("overload_drops", "Messages dropped unparsed because their proxy loop was overloaded.", stats.overloadDrops),
            total("stateless_responses", "Responses sent without a server transaction.", stats.statelessResponses),
            total("requests_forwarded", "Requests forwarded downstream.", stats.requestsForwarded),
            total("responses_forwarded", "Responses forwarded upstream.", stats.responsesForwarded),
            total("retransmissions_absorbed", "Request retransmissions answered by a transaction.",
                  stats.retransmissionsAbsorbed),
            total("stray_responses", "Responses matching no client transaction.", stats.strayResponses),
            total("dropped_responses", "Responses dropped (no route back, or invalid).", stats.droppedResponses),
            total("requests_suspended", "Requests suspended by a processor (e.g. waiting for a certificate).",
                  stats.suspended),
            total("lingering_refused", "Finished transactions not kept for retransmissions: the lingering table was full.",
                  stats.lingeringRefused),
            total("reader_shares", "Shares of received UDP messages a reader thread ran itself on an idle loop.",
                  stats.readerShares),
            total("handed_shares", "Shares of received messages handed to a loop's queue (a worker thread runs them).",
                  stats.handedShares),
        ]
        if let activeTransactions {
            samples.append((name: "stird_sip_transactions", help: "Server and client transactions alive now.",
                            labels: [], value: Double(activeTransactions)))
            samples.append((name: "stird_sip_transactions_lingering",
                            help: "Of those, finished transactions kept only for retransmissions (Timers J, K, L, M).",
                            labels: [], value: Double(stats.lingeringTransactions)))
        }
        return samples
    }

    /// The B2BUA's calls (`stird_b2bua_*`): held now, started, refused
    /// past `max_dialogs`, and ended by `DialogEndCause`.
    public static func dialogSamples(for stats: ProxyStats) -> [MetricSample] {
        var samples: [MetricSample] = []
        samples.append((name: "stird_b2bua_dialogs", help: "B2BUA calls held now (both legs count as one).",
                        labels: [], value: Double(stats.dialogsActive)))
        samples.append((name: "stird_b2bua_dialogs_created_total", help: "B2BUA calls started (leg B INVITE sent).",
                        labels: [], value: Double(stats.dialogsCreated)))
        samples.append((name: "stird_b2bua_dialogs_refused_total", help: "New B2BUA calls refused with 503: max_dialogs reached.",
                        labels: [], value: Double(stats.dialogsRefused)))
        for cause in DialogEndCause.allCases {
            samples.append((name: "stird_b2bua_dialogs_ended_total", help: "B2BUA calls ended, by cause.",
                            labels: [("cause", cause.rawValue)], value: Double(stats.dialogsEnded[cause] ?? 0)))
        }
        return samples
    }

    /// The certificate provider's cache and fetch counters
    /// (`stird_cert_*`); failures by their stable `CertificateFailure.code`.
    public static func samples(for counters: CertificateCounters) -> [MetricSample] {
        func sample(_ name: String, _ help: String, _ value: Double) -> MetricSample {
            (name: "stird_cert_\(name)", help: help, labels: [], value: value)
        }
        var samples = [
            sample("cache_hits_total", "Lookups answered from a fresh cached chain.", Double(counters.hits)),
            sample("cache_negative_hits_total", "Lookups answered from a cached failure.",
                   Double(counters.negativeHits)),
            sample("cache_misses_total", "Lookups that needed a fetch.", Double(counters.misses)),
            sample("cache_evictions_total", "Entries evicted by the cache size bound.", Double(counters.evictions)),
            sample("cache_entries", "Entries cached now, positive and negative.", Double(counters.entries)),
            sample("fetches_total", "x5u fetches started.", Double(counters.fetches)),
            sample("refreshes_total", "Background refreshes started before expiry.", Double(counters.refreshes)),
            sample("fetch_seconds_total", "Time spent in x5u fetches, seconds.", counters.fetchSecondsTotal),
            sample("fetch_seconds_max", "Slowest x5u fetch so far, seconds.", counters.fetchSecondsMax),
        ]
        for code in counters.failures.keys.sorted() {
            samples.append((name: "stird_cert_failures_total", help: "Failed certificate lookups by failure code.",
                            labels: [("code", code)], value: Double(counters.failures[code]!)))
        }
        return samples
    }

    /// TLS handshakes by result (`ok`, or the refusal's
    /// `TLSHandshakeFailure.Reason`; every reason is present, zero until
    /// seen) and the TLS connections open now.
    public static func samples(forTLSHandshakes handshakes: [String: Int], openConnections: Int) -> [MetricSample] {
        var samples: [MetricSample] = []
        for result in ["ok"] + TLSHandshakeFailure.Reason.allCases.map(\.rawValue) {
            samples.append((name: "stird_tls_handshakes_total", help: "TLS handshakes completed (ok) or refused, by reason.",
                            labels: [("result", result)], value: Double(handshakes[result, default: 0])))
        }
        samples.append((name: "stird_tls_connections", help: "TLS connections open now (handshaking or established).",
                        labels: [], value: Double(openConnections)))
        return samples
    }

    /// RUE flows (RFC 5626 §5): `stird_rue_registrations`, open flows
    /// whose relayed REGISTER was answered 2xx, and
    /// `stird_rue_flow_failures_total`, requests answered 430 Flow Failed
    /// because their flow was gone.
    public static func samples(forFlows flows: FlowTable) -> [MetricSample] {
        [(name: "stird_rue_registrations", help: "Open RUE flows with a REGISTER relayed and answered 2xx (RFC 5626 §5)",
          labels: [], value: Double(flows.registrations)),
         (name: "stird_rue_flow_failures_total", help: "Requests for a RUE answered 430 Flow Failed: the flow was gone (RFC 5626 §5.3)",
          labels: [], value: Double(flows.failures))]
    }

    /// The key-table budget (`stird_key_tables*`, see `ES256KeyTables`).
    public static func samples(for counts: ES256KeyTables.Counts) -> [MetricSample] {
        [
            (name: "stird_key_tables", help: "Public keys holding a table of their multiples now.", labels: [],
             value: Double(counts.held)),
            (name: "stird_key_tables_built_total", help: "Key tables built.", labels: [], value: Double(counts.built)),
            (name: "stird_key_tables_evicted_total", help: "Key tables given up for a more recently used key or a smaller budget.",
             labels: [], value: Double(counts.evicted)),
            (name: "stird_key_tables_failed_total", help: "Key tables OpenSSL could not build (the key verifies without one).",
             labels: [], value: Double(counts.failed)),
        ]
    }
}
