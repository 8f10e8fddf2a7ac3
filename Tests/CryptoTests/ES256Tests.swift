import Foundation
import Testing
@testable import Crypto

@Suite struct ES256Tests {
    let data = Array("header.payload".utf8)

    @Test func signsAndVerifiesRawSignatureOf64Bytes() throws {
        let key = try ES256PrivateKey.generate()
        let sig = try key.sign(data)
        #expect(sig.count == 64)
        #expect(key.publicKey.isValidSignature(sig, for: data))
        #expect(!key.publicKey.isValidSignature(sig, for: Array("header.payloaD".utf8)))
    }

    @Test func rejectsDERAndWrongLengthSignatures() throws {
        let key = try ES256PrivateKey.generate()
        let der = try key.signDER(data)
        #expect(key.publicKey.isValidDERSignature(der, for: data))
        #expect(!key.publicKey.isValidSignature(der, for: data))
        let raw = try key.sign(data)
        #expect(!key.publicKey.isValidSignature(Array(raw.dropLast()), for: data))
        #expect(!key.publicKey.isValidSignature(raw + [0], for: data))
        #expect(!key.publicKey.isValidSignature([UInt8](repeating: 0, count: 64), for: data))
    }

    @Test func loadsSEC1AndPKCS8PrivateKeys() throws {
        let sec1 = try ES256PrivateKey(pem: TestKeys.rfc8946Private)
        let expected = try ES256PublicKey(pem: TestKeys.rfc8946Public)
        #expect(sec1.publicKey.derSPKI == expected.derSPKI)
        let pkcs8 = try ES256PrivateKey(pem: TestKeys.rfc8225Private)
        // RFC 8225 A.1 and A.2 are not a key pair (A.1's public point differs).
        #expect(pkcs8.publicKey.derSPKI != (try ES256PublicKey(pem: TestKeys.rfc8225Public)).derSPKI)
    }

    @Test func pkcs8ExportRoundTrips() throws {
        let key = try ES256PrivateKey(pem: TestKeys.rfc8946Private)
        let pem = key.pemPKCS8
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let again = try ES256PrivateKey(pem: pem)
        #expect(again.publicKey.derSPKI == key.publicKey.derSPKI)
        let pub = try ES256PublicKey(pem: key.publicKey.pem)
        #expect(pub.derSPKI == key.publicKey.derSPKI)
        #expect(try ES256PublicKey(derSPKI: pub.derSPKI).derSPKI.count == 91)
    }

    @Test func garbageKeysThrowWithDrainedOpenSSLErrors() {
        do {
            _ = try ES256PrivateKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
            Issue.record("expected failure")
        } catch let error as CryptoError {
            #expect(error.operation == "parse private key PEM")
            #expect(!error.openSSLErrors.isEmpty)
        } catch { Issue.record("unexpected \(error)") }
        #expect(throws: CryptoError.self) { try ES256PublicKey(pem: "nonsense") }
        #expect(throws: CryptoError.self) { try ES256PublicKey(derSPKI: [0x30, 0x03, 0x02, 0x01, 0x01]) }
        #expect(throws: CryptoError.self) { try ES256PublicKey(certificatePEM: TestKeys.rfc8946Public) }
    }

    @Test func rejectsTrailingBytesAfterSPKI() throws {
        let pub = try ES256PublicKey(pem: TestKeys.rfc8946Public)
        #expect(throws: CryptoError.self) { try ES256PublicKey(derSPKI: pub.derSPKI + [0]) }
    }

    @Test func rejectsNonP256Keys() throws {
        // secp384r1 key generated with `openssl ecparam -name secp384r1 -genkey`.
        let p384 = """
        -----BEGIN EC PRIVATE KEY-----
        MIGkAgEBBDBrZir5Yw3TBGhPA6UTUCCnxUSXM4DX6L/KOLlo45oNDbtZdlkU3qfg
        nR5zj0UBY36gBwYFK4EEACKhZANiAAQkaAowM9cQufeexU1R/Vi8nNVgB6LTVoTy
        drWM0rx02uqRZftLHFlahGqK3Csy9eXWrkri0KooO3oKmxiJebmENKCCnzeoKJ2h
        NlcbqTqmDCpeps76YZSgVw6D5hUlpUc=
        -----END EC PRIVATE KEY-----
        """
        do {
            _ = try ES256PrivateKey(pem: p384)
            Issue.record("P-384 key accepted")
        } catch let error as CryptoError {
            #expect(error.openSSLErrors.contains { $0.contains("not P-256") })
        }
    }

    @Test func readsPublicKeyFromCertificate() throws {
        let pem = try Self.makeSelfSignedCertificate()
        let key = try ES256PublicKey(certificatePEM: pem.cert)
        let priv = try ES256PrivateKey(pem: pem.key)
        #expect(key.derSPKI == priv.publicKey.derSPKI)
    }

    @Test func signsConcurrentlyFromManyThreads() throws {
        let key = try ES256PrivateKey.generate()
        let failures = LockedCounter()
        DispatchQueue.concurrentPerform(iterations: 200) { i in
            let msg = Array("message \(i)".utf8)
            guard let sig = try? key.sign(msg), key.publicKey.isValidSignature(sig, for: msg) else {
                failures.increment()
                return
            }
        }
        #expect(failures.value == 0)
    }

    /// Generates a throwaway self-signed P-256 certificate with the openssl CLI.
    static func makeSelfSignedCertificate() throws -> (cert: String, key: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stird-crypto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyPath = dir.appendingPathComponent("k.pem").path
        let certPath = dir.appendingPathComponent("c.pem").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                       "-keyout", keyPath, "-out", certPath, "-days", "1", "-subj", "/CN=SHAKEN 1234"]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return (try String(contentsOfFile: certPath, encoding: .utf8), try String(contentsOfFile: keyPath, encoding: .utf8))
    }
}

final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
