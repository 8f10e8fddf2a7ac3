/// The SIP `Date` header format (RFC 3261 §20.17: RFC 1123 date, always
/// GMT), e.g. `Fri, 25 Sep 2015 19:12:25 GMT`, converted to and from seconds
/// since 1970 without Foundation (exact, locale-free, fast).
public enum SIPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let dayNames = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]

    /// Parses `[wkday ","] DD Mon YYYY HH:MM:SS GMT`; nil if malformed.
    /// The weekday is not cross-checked (it is redundant).
    public static func parse(_ text: String) -> Int64? {
        var s = Substring(text.trimmingLWS())
        if let comma = s.firstIndex(of: ",") { s = s[s.index(after: comma)...] }
        let f = s.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard f.count == 5, let day = Int(f[0]), (1...31).contains(day),
              let month = months.firstIndex(of: f[1].lowercased()), f[2].count == 4, let year = Int(f[2]),
              year >= 1970, year < 10_000 else { return nil }
        let zone = f[4].uppercased()
        guard zone == "GMT" || zone == "UTC" || zone == "UT" else { return nil }
        let t = f[3].split(separator: ":", omittingEmptySubsequences: false)
        guard t.count == 3, t.allSatisfy({ $0.count == 2 }), let h = Int(t[0]), let m = Int(t[1]), let sec = Int(t[2]),
              (0...23).contains(h), (0...59).contains(m), (0...60).contains(sec) else { return nil }
        guard day <= daysIn(month: month + 1, year: year) else { return nil }
        let days = daysFromCivil(year: year, month: month + 1, day: day)
        return days * 86_400 + Int64(h * 3600 + m * 60 + sec)
    }

    /// Formats seconds since 1970 as an RFC 1123 GMT date.
    public static func format(_ epoch: Int64) -> String {
        let days = epoch >= 0 ? epoch / 86_400 : (epoch - 86_399) / 86_400
        let secs = Int(epoch - days * 86_400)
        let (y, m, d) = civilFromDays(days)
        let wd = Int(((days % 7) + 7) % 7)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(dayNames[wd]), \(two(d)) \(monthNames[m - 1]) \(y) \(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)) GMT"
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (Int(yoe + era * 400) + (m <= 2 ? 1 : 0), m, d)
    }
}
