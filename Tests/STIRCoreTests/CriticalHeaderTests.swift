import Crypto
import Testing
@testable import STIRCore

/// RFC 7515 §4.1.11 `crit` in the PASSporT's JOSE header. Every token here is
/// signed with the fixture key over exactly its header and payload, so `crit`
/// is the only thing wrong with it.
@Suite struct CriticalHeaderTests {
    typealias F = VerifierFixture

    static let payload = #"{"attest":"A","dest":{"tn":["12155550131"]},"iat":\#(F.now),"orig":{"tn":"12155550121"},"origid":"\#(F.origid)"}"#

    /// A full-form SHAKEN Identity value whose header JSON is `header`, properly signed.
    static func signed(header: String) throws -> String {
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
        let signature = try F.key.sign(Array(input.utf8))
        return input + "." + Base64URL.encode(signature) + ";info=<\(F.x5u)>;alg=ES256;ppt=shaken"
    }

    static func header(_ extra: String) -> String {
        #"{"alg":"ES256",\#(extra)"ppt":"shaken","typ":"passport","x5u":"\#(F.x5u)"}"#
    }

    @Test func theSameTokenWithoutCritVerifies() throws {
        // The control: signing, claims and identities are right.
        #expect(F.verify([try Self.signed(header: Self.header(""))]).isValid)
        #expect(F.verify([try Self.signed(header: Self.header(#""crit":["ppt"],"#))]).isValid)
    }

    @Test(arguments: [
        (#""crit":["exp"],"exp":1,"#, "crit lists exp, which is not understood"),
        (#""crit":["rcd_ext","ppt"],"rcd_ext":true,"#, "crit lists rcd_ext, which is not understood"),
        (#""b64":false,"crit":["b64"],"#, "crit lists b64, which is not understood"),
        (#""crit":[],"#, "crit is empty"),
        (#""crit":["x5u"],"#, "crit lists the standard parameter x5u"),
        (#""crit":["alg"],"#, "crit lists the standard parameter alg"),
        (#""crit":["absent"],"#, "crit lists absent, which the header does not carry"),
        (#""crit":["ppt","ppt"],"#, "crit lists ppt twice"),
        (#""crit":"ppt","#, "crit is not an array"),
        (#""crit":[1],"#, "crit holds a non-string"),
    ])
    func rejectsABadCritWith438InvalidIdentityHeader(extra: String, why: String) throws {
        let r = F.verify([try Self.signed(header: Self.header(extra))])
        #expect(r.failure == .criticalHeaderInvalid(why))
        #expect(r.status?.code == 438)
        #expect(r.status?.reason == "Invalid Identity Header")
        #expect(r.verstat == .failed)
        #expect(!r.isValid)
    }

    @Test func decodingKeepsCritForReencoding() throws {
        let header = try PASSporTHeader(json: JSONReader().parse(Array(Self.header(#""crit":["ppt"],"#).utf8)))
        #expect(header.crit == ["ppt"])
        #expect(header.extra.isEmpty)
        #expect(header.json["crit"] == .array([.string("ppt")]))
        #expect(header.criticalProblem() == nil)
        #expect(header.criticalProblem(understood: []) == "crit lists ppt, which is not understood")
    }
}
