/// Every failure, for tables that must cover all of them (the response and
/// verstat table, metric labels): `CaseIterable` by hand, because cases
/// with associated values get no synthesized `allCases`.
///
/// The list is walked out of `successor(of:)`, whose switch the compiler
/// requires to name every case: a new case does not build until it has a
/// line there, and linking it into the chain puts it in `allCases`, where
/// the outcome-table test then demands a row for its code.
extension VerificationFailure: CaseIterable {
    /// One value of each case, in declaration order; associated values are
    /// placeholders (they do not change the code, response or verstat).
    public static var allCases: [VerificationFailure] {
        var all: [VerificationFailure] = []
        var next: VerificationFailure? = .noIdentity
        while let current = next {
            all.append(current)
            next = successor(of: current)
        }
        return all
    }

    /// The case after `failure` in declaration order; nil after the last.
    private static func successor(of failure: VerificationFailure) -> VerificationFailure? {
        switch failure {
        case .noIdentity: return .unsupportedPPT("")
        case .unsupportedPPT: return .identityHeaderMalformed(.missingInfo)
        case .identityHeaderMalformed: return .tooManyIdentityHeaders
        case .tooManyIdentityHeaders: return .compactFormNotAllowed
        case .compactFormNotAllowed: return .compactFormUnverifiable("")
        case .compactFormUnverifiable: return .tokenMalformed(.malformedToken(""))
        case .tokenMalformed: return .algorithmMismatch
        case .algorithmMismatch: return .pptMismatch
        case .pptMismatch: return .x5uInfoMismatch
        case .x5uInfoMismatch: return .criticalHeaderInvalid("")
        case .criticalHeaderInvalid: return .typInvalid
        case .typInvalid: return .passportHeaderInvalid("")
        case .passportHeaderInvalid: return .claimMissing("")
        case .claimMissing: return .claimInvalid("")
        case .claimInvalid: return .algorithmUnsupported("")
        case .algorithmUnsupported: return .x5uNotAllowed("")
        case .x5uNotAllowed: return .certificateUnavailable("")
        case .certificateUnavailable: return .certificateInvalid("")
        case .certificateInvalid: return .certificateRevoked
        case .certificateRevoked: return .tnNotCovered
        case .tnNotCovered: return .dateMissing
        case .dateMissing: return .dateInvalid
        case .dateInvalid: return .staleDate
        case .staleDate: return .futureDate
        case .futureDate: return .staleIat
        case .staleIat: return .futureIat
        case .futureIat: return .origMismatch
        case .origMismatch: return .destMismatch
        case .destMismatch: return .signatureInvalid
        case .signatureInvalid: return .divChainInvalid("")
        case .divChainInvalid: return nil
        }
    }
}
