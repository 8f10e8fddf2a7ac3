import Foundation
import Testing
@testable import Certificates
import TestSupport

@Suite struct JWTClaimConstraintsTests {
    static let attestA = TNAuthListTests.bytes("301fa00a30081606617474657374a111300f300d160661747465737430030c0141")

    @Test func decodesMustIncludeAndPermittedValues() throws {
        let constraints = try JWTClaimConstraints(der: Self.attestA)
        #expect(constraints.mustInclude == ["attest"])
        #expect(constraints.permittedValues == ["attest": ["A"]])
    }

    @Test(arguments: [
        (#"{"attest":"A","orig":{"tn":"1"}}"#, nil),
        (#"{"attest":"B"}"#, "claim attest value B not permitted"),
        (#"{"orig":{"tn":"1"}}"#, "claim attest must be included"),
        (#"{"attest":1}"#, "claim attest is not a string"),
        (#"["attest"]"#, "payload is not a JSON object"),
    ] as [(String, String?)])
    func appliesToPayload(json: String, violation: String?) throws {
        #expect(try JWTClaimConstraints(der: Self.attestA).violation(payloadJSON: Array(json.utf8)) == violation)
    }

    @Test func arrayClaimsMustHoldOnlyPermittedValues() {
        let constraints = JWTClaimConstraints(mustInclude: [], permittedValues: ["dest": ["1", "2"]])
        #expect(constraints.violation(in: ["dest": ["1", "2"]]) == nil)
        #expect(constraints.violation(in: ["dest": ["1", "3"]]) == "claim dest value 3 not permitted")
    }

    @Test(arguments: ["3000", "3002a000", "3004a2023000", "301fa00a30081606617474657374a111300f300d1606617474657374"])
    func rejectsMalformed(hex: String) {
        let bytes = hex.count % 2 == 0 ? TNAuthListTests.bytes(hex) : TNAuthListTests.bytes(String(hex.dropLast()))
        #expect(throws: DERError.self) { try JWTClaimConstraints(der: bytes) }
    }

    @Test func validatorExposesLeafConstraints() throws {
        let chain = try TestPKI.shared.validator().validate(pem: TestPKI.shared.bytes("leaf-jcc-chain.pem"), at: Date()).get()
        #expect(chain.jwtClaimConstraints == (try JWTClaimConstraints(der: Self.attestA)))
        #expect(chain.jwtClaimConstraints?.violation(in: ["attest": "B"]) == "claim attest value B not permitted")
        let plain = try TestPKI.shared.validator().validate(pem: TestPKI.shared.bytes("leaf-spc-chain.pem"), at: Date()).get()
        #expect(plain.jwtClaimConstraints == nil)
    }
}
