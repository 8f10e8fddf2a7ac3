import Foundation
import Testing
@testable import Certificates
import TestSupport

@Suite struct ChainValidatorTests {
    let pki = TestPKI.shared

    func validate(_ name: String, at time: Date = Date(), configure: (inout ChainValidator) -> Void = { _ in })
        throws -> Result<ValidatedChain, CertificateFailure> {
        var validator = try pki.validator()
        configure(&validator)
        return validator.validate(pem: pki.bytes(name), at: time)
    }

    @Test func acceptsSPCLeafWithIntermediateFromX5UFile() throws {
        let chain = try validate("leaf-spc-chain.pem").get()
        #expect(chain.spc == "1234")
        #expect(chain.covers(tn: "12155550100"))
        #expect(chain.leafCommonName == "SHAKEN 1234")
        #expect(chain.leafPublicKeySPKI.count == 91)  // P-256 SPKI DER
        #expect(chain.leafPublicKeySPKI.prefix(2) == [0x30, 0x59])
        #expect(chain.path.count == 3)
        #expect(chain.leaf.ocspURLs == ["http://127.0.0.1:\(pki.ocspPort)/"])
        #expect(chain.leaf.crlURLs == ["http://127.0.0.1:\(pki.crlPort)/inter.crl"])
    }

    @Test func leafAloneWithoutIntermediateIsUntrusted() throws {
        #expect(try validate("leaf-spc.pem") == .failure(.untrustedRoot))
    }

    @Test func rangeAndOneLeavesCoverOnlyTheirNumbers() throws {
        let range = try validate("leaf-range-chain.pem").get()
        #expect(range.covers(tn: "12155551999"))
        #expect(!range.covers(tn: "12155552000"))
        #expect(range.spc == nil)
        let one = try validate("leaf-one-chain.pem").get()
        #expect(one.covers(tn: "12155551212"))
        #expect(!one.covers(tn: "12155551213"))
    }

    @Test func caLevelTNAuthListIntersects() throws {
        let chain = try validate("leaf-limited-chain.pem").get()
        #expect(chain.caTNAuthLists.count == 1)
        #expect(chain.covers(tn: "12155551099"))
        #expect(!chain.covers(tn: "12155551100"))  // in leaf range, outside CA range
    }

    @Test(arguments: [
        ("leaf-untrusted-chain.pem", CertificateFailure.untrustedRoot),
        ("leaf-expired-chain.pem", .expired),
        ("leaf-notyet-chain.pem", .notYetValid),
        ("leaf-notn-chain.pem", .noTNAuthList),
    ])
    func rejectsWithStableCode(file: String, failure: CertificateFailure) throws {
        #expect(try validate(file) == .failure(failure))
    }

    @Test func validatesAtTheGivenTime() throws {
        let expiredLeafTime = ISO8601DateFormatter().date(from: "2020-06-01T00:00:00Z")!
        // In 2020 the leaf was valid but the intermediate did not exist yet.
        #expect(try validate("leaf-expired-chain.pem", at: expiredLeafTime) == .failure(.notYetValid))
        let later = Date().addingTimeInterval(2 * 365 * 86400)
        #expect(try validate("leaf-spc-chain.pem", at: later) == .failure(.expired))
    }

    @Test func validityWindowIsIntersectionOfPath() throws {
        let chain = try validate("leaf-short-chain.pem").get()
        #expect(chain.validityFailure(at: Date()) == nil)
        #expect(chain.validityFailure(at: Date().addingTimeInterval(3 * 86400)) == .expired)
        #expect(chain.validityFailure(at: Date().addingTimeInterval(-7200)) == .notYetValid)
    }

    @Test func notBeforeToleranceAdmitsACertificateIssuedJustAhead() throws {
        let notBefore = try validate("leaf-short-chain.pem").get().notBefore
        let early = notBefore.addingTimeInterval(-30)
        #expect(try validate("leaf-short-chain.pem", at: early) == .failure(.notYetValid))
        let tolerant = try validate("leaf-short-chain.pem", at: early) { $0.notBeforeTolerance = 60 }
        let chain = try tolerant.get()
        #expect(chain.validityFailure(at: early) == nil)
        #expect(chain.validityFailure(at: notBefore.addingTimeInterval(-61)) == .notYetValid)
        // Beyond the tolerance, still not yet valid; and expiry gets none.
        #expect(try validate("leaf-short-chain.pem", at: notBefore.addingTimeInterval(-120)) { $0.notBeforeTolerance = 60 }
            == .failure(.notYetValid))
        #expect(chain.validityFailure(at: chain.notAfter.addingTimeInterval(1)) == .expired)
    }

    @Test func optionalCommonNameCheck() throws {
        #expect(try validate("leaf-badcn-chain.pem").map(\.spc) == .success("1234"))
        let strict = try validate("leaf-badcn-chain.pem") { $0.requireSHAKENCommonName = true }
        #expect(strict.map(\.spc) == .failure(.subjectMismatch("CN SHAKEN 9999 for SPC 1234")))
        let good = try validate("leaf-spc-chain.pem") { $0.requireSHAKENCommonName = true }
        #expect(good.map(\.spc) == .success("1234"))
    }

    @Test func notRequiringTNAuthListAdmitsButCoversNothing() throws {
        let chain = try validate("leaf-notn-chain.pem") { $0.requireTNAuthList = false }.get()
        #expect(!chain.covers(tn: "12155551212"))
    }

    @Test(arguments: ["", "garbage", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"])
    func rejectsNonPEMAsMalformed(body: String) throws {
        let result = try pki.validator().validate(pem: Array(body.utf8), at: Date())
        #expect(result.map(\.spc) == .failure(.malformed("no PEM certificate")))
    }

    @Test func boundsTheNumberOfServedCertificates() throws {
        let pem = Array(repeating: pki.bytes("inter.pem"), count: 11).joined()
        let result = try pki.validator().validate(pem: pki.bytes("leaf-spc.pem") + pem, at: Date())
        #expect(result.map(\.spc) == .failure(.malformed("more than 10 certificates")))
    }

    @Test func loadsAnchorsFromDirectory() throws {
        let anchors = try TrustAnchors(directory: pki.directory)
        #expect(anchors.count >= 3)  // *.pem includes roots and more; no hashing needed
    }
}
