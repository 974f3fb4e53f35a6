import Foundation
import Testing

@testable import VigilCore

/// Text format 0.0.4 as Prometheus 2.x's scraper reads it. One line per case, with why.
struct PrometheusTextTests {
    struct Accepted: Sendable, CustomTestStringConvertible {
        var input: String
        var expected: [String]
        var why: String
        var testDescription: String { why }
    }

    static let accepted: [Accepted] = [
        .init(input: "a 1\n", expected: ["a{} 1.0 -"], why: "bare name and value"),
        .init(input: "a{} 1\n", expected: ["a{} 1.0 -"], why: "empty label set"),
        .init(input: "a{b=\"c\",} 1\n", expected: ["a{b=c} 1.0 -"], why: "trailing comma allowed in 0.0.4"),
        .init(
            input: "a { b = \"c\" , d=\"e\" }  2  123  \n",
            expected: ["a{b=c,d=e} 2.0 123"],
            why: "blanks between every token"
        ),
        .init(
            input: "a{b=\"c\"}3\n",
            expected: ["a{b=c} 3.0 -"],
            why: "value straight after the brace, as promlexer allows"
        ),
        .init(input: "\ta\t4\t\n", expected: ["a{} 4.0 -"], why: "tabs are blanks"),
        .init(input: "\n\n  \na 1\n\n", expected: ["a{} 1.0 -"], why: "blank lines are skipped"),
        .init(input: "# free comment\n#no space\n#\na 1\n", expected: ["a{} 1.0 -"], why: "free comments"),
        .init(
            input: "# HELP a some \"text\" \\n\n# TYPE a counter\na 1\n",
            expected: ["a{} 1.0 -"],
            why: "HELP takes any text"
        ),
        .init(input: "# HELPER a b\na 1\n", expected: ["a{} 1.0 -"], why: "HELPER is a comment, not HELP"),
        .init(input: "# TYPE a untyped\na 1\n", expected: ["a{} 1.0 -"], why: "untyped is 0.0.4's unknown"),
        .init(
            input: "a Inf\nb -inf\nc +Infinity\nd NaN\ne nan\n",
            expected: ["a{} inf -", "b{} -inf -", "c{} inf -", "d{} nan -", "e{} nan -"],
            why: "Go ParseFloat specials, any case"
        ),
        .init(
            input: "a 1e3\nb .5\nc 5.\nd -0.0001E-2\ne 00012\n",
            expected: ["a{} 1000.0 -", "b{} 0.5 -", "c{} 5.0 -", "d{} -1e-06 -", "e{} 12.0 -"],
            why: "decimal forms"
        ),
        .init(
            input: "a{b=\"\\\"q\\\" \\\\ \\n \\x\"} 1\n",
            expected: ["a{b=\"q\" \\ \n \\x} 1.0 -"],
            why: "escapes: \\\", \\\\, \\n; others kept"
        ),
        .init(input: "a{b=\"} # {\"} 1\n", expected: ["a{b=} # {} 1.0 -"], why: "braces and hash inside a value"),
        .init(input: "a{b=\"ü€𝄞\"} 1\n", expected: ["a{b=ü€𝄞} 1.0 -"], why: "UTF-8 label values"),
        .init(input: "a:b_c:d 1 0\n", expected: ["a:b_c:d{} 1.0 0"], why: "colons in names, zero timestamp"),
        .init(input: "a 1 9223372036854775807\n", expected: ["a{} 1.0 9223372036854775807"], why: "largest timestamp"),
        .init(input: "a 1\n  \t", expected: ["a{} 1.0 -"], why: "trailing blanks after the last line break"),
        .init(
            input: "a 1\n# end",
            expected: ["a{} 1.0 -"],
            why: "a free comment may end the body without a line break, as promlexer's consumeComment allows"
        ),
        .init(
            input: "a 1\n# HELP",
            expected: ["a{} 1.0 -"],
            why: "HELP with no blank after it is a free comment, at the end of the body too"
        ),
        .init(input: "", expected: [], why: "an empty body is valid"),
    ]

    @Test(arguments: accepted)
    func accepts(_ testCase: Accepted) throws {
        let parsed = try samples(testCase.input).map { sample in
            "\(sample.name){\(sample.labels.joined(separator: ","))} \(sample.value) \(sample.timestamp.map(String.init) ?? "-")"
        }
        #expect(parsed == testCase.expected)
    }

    struct Rejected: Sendable, CustomTestStringConvertible {
        var input: String
        var error: String
        var why: String
        var testDescription: String { why }
    }

    /// Exact messages are pinned: they are what an SRE reads.
    static let rejected: [Rejected] = [
        .init(
            input: "a 1",
            error: "1:4: unexpected end of input: the last line must end with a line break",
            why:
                "read to the letter, as promtool reads it, the last line needs its line break (a scrape does not: ExpositionStreamTests)"
        ),
        .init(
            input: "a 1\n# TYPE a gauge",
            error: "2:15: unexpected end of input: the last line must end with a line break",
            why: "a TYPE line is metadata, not a free comment: it needs its line break"
        ),
        .init(
            input: "a 1\n# HELP a text",
            error: "2:14: unexpected end of input: the last line must end with a line break",
            why: "a HELP line needs its line break"
        ),
        .init(input: "a\n", error: "1:2: expected value after metric, got \"\"", why: "missing value"),
        .init(input: "a{} \n", error: "1:5: expected value after metric, got \"\"", why: "missing value after labels"),
        .init(input: "a x\n", error: "1:3: invalid value \"x\"", why: "not a number"),
        .init(input: "a 0x1p3\n", error: "1:3: invalid value \"0x1p3\"", why: "hex floats are refused"),
        .init(input: "a 1_000\n", error: "1:3: invalid value \"1_000\"", why: "underscores are refused"),
        .init(input: "a +nan\n", error: "1:3: invalid value \"+nan\"", why: "Go takes no signed NaN"),
        .init(
            input: "a 1e400\n",
            error: "1:3: value \"1e400\" is out of range",
            why: "Go ParseFloat overflows to an error"
        ),
        .init(
            input: "a 1 -5\n",
            error: "1:5: expected timestamp or new record, got \"-5\"",
            why: "negative timestamps do not lex"
        ),
        .init(
            input: "a 1 1.5\n",
            error: "1:6: expected next entry after timestamp, got \".5\"",
            why: "timestamps are integers"
        ),
        .init(
            input: "a 1 99999999999999999999\n",
            error: "1:5: timestamp \"99999999999999999999\" is out of range",
            why: "timestamp past Int64"
        ),
        .init(
            input: "a 1 2 3\n",
            error: "1:7: expected next entry after timestamp, got \"3\"",
            why: "one token too many"
        ),
        .init(input: "a{,} 1\n", error: "1:3: expected label name, got \",}\"", why: "comma without a label"),
        .init(input: "a{b} 1\n", error: "1:4: expected equal, got \"}\"", why: "missing equal"),
        .init(input: "a{b=c} 1\n", error: "1:5: expected label value, got \"c}\"", why: "unquoted value"),
        .init(input: "a{b=\"c} 1\n", error: "1:5: unterminated label value \"\\\"c} 1\"", why: "unterminated value"),
        .init(
            input: "a{0=\"c\"} 1\n",
            error: "1:3: expected label name, got \"0=\\\"c\\\"}\"",
            why: "label names cannot start with a digit"
        ),
        .init(
            input: "a{b=\"1\",b=\"2\"} 1\n",
            error: "1:9: duplicate label name \"b\"",
            why: "Prometheus refuses duplicate label names"
        ),
        .init(
            input: "foo{__name__=\"bar\"} 1\n",
            error: "1:5: duplicate label name \"__name__\": the metric name \"foo\" already sets it",
            why: "the name before the braces is __name__ already: Prometheus fails the scrape"
        ),
        .init(
            input: "foo { a=\"1\", __name__ = \"bar\", } 1 5\n",
            error: "1:14: duplicate label name \"__name__\": the metric name \"foo\" already sets it",
            why: "__name__ among other labels, with blanks and a trailing comma"
        ),
        .init(
            input: "0a 1\n",
            error: "1:1: \"0a\" is not a valid start token",
            why: "metric names cannot start with a digit"
        ),
        .init(
            input: "{a=\"b\"} 1\n",
            error: "1:1: \"{a=\\\"b\\\"}\" is not a valid start token",
            why: "0.0.4 has no nameless series"
        ),
        .init(
            input: "# TYPE a gaugehistogram\n",
            error: "1:10: invalid metric type \"gaugehistogram\"",
            why: "OpenMetrics-only type"
        ),
        .init(
            input: "# TYPE a  counter\n",
            error: "1:10: invalid metric type \" counter\"",
            why: "Prometheus drops one separator byte only"
        ),
        .init(
            input: "# TYPE 0a counter\n",
            error: "1:8: expected metric name after TYPE, got \"0a counter\"",
            why: "invalid name in TYPE"
        ),
    ]

    @Test(arguments: rejected)
    func rejects(_ testCase: Rejected) {
        #expect(rejection(testCase.input)?.description == testCase.error)
    }

    @Test func invalidUTF8LabelValueIsRejected() {
        var bytes = Array("a{b=\"".utf8)
        bytes += [0xC3, 0x28]  // a lead byte followed by a non-continuation byte
        bytes += Array("\"} 1\n".utf8)
        #expect(throws: ExpositionError(line: 1, column: 6, message: "invalid UTF-8 label value")) {
            _ = try samples(bytes)
        }
    }

    @Test func errorsNameTheLineAndColumn() {
        let error = rejection("# ok\na 1\nb{c=\"d\"} oops\n")
        #expect(error == ExpositionError(line: 3, column: 10, message: "invalid value \"oops\""))
        #expect(error?.rendered(file: "x.prom") == "x.prom:3:10: invalid value \"oops\"")
    }

    @Test func metadataIsReported() throws {
        var parser = ExpositionParser(
            bytes: Array("# HELP up Whether\\nthe target is up.\n# TYPE up gauge\nup 1\n".utf8),
            format: .prometheusText
        )
        #expect(try parser.next() == .help)
        #expect(parser.metricName == "up")
        #expect(parser.text == "Whether\nthe target is up.")
        #expect(try parser.next() == .type)
        #expect(parser.metricType == .gauge)
        #expect(try parser.next() == .sample)
        #expect(try parser.next() == nil)
    }

    @Test func aLineOverTheLengthLimitIsRefused() {
        let body = "go_gc_duration_seconds{quantile=\"0.5\",a=\"b\",c=\"d\"} 1\n"
        #expect(
            rejection(body, limits: ExpositionLimits(maxLineBytes: 20))?.message
                == "line is 52 bytes long, over the limit of 20 bytes"
        )
        #expect(rejection(body, limits: ExpositionLimits(maxLineBytes: 52)) == nil)
    }

    @Test func nodeExporterCaptureParses() throws {
        let capture = try [UInt8](
            contentsOf: repositoryRoot.appendingPathComponent("sample-metrics/node_exporter.prom")
        )
        let parsed = try samples(capture)
        #expect(parsed.count == 507)
        #expect(parsed.contains { $0.name == "go_gc_duration_seconds" && $0.labels == ["quantile=0.5"] })
    }
}

extension Array where Element == UInt8 {
    init(contentsOf url: URL) throws {
        self = Array(try Data(contentsOf: url))
    }
}
