import Testing
@testable import STIRCore

/// The x5u scheme allow-list (RFC 8224 §6.2.2: an info URI the verifier
/// will not dereference fails with 436), on the default fast path and the
/// general one.
@Suite struct VerificationPolicyTests {
    @Test(arguments: [
        ("https://cert.example.org/x.pem", true), ("HTTPS://cert.example.org/x.pem", true), ("hTtPs:x", true),
        ("http://cert.example.org/x.pem", false), ("httpsx://c/x", false), ("https", false), ("", false), ("ftp://c/x", false),
    ])
    func defaultAllowsHTTPSOnly(uri: String, allowed: Bool) {
        #expect(VerificationPolicy().allowsScheme(of: uri) == allowed)
    }

    @Test func otherSchemeSetsTakeTheGeneralPath() {
        let both = VerificationPolicy(allowedX5USchemes: ["https", "http"])
        #expect(both.allowsScheme(of: "http://c/x") && both.allowsScheme(of: "HTTPS://c/x") && !both.allowsScheme(of: "ftp://c/x"))
        let httpOnly = VerificationPolicy(allowedX5USchemes: ["http"])
        #expect(httpOnly.allowsScheme(of: "http://c/x") && !httpOnly.allowsScheme(of: "https://c/x"))
        #expect(!VerificationPolicy(allowedX5USchemes: []).allowsScheme(of: "https://c/x"))
    }
}
