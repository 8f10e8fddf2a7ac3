import COpenSSL

/// An error from the Crypto module: what was attempted, and the text of
/// OpenSSL's error queue at the time it failed (drained, so the next
/// operation on this thread starts with an empty queue).
public struct CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What failed, e.g. "parse private key PEM".
    public var operation: String
    /// Drained OpenSSL error-queue entries, oldest first. May be empty when
    /// the failure was detected in Swift (for example a wrong curve).
    public var openSSLErrors: [String]

    public init(operation: String, openSSLErrors: [String] = []) {
        self.operation = operation
        self.openSSLErrors = openSSLErrors
    }

    public var description: String {
        openSSLErrors.isEmpty ? operation : operation + ": " + openSSLErrors.joined(separator: "; ")
    }

    /// Builds an error for `operation` and drains this thread's OpenSSL
    /// error queue into it.
    static func drain(_ operation: String) -> CryptoError {
        CryptoError(operation: operation, openSSLErrors: OpenSSLErrorQueue.drain())
    }
}

/// OpenSSL keeps a per-thread error queue; every failure path must empty it
/// so a later, unrelated call does not report stale errors
/// (docs/ARCHITECTURE.md rule 4: the error goes into the thrown value).
/// Shared with the Certificates module (`package`).
package enum OpenSSLErrorQueue {
    /// Removes and returns all queued errors as text (bounded to 16 entries).
    package static func drain() -> [String] {
        var out: [String] = []
        var buffer = [CChar](repeating: 0, count: 512)
        while true {
            let code = buffer.withUnsafeMutableBufferPointer { stird_ERR_get_error_text($0.baseAddress, $0.count) }
            if code == 0 { break }
            if out.count < 16 {
                out.append(String(cString: buffer))
            }
        }
        return out
    }

    /// Empties the queue without keeping anything (expected failures such as
    /// a signature that does not verify).
    package static func clear() { ERR_clear_error() }

    /// Removes all queued errors and returns them as one line, oldest first,
    /// separated by "; " (empty when the queue was empty).
    package static func drainText() -> String { drain().joined(separator: "; ") }
}
