import Dispatch
import Testing
@testable import Crypto

/// The reused-context paths (`signDigestDER`, `isValidDigestSignature`)
/// against the one-shot EVP paths, and under concurrent use.
@Suite struct ContextPoolTests {
    let data = Array("eyJhbGciOiJFUzI1NiJ9.eyJpYXQiOjE3MDAwMDAwMDB9".utf8)

    @Test func reusedContextsAgreeWithTheOneShotPaths() throws {
        let key = try ES256PrivateKey.generate()
        for _ in 0..<20 {
            let pooled = try key.signDigestDER(data)
            #expect(key.publicKey.isValidDERSignature(pooled, for: data))
            let oneShot = try key.signDER(data)
            #expect(key.publicKey.isValidDigestSignature(oneShot, for: data))
            // A reused context keeps no state from the last call.
            #expect(!key.publicKey.isValidDigestSignature(oneShot, for: data + [0x2E]))
            #expect(key.publicKey.isValidDigestSignature(pooled, for: data))
        }
    }

    @Test func anotherKeysSignatureFails() throws {
        let a = try ES256PrivateKey.generate(), b = try ES256PrivateKey.generate()
        let sig = try a.sign(data)
        #expect(a.publicKey.isValidSignature(sig, for: data))
        #expect(!b.publicKey.isValidSignature(sig, for: data))
    }

    @Test func concurrentSignAndVerifyOnOneKey() throws {
        let key = try ES256PrivateKey.generate()
        let message = data
        let bad = Mutex2()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in 0..<40 {
                let input = message + Array("\(worker).\(i)".utf8)
                guard let sig = try? key.sign(input), key.publicKey.isValidSignature(sig, for: input),
                      !key.publicKey.isValidSignature(sig, for: input + [0x41]) else {
                    bad.add()
                    continue
                }
            }
        }
        #expect(bad.count == 0)
    }
}

/// A counter for the concurrent test.
final class Mutex2: @unchecked Sendable {
    private let lock = DispatchQueue(label: "count")
    private var value = 0
    func add() { lock.sync { value += 1 } }
    var count: Int { lock.sync { value } }
}
