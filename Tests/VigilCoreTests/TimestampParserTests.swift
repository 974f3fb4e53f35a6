import Testing

@testable import VigilCore

/// Timestamps of recorded series.
struct TimestampParserTests {
    @Test(arguments: [
        ("2011-07-11 04:00:01", 1_310_356_801.0),
        ("2011-07-11 04:00:01.000000", 1_310_356_801.0),
        ("2014-07-01T00:00:00Z", 1_404_172_800.0),
        ("1970-01-01 00:00:00", 0.0),
        ("2000-02-29 12:00:00.5", 951_825_600.5),
        ("1404172800", 1_404_172_800.0),
        ("1404172800123", 1_404_172_800.123),
    ])
    func parses(_ text: String, _ seconds: Double) {
        #expect(TimestampParser.seconds(Substring(text)) == seconds)
    }

    /// `-inf`, `-nan` and a number past `Double`'s range were read as timestamps (they start like a
    /// negative Unix time) and failed later, far from the line.
    @Test(arguments: [
        "", "2014-13-01 00:00:00", "2014-07-01", "2014-07-01 00:00:00+02:00", "yesterday", "-inf", "-nan",
        "-infinity", "1e400", "-1e400", "-nan(0x1)",
    ])
    func rejects(_ text: String) {
        #expect(TimestampParser.seconds(Substring(text)) == nil)
    }
}

/// Recorded CSV series.
struct RecordedSeriesTests {
    @Test func readsLFAndCRLFAlike() throws {
        for newline in ["\n", "\r\n"] {
            let csv = ["timestamp,value", "2014-07-01 00:00:00,10844", "2014-07-01 00:30:00,8127.5", ""]
                .joined(separator: newline)
            let series = try RecordedSeries(csv: Array(csv.utf8))
            #expect(series.values == [10844, 8127.5])
            #expect(series.timestamps == [1_404_172_800, 1_404_174_600])
            #expect(series.timestampTexts == ["2014-07-01 00:00:00", "2014-07-01 00:30:00"])
        }
    }

    @Test func errorsNameTheLine() {
        #expect(throws: RecordedSeries.ParseError(line: 3, message: "invalid value \"x\"")) {
            _ = try RecordedSeries(csv: Array("timestamp,value\n2014-07-01 00:00:00,1\n2014-07-01 00:05:00,x\n".utf8))
        }
        #expect(
            throws: RecordedSeries.ParseError(line: 1, message: "expected the header \"timestamp,value\", got \"a,b\"")
        ) {
            _ = try RecordedSeries(csv: Array("a,b\n".utf8))
        }
        #expect(throws: RecordedSeries.ParseError(line: 2, message: "invalid timestamp \"-inf\"")) {
            _ = try RecordedSeries(csv: Array("timestamp,value\n-inf,1\n".utf8))
        }
    }
}
