import Testing
@testable import STIRCore

/// The outcome → response / verstat / code table (RFC 8224 §6.2.2, §13.2).
@Suite struct OutcomeTableTests {
    /// Expected status, reason phrase and verstat per stable failure code.
    /// Every `VerificationFailure` case must have a row, and every row a case.
    static let expected: [String: (status: Int, reason: String, verstat: Verstat)] = [
        "identity_missing": (428, "Use Identity Header", .noValidation),
        "ppt_unsupported": (428, "Use Supported PASSporT Format", .noValidation),
        "identity_header_malformed": (438, "Invalid Identity Header", .failed),
        "identity_header_excess": (438, "Invalid Identity Header", .failed),
        "compact_form_not_allowed": (438, "Invalid Identity Header", .failed),
        "compact_form_unverifiable": (438, "Invalid Identity Header", .failed),
        "passport_malformed": (438, "Invalid Identity Header", .failed),
        "alg_mismatch": (438, "Invalid Identity Header", .failed),
        "ppt_mismatch": (438, "Invalid Identity Header", .failed),
        "x5u_info_mismatch": (438, "Invalid Identity Header", .failed),
        "crit_invalid": (438, "Invalid Identity Header", .failed),
        "typ_invalid": (438, "Invalid PASSporT", .failed),
        "passport_header_invalid": (438, "Invalid PASSporT", .failed),
        "claim_missing": (438, "Invalid PASSporT", .failed),
        "claim_invalid": (438, "Invalid PASSporT", .failed),
        "alg_unsupported": (437, "Unsupported Credential", .failed),
        "x5u_not_allowed": (436, "Bad Identity Info", .failed),
        "cert_unavailable": (436, "Bad Identity Info", .failed),
        "cert_invalid": (437, "Unsupported Credential", .failed),
        "cert_revoked": (437, "Unsupported Credential", .failed),
        "tn_not_covered": (437, "Unsupported Credential", .failed),
        "date_missing": (438, "Invalid Identity Header", .failed),
        "date_invalid": (438, "Invalid Identity Header", .failed),
        "date_stale": (403, "Stale Date", .failed),
        "date_future": (403, "Stale Date", .failed),
        "iat_stale": (403, "Stale Date", .failed),
        "iat_future": (403, "Stale Date", .failed),
        "orig_mismatch": (438, "Invalid Identity Header", .failed),
        "dest_mismatch": (438, "Invalid Identity Header", .failed),
        "signature_invalid": (438, "Invalid Identity Header", .failed),
        "div_chain_invalid": (438, "Invalid Identity Header", .failed),
    ]

    @Test(arguments: VerificationFailure.allCases)
    func mapsEveryFailureToStatusReasonAndVerstat(failure: VerificationFailure) throws {
        let row = try #require(Self.expected[failure.code], "no row for \(failure.code)")
        #expect(failure.status.code == row.status, "\(failure)")
        #expect(failure.status.reason == row.reason, "\(failure)")
        #expect(failure.verstat == row.verstat, "\(failure)")
    }

    /// No row without a case (a renamed code or a removed case leaves one behind).
    @Test func everyRowHasACase() {
        #expect(Set(Self.expected.keys) == Set(VerificationFailure.allCases.map(\.code)))
    }

    /// One value per case, each with its own code, usable as a metric label.
    @Test func codesAreUniqueAndMetricSafe() {
        let codes = VerificationFailure.allCases.map(\.code)
        #expect(codes.count == Self.expected.count)
        #expect(Set(codes).count == codes.count)
        #expect(codes.allSatisfy { $0.allSatisfy { $0.isLowercase || $0 == "_" || $0.isNumber } })
    }

    /// The Reason header forms of RFC 9410 (STIR) and ATIS-1000074 §5.3.2 (SIP).
    @Test func formatsReasonHeaderInSIPAndSTIRForms() {
        let f = VerificationFailure.certificateUnavailable("timeout")
        #expect(f.reasonHeaderValue(.sip) == #"SIP ;cause=436 ;text="Bad Identity Info""#)
        #expect(f.reasonHeaderValue(.stir) == #"STIR ;cause=436 ;text="Bad Identity Info""#)
        #expect(f.reasonHeaderValue(.stir, ppi: "..abc") == #"STIR ;cause=436 ;text="Bad Identity Info" ;ppi="..abc""#)
        #expect(f.reasonHeaderValue(.sip, ppi: "..abc") == #"SIP ;cause=436 ;text="Bad Identity Info""#)
    }
}
