import Testing
@testable import INIConfig

@Suite struct INIParserTests {
    // MARK: Sections and entries

    @Test func parsesSectionsEntriesAndLinesInFileOrder() throws {
        let doc = try INIDocument.parse("""
            ; leading comment
            [proxy]
            listen = 0.0.0.0:5060

            # another comment
            [peer "carrier-a"]
            host = a.example
              [ peer  "carrier-b" ]  ; comment after header
            host = b.example
            """, file: "stird.ini")
        #expect(doc.file == "stird.ini")
        #expect(doc.sections == [
            INISection(name: "proxy", line: 2, entries: [INIEntry(key: "listen", value: "0.0.0.0:5060", line: 3)]),
            INISection(name: "peer", label: "carrier-a", line: 6, entries: [INIEntry(key: "host", value: "a.example", line: 7)]),
            INISection(name: "peer", label: "carrier-b", line: 8, entries: [INIEntry(key: "host", value: "b.example", line: 9)]),
        ])
        #expect(doc.sections(named: "peer").map(\.label) == ["carrier-a", "carrier-b"])
        #expect(doc.section(named: "peer")?.label == "carrier-a")
        #expect(doc.section(named: "missing") == nil)
        #expect(doc.sections(named: "missing").isEmpty)
    }

    @Test func keysBeforeAnySectionGoToGlobalSectionAtFirstKeyLine() throws {
        let doc = try INIDocument.parse("\n; c\nlog_level = debug\n[proxy]\n", file: "t.ini")
        #expect(doc.sections.map(\.name) == ["", "proxy"])
        #expect(doc.sections[0].line == 3)
        #expect(doc.sections[0].entries == [INIEntry(key: "log_level", value: "debug", line: 3)])
    }

    @Test func emptyInputHasNoSections() throws {
        #expect(try INIDocument.parse("", file: "t.ini").sections.isEmpty)
        #expect(try INIDocument.parse("\n  \n; only comments\n#\n", file: "t.ini").sections.isEmpty)
    }

    @Test func emptySectionIsKept() throws {
        let doc = try INIDocument.parse("[a]\n[b]\nk = 1\n", file: "t.ini")
        #expect(doc.sections.map(\.name) == ["a", "b"])
        #expect(doc.sections[0].entries.isEmpty)
    }

    @Test func unlabeledAndLabeledSectionOfSameNameCoexist() throws {
        let doc = try INIDocument.parse("[peer]\n[peer \"a\"]\n", file: "t.ini")
        #expect(doc.sections(named: "peer").map(\.label) == [nil, "a"])
    }

    @Test func sameKeyInDifferentSectionsIsAllowed() throws {
        let doc = try INIDocument.parse("[a]\nk = 1\n[b]\nk = 2\n", file: "t.ini")
        #expect(doc.sections.map { $0.entries.map(\.value) } == [["1"], ["2"]])
    }

    // MARK: Values

    @Test(arguments: [
        ("k = v", "v"),
        ("k=v", "v"),
        ("k \t=\t v \t", "v"),
        ("k =", ""),
        ("k =   ", ""),
        ("k = a b  c", "a b  c"),
        ("k = a ; comment", "a"),
        ("k = a\t# comment", "a"),
        ("k = ; only a comment", ""),
        ("k = https://x.example/p#frag", "https://x.example/p#frag"),
        ("k = a;b", "a;b"),
        ("k=;x", ";x"),
        ("k = a = b", "a = b"),
        ("k = \"  padded  \"", "  padded  "),
        ("k = \"a ; b # c\"", "a ; b # c"),
        ("k = \"say \\\"hi\\\"\"", "say \"hi\""),
        ("k = \"back\\\\slash\"", "back\\slash"),
        ("k = \"\"", ""),
        ("k = \"v\" ; comment", "v"),
        ("k = \"v\";comment", "v"),
        ("k = caf\u{E9} \u{1F600}", "caf\u{E9} \u{1F600}"),
        ("k = C:\\path\\file", "C:\\path\\file"),
    ])
    func parsesValue(line: String, expected: String) throws {
        let doc = try INIDocument.parse("[s]\n" + line + "\n", file: "t.ini")
        #expect(doc.sections[0].entries == [INIEntry(key: "k", value: expected, line: 2)])
    }

    @Test(arguments: ["k", "fetch_timeout_ms", "tls.cert_file", "v2", "_x", "0"])
    func acceptsKeyNames(key: String) throws {
        let doc = try INIDocument.parse("[s]\n\(key) = 1\n", file: "t.ini")
        #expect(doc.sections[0].entries.first?.key == key)
    }

    @Test(arguments: ["Port", "fetch-timeout", "a b", "k\u{E9}", "$x"])
    func rejectsInvalidKeyNames(key: String) {
        #expect(parseError("[s]\n\(key) = 1\n") == INIError(
            file: "t.ini", line: 2,
            message: "invalid key '\(key)': keys are lowercase [a-z0-9_.]+"))
    }

    // MARK: Line endings, BOM

    @Test func acceptsCRLFAndBOM() throws {
        let doc = try INIDocument.parse("\u{FEFF}[s]\r\nk = v\r\nq = \"x\"\r\n", file: "t.ini")
        #expect(doc.sections == [INISection(name: "s", line: 1, entries: [
            INIEntry(key: "k", value: "v", line: 2),
            INIEntry(key: "q", value: "x", line: 3),
        ])])
    }

    @Test func bomOnlyCountsAtStart() {
        #expect(parseError("[s]\n\u{FEFF}k = v\n") == INIError(
            file: "t.ini", line: 2, message: "invalid key '\u{FEFF}k': keys are lowercase [a-z0-9_.]+"))
    }

    @Test func rejectsInvalidUTF8WithItsLine() {
        let bytes: [UInt8] = Array("[s]\nk = ok\nv = ".utf8) + [0xC3, 0x28] + [0x0A]
        let error = iniError { _ = try INIDocument.parse(bytes: bytes, file: "t.ini") }
        #expect(error?.description == "t.ini:3: line is not valid UTF-8")
    }

    // MARK: Failures with exact text

    @Test func rejectsDuplicateKeyWithBothLines() {
        let error = parseError("[proxy]\nport = 1\n\nport = 2\n")
        #expect(error == INIError(file: "t.ini", line: 4, key: "port", message: "duplicate key, first set at line 2"))
        #expect(error?.description == "t.ini:4: port: duplicate key, first set at line 2")
    }

    @Test func rejectsDuplicateKeyInGlobalSection() {
        #expect(parseError("a = 1\na = 2\n")?.description == "t.ini:2: a: duplicate key, first set at line 1")
    }

    @Test func rejectsDuplicatePlainSectionWithBothLines() {
        #expect(parseError("[proxy]\nk = 1\n[other]\n[proxy]\n")?.description
                == "t.ini:4: duplicate section [proxy], first at line 1")
    }

    @Test func rejectsDuplicateLabeledSectionWithBothLines() {
        #expect(parseError("[peer \"a\"]\n[peer \"b\"]\n[peer \"a\"]\n")?.description
                == "t.ini:3: duplicate section [peer \"a\"], first at line 1")
    }

    @Test func rejectsLineWithoutEquals() {
        #expect(parseError("[s]\nk = 1\njust some words\n")?.description
                == "t.ini:3: expected 'key = value' or a [section] header")
    }

    @Test(arguments: [
        ("[s]\n= v\n", 2, nil, "missing key before '='"),
        ("[s]\nk = \"open\n", 2, "k", "missing closing '\"'"),
        ("[s]\nk = \"ends in backslash\\\n", 2, "k", "missing closing '\"'"),
        ("[s]\nk = \"a\" b\n", 2, "k", "unexpected text after closing quote"),
        ("[s]\nk = a \"b\"\n", 2, "k", "stray '\"' in unquoted value; quote the whole value"),
        ("[s]\nk = \"a\\tb\"\n", 2, "k", "unknown escape '\\t' in quoted string; only \\\" and \\\\ are allowed"),
        ("[]\n", 1, nil, "missing section name"),
        ("[ \"a\"]\n", 1, nil, "missing section name"),
        ("[Proxy]\n", 1, nil, "invalid section name 'Proxy': names are lowercase [a-z0-9_.]+"),
        ("[tls-server]\n", 1, nil, "invalid section name 'tls-server': names are lowercase [a-z0-9_.]+"),
        ("[proxy\n", 1, nil, "missing ']' in section header"),
        ("[peer carrier-a]\n", 1, nil, "section label must be double-quoted, as in [peer \"label\"]"),
        ("[peer \"a\" x]\n", 1, nil, "expected ']' after section label"),
        ("[peer \"a\" \"b\"]\n", 1, nil, "expected ']' after section label"),
        ("[peer \"\"]\n", 1, nil, "empty section label"),
        ("[peer \"a]\n", 1, nil, "missing closing '\"'"),
        ("[s] k = v\n", 1, nil, "unexpected text after ']'"),
    ] as [(String, Int, String?, String)])
    func rejectsMalformedLine(text: String, line: Int, key: String?, message: String) {
        #expect(parseError(text) == INIError(file: "t.ini", line: line, key: key, message: message))
    }

    @Test func labelsUseValueEscapes() throws {
        let doc = try INIDocument.parse("[peer \"a \\\"q\\\" ; #\"]\n", file: "t.ini")
        #expect(doc.sections[0].label == "a \"q\" ; #")
        #expect(doc.sections[0].displayName == "[peer \"a \\\"q\\\" ; #\"]")
    }

    // MARK: Bounds

    @Test func acceptsLineAtLimitAndRejectsLongerLine() throws {
        let prefix = "k = "
        let atLimit = prefix + String(repeating: "x", count: INIDocument.maxLineBytes - prefix.utf8.count)
        let doc = try INIDocument.parse("[s]\n" + atLimit + "\r\n", file: "t.ini")
        #expect(doc.sections[0].entries[0].value.utf8.count == INIDocument.maxLineBytes - 4)

        #expect(parseError("[s]\n" + atLimit + "x\n")?.description
                == "t.ini:2: line is longer than 65536 bytes")
    }

    @Test func rejectsInputOverFileLimit() {
        let comment = "; " + String(repeating: "x", count: 1021) + "\n"  // 1 KiB per line
        let text = String(repeating: comment, count: 4096) + "\n"
        #expect(text.utf8.count == INIDocument.maxFileBytes + 1)
        #expect(parseError(text)?.description == "t.ini: file is larger than 4194304 bytes")
        #expect(parseError(String(text.dropLast())) == nil)
    }
}
