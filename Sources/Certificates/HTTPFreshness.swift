// Freshness lifetime from response headers (RFC 9111 §4.2.1): Cache-Control
// max-age (s-maxage for a shared cache first), else Expires minus Date.
import Foundation

enum HTTPFreshness {
    /// Seconds the response may be reused, or nil when the headers say
    /// nothing. `no-store`/`no-cache` give 0 (the configured floor applies).
    static func lifetime(headers: [String: String], now: Date) -> TimeInterval? {
        if let control = headers["cache-control"]?.lowercased() {
            var maxAge: TimeInterval?
            var sharedMaxAge: TimeInterval?
            for directive in control.split(separator: ",") {
                let parts = directive.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                let name = parts.first.map(String.init) ?? ""
                let value = parts.count > 1 ? TimeInterval(parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))) : nil
                switch name {
                case "no-store", "no-cache": return 0
                case "max-age": maxAge = value
                case "s-maxage": sharedMaxAge = value
                default: break
                }
            }
            if let age = sharedMaxAge ?? maxAge { return max(0, age) }
        }
        if let expiresText = headers["expires"] {
            // An invalid Expires (e.g. "0") means already expired (RFC 9111 §5.3).
            guard let expires = parseHTTPDate(expiresText) else { return 0 }
            let date = headers["date"].flatMap(parseHTTPDate) ?? now
            return max(0, expires.timeIntervalSince(date))
        }
        return nil
    }

    /// IMF-fixdate (RFC 9110 §5.6.7), e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
    static func parseHTTPDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text.trimmingCharacters(in: .whitespaces))
    }
}
