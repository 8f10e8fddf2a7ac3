// Small helpers over the OpenSSL C API: error queue, time conversion, BIO.
import COpenSSL
import Foundation

enum OpenSSLSupport {
    /// Drains OpenSSL's thread-local error queue into one string
    /// (ARCHITECTURE.md rule 4: the error goes into the thrown value).
    static func drainErrors() -> String {
        var parts: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            parts.append(String(cString: buffer))
        }
        return parts.joined(separator: "; ")
    }

    /// Converts an ASN1_TIME (UTCTime or GeneralizedTime) to a Date.
    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var tm = tm()
        guard ASN1_TIME_to_tm(time, &tm) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&tm)))
    }

    /// Reads all bytes of a memory BIO.
    static func bytes(of bio: OpaquePointer) -> [UInt8] {
        var pointer: UnsafeMutablePointer<CChar>?
        let length = stird_BIO_get_mem_data(bio, &pointer)
        guard length > 0, let pointer else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }
}
