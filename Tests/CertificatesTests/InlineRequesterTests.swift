import Dispatch
import Foundation
import Testing
@testable import Certificates
import TestSupport

/// Answers inline from a table, counting requests: the provider must not
/// hold its lock while entering the network.
final class TableRequester: HTTPRequester, @unchecked Sendable {
    let responses: [String: HTTPResponse]
    let calls = Collector<HTTPRequest>()
    init(_ responses: [String: HTTPResponse]) { self.responses = responses }
    func send(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, CertificateFailure>) -> Void) {
        calls.add(request)
        completion(responses[request.url].map { .success($0) } ?? .failure(.fetchFailed("no route")))
    }
}

@Suite struct InlineRequesterTests {
    let pki = TestPKI.shared

    @Test func inlineCompletionDoesNotDeadlockAndRequestIsBounded() throws {
        let url = "https://cr.example.net/sp.pem"
        let requester = TableRequester([url: HTTPResponse(status: 200, headers: ["cache-control": "max-age=900"],
                                                          body: pki.bytes("leaf-multi-chain.pem"))])
        let provider = CertificateProvider(validator: try pki.validator(), requester: requester)
        let chain = try #require(provider.lookup(url, timeout: 5)).get()
        #expect(chain.spc == "709J")
        #expect(chain.covers(tn: "12155551212") && chain.covers(tn: "19995550000"))  // SPC entry covers all
        let request = try #require(requester.calls.all.first)
        #expect(request.method == "GET" && request.maximumBodyBytes == 65536 && request.timeout == 2)
        #expect(provider.counters.fetches == 1)
        #expect(provider.counters.fetchSecondsMax >= 0)
    }

    @Test func stableCodesAreDistinct() {
        let all: [CertificateFailure] = [.forbiddenURL(""), .fetchFailed(""), .fetchTimeout, .malformed(""), .chainInvalid(""),
                                         .untrustedRoot, .expired, .notYetValid, .noTNAuthList, .subjectMismatch(""), .revoked,
                                         .revocationUnknown("")]
        #expect(Set(all.map(\.code)).count == all.count)
        #expect(all.filter(\.isTransient).map(\.code) == ["fetch_failed", "fetch_timeout", "revocation_unknown"])
    }
}
