import COpenSSL
import Synchronization

/// `EVP_PKEY_CTX`s for one key, initialised once for signing or verifying
/// and then reused.
///
/// With OpenSSL 3, setting up an operation (`EVP_DigestSignInit`,
/// `EVP_DigestVerifyInit`) looks the algorithm up in the provider store:
/// name lookups, a hash-table walk and read-write locks on every call. An
/// initialised context can run any number of operations, so each key keeps
/// a few: one per thread using it at a time (the SIP loops), taken and
/// given back under a lock.
final class PKeyContextPool: @unchecked Sendable {
    enum Operation { case sign, verify }

    private let pkey: OpaquePointer
    private let operation: Operation
    private let idle = Mutex<[OpaquePointer]>([])
    /// Contexts kept for reuse; a burst beyond this frees the extras.
    private let keep = 8

    /// `pkey` must outlive the pool (the key classes own both).
    init(pkey: OpaquePointer, operation: Operation) {
        self.pkey = pkey
        self.operation = operation
    }

    deinit {
        idle.withLock { contexts in
            for ctx in contexts { EVP_PKEY_CTX_free(ctx) }
            contexts.removeAll()
        }
    }

    /// Runs `body` with an initialised context; nil when none can be made.
    func withContext<T>(_ body: (OpaquePointer) -> T) -> T? {
        let reused = idle.withLock { $0.popLast() }
        guard let ctx = reused ?? makeContext() else { return nil }
        let result = body(ctx)
        let surplus = idle.withLock { contexts -> Bool in
            guard contexts.count < keep else { return true }
            contexts.append(ctx)
            return false
        }
        if surplus { EVP_PKEY_CTX_free(ctx) }
        return result
    }

    private func makeContext() -> OpaquePointer? {
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else { return nil }
        let rc = operation == .sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)
        guard rc == 1 else {
            EVP_PKEY_CTX_free(ctx)
            return nil
        }
        return ctx
    }
}
