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
        let b = Array(text.utf8)
        var r = ASCIIBytes.trimmed(b)
        if let comma = ASCIIBytes.firstIndex(of: UInt8(ascii: ","), in: b, r) { r = (comma + 1)..<r.upperBound }
        // Split on SP/HTAB into exactly five fields.
        var fields: [Range<Int>] = []
        var i = r.lowerBound
        while i < r.upperBound {
            while i < r.upperBound, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
            let start = i
            while i < r.upperBound, b[i] != 0x20, b[i] != 0x09 { i += 1 }
            if i > start {
                guard fields.count < 5 else { return nil }
                fields.append(start..<i)
            }
        }
        guard fields.count == 5 else { return nil }
        guard let day = number(b, fields[0], maxDigits: 2), (1...31).contains(day),
              fields[1].count == 3, let month = monthIndex(b, fields[1]),
              fields[2].count == 4, let year = number(b, fields[2], maxDigits: 4), year >= 1970 else { return nil }
        let zone = ASCIIBytes.lowercased(b[fields[4]])
        guard zone == "gmt" || zone == "utc" || zone == "ut" else { return nil }
        let t = fields[3]
        guard t.count == 8, b[t.lowerBound + 2] == UInt8(ascii: ":"), b[t.lowerBound + 5] == UInt8(ascii: ":"),
              let h = number(b, t.lowerBound..<(t.lowerBound + 2), maxDigits: 2),
              let m = number(b, (t.lowerBound + 3)..<(t.lowerBound + 5), maxDigits: 2),
              let sec = number(b, (t.lowerBound + 6)..<(t.lowerBound + 8), maxDigits: 2),
              h <= 23, m <= 59, sec <= 60 else { return nil }
        guard day <= daysIn(month: month + 1, year: year) else { return nil }
        let days = daysFromCivil(year: year, month: month + 1, day: day)
        return days * 86_400 + Int64(h * 3600 + m * 60 + sec)
    }

    private static func number(_ b: [UInt8], _ r: Range<Int>, maxDigits: Int) -> Int? {
        guard !r.isEmpty, r.count <= maxDigits else { return nil }
        var v = 0
        for i in r {
            guard ASCIIBytes.isDigit(b[i]) else { return nil }
            v = v * 10 + Int(b[i] - 0x30)
        }
        return v
    }

    private static func monthIndex(_ b: [UInt8], _ r: Range<Int>) -> Int? {
        let key = (UInt32(ASCIIBytes.lower(b[r.lowerBound])) << 16) | (UInt32(ASCIIBytes.lower(b[r.lowerBound + 1])) << 8)
            | UInt32(ASCIIBytes.lower(b[r.lowerBound + 2]))
        return monthKeys.firstIndex(of: key)
    }

    private static let monthKeys: [UInt32] = months.map { m in m.utf8.reduce(0) { $0 << 8 | UInt32($1) } }

    /// Formats seconds since 1970 as an RFC 1123 GMT date.
    /// A signing proxy adds a Date to nearly every call: a four-digit year
    /// (1000 to 9999) is written straight into the String's 29 bytes.
    public static func format(_ epoch: Int64) -> String {
        let (y, m, d, wd, secs) = fields(epoch)
        guard (1000...9999).contains(y) else { return interpolated(y, m, d, wd, secs) }
        return String(unsafeUninitializedCapacity: 29) { out in
            var i = 0
            func put(_ byte: UInt8) {
                out[i] = byte
                i += 1
            }
            func two(_ v: Int) {
                put(0x30 + UInt8(v / 10))
                put(0x30 + UInt8(v % 10))
            }
            for byte in dayNames[wd].utf8 { put(byte) }
            put(UInt8(ascii: ","))
            put(0x20)
            two(d)
            put(0x20)
            for byte in monthNames[m - 1].utf8 { put(byte) }
            put(0x20)
            two(y / 100)
            two(y % 100)
            put(0x20)
            two(secs / 3600)
            put(UInt8(ascii: ":"))
            two(secs / 60 % 60)
            put(UInt8(ascii: ":"))
            two(secs % 60)
            for byte in " GMT".utf8 { put(byte) }
            return i
        }
    }

    /// `format` for any year, by interpolation (and the reference the fast
    /// form is tested against).
    static func interpolated(_ y: Int, _ m: Int, _ d: Int, _ wd: Int, _ secs: Int) -> String {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(dayNames[wd]), \(two(d)) \(monthNames[m - 1]) \(y) \(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)) GMT"
    }

    /// `format` through `interpolated` only (for tests).
    static func formatInterpolated(_ epoch: Int64) -> String {
        let (y, m, d, wd, secs) = fields(epoch)
        return interpolated(y, m, d, wd, secs)
    }

    /// Year, month, day, weekday (0 = Thursday) and second of the day.
    private static func fields(_ epoch: Int64) -> (Int, Int, Int, Int, Int) {
        let days = epoch >= 0 ? epoch / 86_400 : (epoch - 86_399) / 86_400
        let (y, m, d) = civilFromDays(days)
        return (y, m, d, Int(((days % 7) + 7) % 7), Int(epoch - days * 86_400))
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
