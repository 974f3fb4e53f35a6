import Testing

@testable import VigilCLI

/// Log lines: logfmt that logfmt parsers read back, and JSON objects.
struct LoggingTests {
    @Test func logfmtQuotesOnlyWhatNeedsIt() {
        let line = VigilLogging.logfmt([
            ("level", "info"), ("msg", "checkpoint written"), ("path", "/var/lib/vigil/x"), ("error", "a \"b\"\nc"),
            ("empty", ""),
        ])
        #expect(line == #"level=info msg="checkpoint written" path=/var/lib/vigil/x error="a \"b\"\nc" empty="""#)
    }

    /// A carriage return was written as it was (a terminal showed what followed over the line), and a
    /// tab or another control character unquoted.
    @Test func logfmtEscapesEveryControlCharacter() {
        let line = VigilLogging.logfmt([("error", "a\r\nb"), ("x", "c\td"), ("y", "e\u{1B}[2Kf"), ("z", "ü")])
        #expect(line == #"error="a\r\nb" x="c\td" y="e\u001b[2Kf" z=ü"#)
    }

    @Test func jsonIsOneObjectPerLineInFieldOrder() {
        let line = VigilLogging.json([("ts", "t"), ("msg", "say \"hi\"\n"), ("path", "/var/lib/vigil")])
        #expect(line == #"{"ts":"t","msg":"say \"hi\"\n","path":"/var/lib/vigil"}"#)
    }
}
