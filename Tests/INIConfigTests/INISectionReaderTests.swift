import Testing
@testable import INIConfig

@Suite struct INISectionReaderTests {
    // MARK: Strings and defaults

    @Test func returnsValuesAndDefaults() throws {
        var r = try reader("[s]\nname = stird\nempty =\n")
        #expect(try r.string("name", default: "x") == "stird")
        #expect(try r.string("absent", default: "dflt") == "dflt")
        #expect(try r.string("empty", default: "dflt") == "")
        #expect(try r.optionalString("name") == "stird")
        #expect(try r.optionalString("absent") == nil)
        #expect(r.contains("name"))
        #expect(!r.contains("absent"))
        try r.finish()
    }

    // MARK: Integers

    @Test(arguments: [
        ("0", 0...0, 0),
        ("1", 1...65535, 1),
        ("65535", 1...65535, 65535),
        ("+7", 0...10, 7),
        ("-1", -1...1, -1),
        ("007", 0...10, 7),
        ("9223372036854775807", 0...Int.max, Int.max),
        ("-9223372036854775808", Int.min...0, Int.min),
    ] as [(String, ClosedRange<Int>, Int)])
    func acceptsIntAtRangeEdges(text: String, range: ClosedRange<Int>, expected: Int) throws {
        var r = try reader("[s]\nn = \(text)\n")
        #expect(try r.int("n", default: -42, range: range) == expected)
    }

    @Test(arguments: [
        ("0", 1...65535, "must be in 1...65535, got 0"),
        ("65536", 1...65535, "must be in 1...65535, got 65536"),
        ("-1", 0...10, "must be in 0...10, got -1"),
        ("9223372036854775808", 0...10, "must be in 0...10, got 9223372036854775808"),
        ("abc", 1...65535, "must be an integer in 1...65535, got 'abc'"),
        ("", 1...5, "must be an integer in 1...5, got ''"),
        ("0x10", 0...100, "must be an integer in 0...100, got '0x10'"),
        ("1_000", 0...2000, "must be an integer in 0...2000, got '1_000'"),
        ("1.5", 0...2, "must be an integer in 0...2, got '1.5'"),
        ("+", 0...2, "must be an integer in 0...2, got '+'"),
        ("--1", -2...2, "must be an integer in -2...2, got '--1'"),
        ("1 2", 0...20, "must be an integer in 0...20, got '1 2'"),
        ("\u{0661}", 0...9, "must be an integer in 0...9, got '\u{0661}'"),
    ] as [(String, ClosedRange<Int>, String)])
    func rejectsIntWithRange(text: String, range: ClosedRange<Int>, message: String) throws {
        var r = try reader("[s]\n\nn = \(text)\n")
        let error = iniError { _ = try r.int("n", default: 1, range: range) }
        #expect(error == INIError(file: "t.ini", line: 3, key: "n", message: message))
    }

    @Test func intErrorTextNamesFileLineKeyAndRange() throws {
        var r = try reader("[proxy]\nport = 70000\n", section: "proxy")
        let error = iniError { _ = try r.int("port", default: 5060, range: 1...65535) }
        #expect(error?.description == "t.ini:2: port: must be in 1...65535, got 70000")
    }

    @Test func intDefaultIsReturnedWhenAbsent() throws {
        var r = try reader("[s]\n")
        #expect(try r.int("n", default: 5060, range: 1...65535) == 5060)
    }

    // MARK: Booleans

    @Test(arguments: [
        ("true", true), ("yes", true), ("on", true), ("1", true),
        ("false", false), ("no", false), ("off", false), ("0", false),
        ("TRUE", true), ("Yes", true), ("OFF", false), ("\"on\"", true),
    ])
    func parsesBool(text: String, expected: Bool) throws {
        var r = try reader("[s]\nb = \(text)\n")
        #expect(try r.bool("b", default: !expected) == expected)
    }

    @Test(arguments: ["", "2", "y", "n", "enabled", "truee", "-1"])
    func rejectsBool(text: String) throws {
        var r = try reader("[s]\nb = \(text)\n")
        let error = iniError { _ = try r.bool("b", default: false) }
        #expect(error?.description == "t.ini:2: b: must be true/false, yes/no, on/off or 1/0, got '\(text)'")
    }

    @Test func boolDefaultIsReturnedWhenAbsent() throws {
        var r = try reader("[s]\n")
        #expect(try r.bool("b", default: true) == true)
        #expect(try r.bool("b", default: false) == false)
    }

    // MARK: Lists

    @Test(arguments: [
        ("a", ["a"]),
        ("a,b", ["a", "b"]),
        (" a , b\t,c ", ["a", "b", "c"]),
        ("", []),
        ("\"x, y\"", ["x", "y"]),
        ("10.0.0.0/8, 192.168.1.1", ["10.0.0.0/8", "192.168.1.1"]),
    ] as [(String, [String])])
    func parsesList(text: String, expected: [String]) throws {
        var r = try reader("[s]\nl = \(text)\n")
        #expect(try r.list("l", default: ["dflt"]) == expected)
    }

    @Test(arguments: [
        ("a,,b", 2), ("a,", 2), (",a", 1), ("a, ,b", 2), (",", 1),
    ])
    func rejectsListWithEmptyItem(text: String, item: Int) throws {
        var r = try reader("[s]\nl = \(text)\n")
        let error = iniError { _ = try r.list("l", default: []) }
        #expect(error == INIError(file: "t.ini", line: 2, key: "l",
                                  message: "empty item \(item) in comma-separated list"))
    }

    @Test func listDefaultIsReturnedWhenAbsent() throws {
        var r = try reader("[s]\n")
        #expect(try r.list("l", default: ["udp", "tcp"]) == ["udp", "tcp"])
    }

    // MARK: Choices and custom parsers

    enum Action: Equatable { case reject, proceed, proceedWithReason }
    static let actions: [String: Action] = [
        "reject": .reject, "continue": .proceed, "continue_with_reason": .proceedWithReason,
    ]

    @Test func parsesChoiceAndDefault() throws {
        var r = try reader("[s]\nfailure_action = continue_with_reason\n")
        #expect(try r.choice("failure_action", default: .reject, Self.actions) == .proceedWithReason)
        #expect(try r.choice("absent", default: .reject, Self.actions) == .reject)
    }

    @Test func rejectsChoiceListingAllowedValuesSorted() throws {
        var r = try reader("[s]\nfailure_action = Reject\n")
        let error = iniError { _ = try r.choice("failure_action", default: .reject, Self.actions) }
        #expect(error?.description
                == "t.ini:2: failure_action: must be one of continue, continue_with_reason, reject, got 'Reject'")
    }

    static func parseHTTPS(_ text: String) -> Result<String, INIValueError> {
        text.hasPrefix("https://") ? .success(text) : .failure("must be an https URL, got '\(text)'")
    }

    @Test func customParserSuccessAndDefault() throws {
        var r = try reader("[s]\nx5u = https://cert.example/a.pem\n")
        #expect(try r.custom("x5u", default: "none", Self.parseHTTPS) == "https://cert.example/a.pem")
        #expect(try r.custom("absent", default: "none", Self.parseHTTPS) == "none")
    }

    @Test func customParserFailureBecomesTheWhy() throws {
        var r = try reader("[s]\nx5u = http://cert.example/a.pem\n")
        let error = iniError { _ = try r.custom("x5u", default: "", Self.parseHTTPS) }
        #expect(error?.description == "t.ini:2: x5u: must be an https URL, got 'http://cert.example/a.pem'")
    }

    // MARK: Durations

    @Test func durationUsesKeySuffixAsUnit() throws {
        var r = try reader("[s]\nfetch_timeout_ms = 250\nmax_iat_age_s = 60\n")
        #expect(try r.duration("fetch_timeout_ms", default: 1000, range: 1...60_000) == .milliseconds(250))
        #expect(try r.duration("max_iat_age_s", default: 30, range: 1...3600) == .seconds(60))
        #expect(try r.duration("cache_ttl_s", default: 30, range: 1...3600) == .seconds(30))
        try r.finish()
    }

    @Test func durationErrorShowsRangeInKeyUnit() throws {
        var r = try reader("[s]\nfetch_timeout_ms = 0\n")
        let error = iniError { _ = try r.duration("fetch_timeout_ms", default: 1000, range: 1...60_000) }
        #expect(error?.description == "t.ini:2: fetch_timeout_ms: must be in 1...60000, got 0")
    }

    // MARK: error() and finish()

    @Test func errorUsesKeyLineOrSectionLineWhenAbsent() throws {
        let r = try reader("; c\n[s]\n\nk = v\n")
        #expect(r.error("k", "bad").description == "t.ini:4: k: bad")
        #expect(r.error("cert_file", "required key missing").description
                == "t.ini:2: cert_file: required key missing")
    }

    @Test func finishReportsFirstUnreadKeyInFileOrder() throws {
        var r = try reader("[peer \"carrier-a\"]\nhost = h\nprot = 5060\ntypo2 = x\n", section: "peer")
        _ = try r.string("host", default: "")
        _ = try r.int("port", default: 5060, range: 1...65535)
        let error = iniError { try r.finish() }
        #expect(error == INIError(file: "t.ini", line: 3, key: "prot", message: "unknown key in [peer \"carrier-a\"]"))
        #expect(error?.description == "t.ini:3: prot: unknown key in [peer \"carrier-a\"]")
    }

    @Test func finishPassesWhenEveryKeyWasRead() throws {
        var r = try reader("[s]\na = 1\nb = x\n")
        _ = try r.int("a", default: 0, range: 0...1)
        _ = try r.optionalString("b")
        try r.finish()
    }

    @Test func finishCountsKeysWhoseValueWasRejectedAsRead() throws {
        var r = try reader("[s]\na = bad\n")
        _ = iniError { _ = try r.int("a", default: 0, range: 0...1) }
        try r.finish()
    }

    @Test func finishNamesGlobalSection() throws {
        let doc = try INIDocument.parse("stray = 1\n", file: "t.ini")
        let r = INISectionReader(doc.sections[0], file: doc.file)
        #expect(iniError { try r.finish() }?.description == "t.ini:1: stray: unknown key in global section")
    }
}
