// X.509 times (RFC 5280 §4.1.2.5) as Foundation dates, next to the OpenSSL
// helpers the Crypto module shares with this one.
import COpenSSL
import Crypto
import Foundation

extension OpenSSLSupport {
    /// Converts an ASN1_TIME (UTCTime or GeneralizedTime) to a Date.
    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var tm = tm()
        guard ASN1_TIME_to_tm(time, &tm) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&tm)))
    }
}
