import Testing

@testable import VigilRules

/// PromQL selector syntax and matching, one line per case.
struct SeriesSelectorTests {
    static let series: [String: String] = [
        "__name__": "http_requests_total", "code": "503", "pod": "web-1", "namespace": "shop",
    ]

    @Test(arguments: [
        ("http_requests_total", true),
        (#"http_requests_total{code=~"5.."}"#, true),
        (#"http_requests_total{code=~"5"}"#, false),  // anchored at both ends, as PromQL anchors
        (#"http_requests_total{code!~"2..", pod="web-1"}"#, true),
        (#"{__name__=~"http_.*", namespace!="kube-system"}"#, true),
        (#"http_requests_total{container=""}"#, true),  // a missing label reads as empty
        (#"http_requests_total{container!=""}"#, false),
        (#"other{code="503"}"#, false),
        (#"http_requests_total{ code = '503' , }"#, true),  // spaces, single quotes, a trailing comma
        (#"http_requests_total{code=~`5\d\d`}"#, true),  // raw: no escapes
        (#"http_requests_total{code=~"5\\d\\d"}"#, true),
        (#"http_requests_total{code="\x35\u0030\063"}"#, true),  // "503" in hex, \u and octal
        (#"http_requests_total{pod="web\x2d1", code!~"\t"}"#, true),
    ])
    func matches(selector: String, expected: Bool) throws {
        #expect(try SeriesSelector(selector).matches(Self.series) == expected)
    }

    @Test(arguments: [
        (#"up{job="a""#, "column 11: expected \",\" or \"}\""),  // just past the end
        (#"up{="a"}"#, "column 4: expected a label name"),
        (#"up{job~"a"}"#, "column 7: expected one of =, !=, =~, !~ after \"job\""),
        (#"up{job="a}"#, "column 11: unterminated quoted string"),
        (#"{job=""}"#, "column 1: vector selector must contain at least one non-empty matcher"),
        ("up extra", "column 4: unexpected text after the selector"),
        // PromQL's escapes only: a regex's \d goes in backticks or as \\d.
        (#"x{a=~"5\d"}"#, "column 9: unknown escape sequence U+0064 'd'"),
        (#"x{a="\x4g"}"#, "column 9: illegal character U+0067 'g' in escape sequence"),
        (#"x{a="\uD800"}"#, "column 12: escape sequence is an invalid Unicode code point"),
        (#"x{a="\xff"}"#, "column 10: escape sequence \\x… is a byte above 0x7F, not UTF-8 text"),
        // PromQL's parser: a name before the braces and another in them.
        (#"foo{__name__="bar"}"#, "column 1: metric name must not be set twice: \"foo\" or \"bar\""),
        (#"foo{__name__=~"b.*"}"#, "column 1: metric name must not be set twice: \"foo\" or \"b.*\""),
    ])
    func refuses(selector: String, expected: String) {
        #expect(throws: SeriesSelector.ParseError.self) { try SeriesSelector(selector) }
        do {
            _ = try SeriesSelector(selector)
        } catch {
            #expect("column \(error.column): \(error.message)" == expected)
        }
    }

    @Test func refusesABadRegexWithItsColumn() {
        #expect {
            try SeriesSelector(#"up{job=~"(unclosed"}"#)
        } throws: { error in
            (error as? SeriesSelector.ParseError)?.column == 9
        }
    }

    /// Regexes take RE2's syntax, as PromQL's do: a lookahead (Swift's engine has them, Go's has not) and
    /// a pattern that only parses once wrapped are refused, each with the regex's own reason.
    @Test(arguments: [
        (#"up{job=~"(?=a)a"}"#, "invalid or unsupported Perl syntax: `(?=`"),
        (#"up{job=~"a)|(b"}"#, "invalid regular expression \"a)|(b\""),
    ])
    func refusesWhatPromQLRefuses(selector: String, reason: String) {
        #expect {
            try SeriesSelector(selector)
        } throws: { error in
            (error as? SeriesSelector.ParseError).map { $0.column == 9 && $0.message.contains(reason) } ?? false
        }
    }

    /// `.` matches a newline in a label matcher, as Prometheus compiles it (`^(?s:…)$`).
    @Test func aDotMatchesANewline() throws {
        #expect(try SeriesSelector(#"up{job=~"a.b"}"#).matches(["__name__": "up", "job": "a\nb"]))
    }

    /// Values compare byte for byte, as in Go: a precomposed é is not e and a combining acute (Swift's
    /// `==` says it is).
    @Test func equalityIsByteForByte() throws {
        let decomposed = ["__name__": "up", "city": "Montr\u{65}\u{301}al"]
        #expect(try !SeriesSelector("up{city=\"Montr\u{E9}al\"}").matches(decomposed))
        #expect(try SeriesSelector("up{city!=\"Montr\u{E9}al\"}").matches(decomposed))
        #expect(try SeriesSelector("up{city=\"Montr\u{65}\u{301}al\"}").matches(decomposed))
    }
}
