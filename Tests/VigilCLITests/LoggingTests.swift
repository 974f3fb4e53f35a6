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

    @Test func jsonIsOneObjectPerLineInFieldOrder() {
        let line = VigilLogging.json([("ts", "t"), ("msg", "say \"hi\"\n")])
        #expect(line == #"{"ts":"t","msg":"say \"hi\"\n"}"#)
    }
}
