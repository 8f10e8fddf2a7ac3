import Certificates
import Crypto
import SIPProxy
import Testing
@testable import StirDaemon

@Suite struct MetricsExpositionTests {
    private func lines(_ metrics: StirdMetrics) -> [String] {
        metrics.expositionText().split(separator: "\n").map(String.init)
    }

    @Test func verificationOutcomesAreCountedPerLabel() {
        let metrics = StirdMetrics()
        metrics.verificationOutcome(label: "valid")
        metrics.verificationOutcome(label: "valid")
        metrics.verificationOutcome(label: "stale_date")
        let out = lines(metrics)
        #expect(out.contains("# TYPE stird_verification_total counter"))
        #expect(out.contains(#"stird_verification_total{outcome="valid"} 2"#))
        #expect(out.contains(#"stird_verification_total{outcome="stale_date"} 1"#))
    }

    @Test func signedCallsAreCountedByAttestationFromZero() {
        let metrics = StirdMetrics()
        #expect(lines(metrics).contains(#"stird_signed_total{attest="A"} 0"#))
        metrics.signed(attestation: "A")
        metrics.signed(attestation: "C")
        metrics.signed(attestation: "C")
        let out = lines(metrics)
        #expect(out.contains(#"stird_signed_total{attest="A"} 1"#))
        #expect(out.contains(#"stird_signed_total{attest="B"} 0"#))
        #expect(out.contains(#"stird_signed_total{attest="C"} 2"#))
    }

    @Test func latenciesAreHistogramsInSeconds() {
        let metrics = StirdMetrics()
        metrics.signLatency(.microseconds(80))
        metrics.verifyLatency(.milliseconds(3))
        metrics.verifyLatency(.seconds(2))
        let out = lines(metrics)
        #expect(out.contains("# TYPE stird_sign_duration_seconds histogram"))
        #expect(out.contains(#"stird_sign_duration_seconds_bucket{le="0.00005"} 0"#))
        #expect(out.contains(#"stird_sign_duration_seconds_bucket{le="0.0001"} 1"#))
        #expect(out.contains("stird_sign_duration_seconds_sum 0.00008"))
        #expect(out.contains("stird_sign_duration_seconds_count 1"))
        #expect(out.contains(#"stird_verify_duration_seconds_bucket{le="0.002"} 0"#))
        #expect(out.contains(#"stird_verify_duration_seconds_bucket{le="0.005"} 1"#))
        #expect(out.contains(#"stird_verify_duration_seconds_bucket{le="2.5"} 2"#))
        #expect(out.contains(#"stird_verify_duration_seconds_bucket{le="+Inf"} 2"#))
        #expect(out.contains("stird_verify_duration_seconds_sum 2.003"))
        #expect(out.contains("stird_verify_duration_seconds_count 2"))
    }

    @Test func instancesDoNotShareState() {
        let one = StirdMetrics()
        let two = StirdMetrics()
        one.verificationOutcome(label: "valid")
        #expect(one.expositionText().contains("stird_verification_total"))
        #expect(!two.expositionText().contains("stird_verification_total"))
    }

    @Test func labelValuesBeyondTheBoundAreCountedAsOther() {
        let metrics = StirdMetrics()
        let extra = 5
        for i in 0..<(StirdMetrics.maxLabelValues + extra) { metrics.verificationOutcome(label: "code\(i)") }
        metrics.verificationOutcome(label: "code0")
        let out = lines(metrics).filter { $0.hasPrefix("stird_verification_total{") }
        #expect(out.count == StirdMetrics.maxLabelValues + 1)
        #expect(out.contains(#"stird_verification_total{outcome="other"} \#(extra)"#))
        #expect(out.contains(#"stird_verification_total{outcome="code0"} 2"#))
    }

    @Test func snapshotHooksAreAppendedGroupedByName() {
        let metrics = StirdMetrics()
        var calls = 0
        metrics.register {
            calls += 1
            return [
                (name: "x_events_total", help: "Events.", labels: [("kind", "a")], value: 1),
                (name: "x_queue", help: "Queue \\ depth\nnow.", labels: [], value: 2.5),
                (name: "x_events_total", help: "Events.", labels: [("kind", "b\"q\n")], value: Double(calls)),
            ]
        }
        metrics.register { [(name: "9bad-name", help: "", labels: [("bad label", "v")], value: 7)] }
        let text = metrics.expositionText()
        #expect(calls == 1)
        #expect(text.hasSuffix("""
            # HELP x_events_total Events.
            # TYPE x_events_total counter
            x_events_total{kind="a"} 1
            x_events_total{kind="b\\"q\\n"} 1
            # HELP x_queue Queue \\\\ depth\\nnow.
            # TYPE x_queue gauge
            x_queue 2.5
            # TYPE _9bad_name gauge
            _9bad_name{bad_label="v"} 7

            """))
        _ = metrics.exposition()
        #expect(calls == 2, "hooks run at every scrape")
    }

    @Test(arguments: [(1.0, "1"), (0, "0"), (-3, "-3"), (0.25, "0.25"), (.nan, "NaN"),
                      (.infinity, "+Inf"), (-.infinity, "-Inf"), (1e20, "1e+20")])
    func sampleValuesUseTheTextFormatSpelling(value: Double, expected: String) {
        #expect(MetricSampleText.number(value) == expected)
    }

    @Test func proxyStatsBecomeSIPCounters() {
        var stats = ProxyStats()
        stats.requestsReceived = 10
        stats.parseFailures = 2
        stats.suspended = 4
        stats.overloadDrops = 7
        stats.lingeringTransactions = 2
        stats.lingeringRefused = 5
        stats.readerShares = 8
        stats.handedShares = 9
        let samples = StirdMetrics.samples(for: stats, activeTransactions: 3)
        let values = Dictionary(uniqueKeysWithValues: samples.map { ($0.name, $0.value) })
        #expect(samples.count == 16)
        #expect(values["stird_sip_requests_received_total"] == 10)
        #expect(values["stird_sip_parse_failures_total"] == 2)
        #expect(values["stird_sip_requests_suspended_total"] == 4)
        #expect(values["stird_sip_responses_forwarded_total"] == 0)
        #expect(values["stird_sip_transactions"] == 3)
        #expect(values["stird_sip_transactions_lingering"] == 2)
        #expect(values["stird_sip_lingering_refused_total"] == 5)
        #expect(values["stird_sip_overload_drops_total"] == 7)
        #expect(values["stird_sip_reader_shares_total"] == 8 && values["stird_sip_handed_shares_total"] == 9)
        #expect(samples.allSatisfy { !$0.help.isEmpty })
        #expect(StirdMetrics.samples(for: stats).count == 14)
    }

    @Test func dialogStatsBecomeB2BUAMetricsByCause() {
        var stats = ProxyStats()
        stats.dialogsActive = 2
        stats.dialogsCreated = 9
        stats.dialogsRefused = 1
        stats.dialogsEnded = [.byeCaller: 4, .noAnswer: 3]
        let samples = StirdMetrics.dialogSamples(for: stats)
        func value(_ name: String, _ cause: String? = nil) -> Double? {
            samples.first { $0.name == name && $0.labels.first?.1 == cause }?.value
        }
        #expect(value("stird_b2bua_dialogs") == 2 && value("stird_b2bua_dialogs_created_total") == 9)
        #expect(value("stird_b2bua_dialogs_refused_total") == 1)
        #expect(value("stird_b2bua_dialogs_ended_total", "bye_caller") == 4 && value("stird_b2bua_dialogs_ended_total", "no_answer") == 3)
        #expect(value("stird_b2bua_dialogs_ended_total", "max_duration") == 0)
        #expect(samples.count == 3 + DialogEndCause.allCases.count)
    }

    @Test func certificateCountersBecomeCacheMetricsWithFailureCodes() {
        var counters = CertificateCounters()
        counters.hits = 7
        counters.entries = 2
        counters.fetchSecondsMax = 0.5
        counters.failures = ["x5u_timeout": 3, "chain_untrusted": 1]
        let metrics = StirdMetrics()
        metrics.register { StirdMetrics.samples(for: counters) }
        let out = lines(metrics)
        #expect(out.contains("stird_cert_cache_hits_total 7"))
        #expect(out.contains("# TYPE stird_cert_cache_entries gauge"))
        #expect(out.contains("stird_cert_cache_entries 2"))
        #expect(out.contains("stird_cert_fetch_seconds_max 0.5"))
        let failures = out.filter { $0.hasPrefix("stird_cert_failures_total") }
        #expect(failures == [#"stird_cert_failures_total{code="chain_untrusted"} 1"#,
                             #"stird_cert_failures_total{code="x5u_timeout"} 3"#])
        #expect(out.filter { $0 == "# TYPE stird_cert_failures_total counter" }.count == 1)
    }

    @Test func keyTableCountsBecomeGaugeAndCounters() {
        let metrics = StirdMetrics()
        metrics.register { StirdMetrics.samples(for: ES256KeyTables.Counts(held: 3, built: 5, evicted: 2, failed: 1)) }
        let out = lines(metrics)
        #expect(out.contains("# TYPE stird_key_tables gauge") && out.contains("stird_key_tables 3"))
        #expect(out.contains("# TYPE stird_key_tables_built_total counter") && out.contains("stird_key_tables_built_total 5"))
        #expect(out.contains("stird_key_tables_evicted_total 2") && out.contains("stird_key_tables_failed_total 1"))
    }
}
