import Testing
@testable import STIRCore

/// The outcome → response / verstat / code table (RFC 8224 §6.2.2, §13.2).
@Suite struct OutcomeTableTests {
    static let table: [(VerificationFailure, Int, String, Verstat, String)] = [
        (.noIdentity, 428, "Use Identity Header", .noValidation, "identity_missing"),
        (.unsupportedPPT("foo"), 428, "Use Supported PASSporT Format", .noValidation, "ppt_unsupported"),
        (.identityHeaderMalformed(.missingInfo), 438, "Invalid Identity Header", .failed, "identity_header_malformed"),
        (.tooManyIdentityHeaders, 438, "Invalid Identity Header", .failed, "identity_header_excess"),
        (.compactFormNotAllowed, 438, "Invalid Identity Header", .failed, "compact_form_not_allowed"),
        (.compactFormUnverifiable("x"), 438, "Invalid Identity Header", .failed, "compact_form_unverifiable"),
        (.tokenMalformed(.malformedToken("x")), 438, "Invalid Identity Header", .failed, "passport_malformed"),
        (.algorithmMismatch, 438, "Invalid Identity Header", .failed, "alg_mismatch"),
        (.pptMismatch, 438, "Invalid Identity Header", .failed, "ppt_mismatch"),
        (.x5uInfoMismatch, 438, "Invalid Identity Header", .failed, "x5u_info_mismatch"),
        (.criticalHeaderInvalid("crit lists exp, which is not understood"), 438, "Invalid Identity Header", .failed, "crit_invalid"),
        (.typInvalid, 438, "Invalid PASSporT", .failed, "typ_invalid"),
        (.passportHeaderInvalid("x5u"), 438, "Invalid PASSporT", .failed, "passport_header_invalid"),
        (.claimMissing("attest"), 438, "Invalid PASSporT", .failed, "claim_missing"),
        (.claimInvalid("iat"), 438, "Invalid PASSporT", .failed, "claim_invalid"),
        (.algorithmUnsupported("RS256"), 437, "Unsupported Credential", .failed, "alg_unsupported"),
        (.x5uNotAllowed("http://x"), 436, "Bad Identity Info", .failed, "x5u_not_allowed"),
        (.certificateUnavailable("timeout"), 436, "Bad Identity Info", .failed, "cert_unavailable"),
        (.certificateInvalid("chain"), 437, "Unsupported Credential", .failed, "cert_invalid"),
        (.certificateRevoked, 437, "Unsupported Credential", .failed, "cert_revoked"),
        (.tnNotCovered, 437, "Unsupported Credential", .failed, "tn_not_covered"),
        (.dateMissing, 438, "Invalid Identity Header", .failed, "date_missing"),
        (.dateInvalid, 438, "Invalid Identity Header", .failed, "date_invalid"),
        (.staleDate, 403, "Stale Date", .failed, "date_stale"),
        (.futureDate, 403, "Stale Date", .failed, "date_future"),
        (.staleIat, 403, "Stale Date", .failed, "iat_stale"),
        (.futureIat, 403, "Stale Date", .failed, "iat_future"),
        (.origMismatch, 438, "Invalid Identity Header", .failed, "orig_mismatch"),
        (.destMismatch, 438, "Invalid Identity Header", .failed, "dest_mismatch"),
        (.signatureInvalid, 438, "Invalid Identity Header", .failed, "signature_invalid"),
    ]

    @Test func mapsEveryFailureToStatusReasonVerstatAndCode() {
        for (failure, status, reason, verstat, code) in Self.table {
            #expect(failure.status.code == status, "\(failure)")
            #expect(failure.status.reason == reason, "\(failure)")
            #expect(failure.verstat == verstat, "\(failure)")
            #expect(failure.code == code, "\(failure)")
        }
    }

    @Test func codesAreUniqueAndMetricSafe() {
        let codes = Self.table.map { $0.4 }
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
