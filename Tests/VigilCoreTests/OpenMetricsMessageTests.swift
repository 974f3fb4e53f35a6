import Testing

@testable import VigilCore

/// The errors an OpenMetrics author reads, pinned exactly.
struct OpenMetricsMessageTests {
    static let cases: [(String, String, String)] = [
        (
            "# TYPE jobs counter\njobs 1\n# EOF\n",
            "2:1: sample \"jobs\" does not fit counter \"jobs\", whose samples are named jobs_total, jobs_created",
            "a counter sample needs _total"
        ),
        ("a 1\n", "2:1: missing \"# EOF\" at the end of the exposition", "EOF is mandatory"),
        ("a 1\n# EOF\n\n", "3:1: unexpected text after \"# EOF\": \"\"", "nothing after EOF, not even a blank line"),
        ("a  1\n# EOF\n", "1:3: expected value after a single space, got another space", "single spaces only"),
        ("a{b=\"1\",} 1\n# EOF\n", "1:9: expected label name, got \"}\"", "no trailing comma in OpenMetrics"),
        (
            "a 1\nb 1\na 1\n# EOF\n", "3:1: clashing name \"a\": a metric family may appear only once",
            "families are not interleaved"
        ),
        (
            "# TYPE a histogram\na_bucket{le=\"inf\"} 1\n# EOF\n",
            "2:14: le label value \"inf\" must be written +Inf or -Inf", "infinite bounds are spelt canonically"
        ),
        (
            "# TYPE a gauge\n# UNIT a seconds\n# EOF\n",
            "3:1: unit \"seconds\" is not a suffix of the metric name \"a\"", "unit must suffix the name"
        ),
        (
            "foo{__name__=\"bar\"} 1\n# EOF\n",
            "1:5: duplicate label name \"__name__\": the metric name \"foo\" already sets it",
            "the metric name is __name__ already: Prometheus fails the scrape"
        ),
        (
            "a 1 1e999\n# EOF\n", "1:5: timestamp \"1e999\" is out of range",
            "a timestamp that overflows to +Inf is refused, as Prometheus does, not saturated"
        ),
        ("a 1 -1e999\n# EOF\n", "1:5: timestamp \"-1e999\" is out of range", "nor one that overflows to -Inf"),
        ("a 1 NaN\n# EOF\n", "1:5: invalid timestamp \"NaN\"", "a timestamp is a real number, never NaN"),
        (
            "# TYPE a counter\na_total 1 # {t=\"x\"} 1 1e999\n# EOF\n",
            "2:23: timestamp \"1e999\" is out of range", "an exemplar timestamp may not overflow either"
        ),
        (
            "# TYPE a counter\na_total 1 # {t=\"x\"} 1 -Inf\n# EOF\n",
            "2:23: invalid timestamp \"-Inf\"", "nor be written as an infinity"
        ),
    ]

    @Test func aClashNamesTheFirstClashingNameInTheTypesSuffixOrderEveryTime() {
        // Found by the fuzzer: the names were checked in a Set's order, which differs between parses.
        let body =
            "foo_count 1\nfoo_sum 2\n# TYPE foo histogram\nfoo_bucket{le=\"+Inf\"} 1\nfoo_count 1\nfoo_sum 1\n# EOF\n"
        let messages = (0..<30).map { _ in rejection(body, .openMetrics)?.message }
        #expect(messages.allSatisfy { $0 == "clashing name \"foo_count\": a metric family may appear only once" })
    }

    @Test func aHistogramMayCarryManyPointsInTime() {
        // A recorded scenario's histograms: one group, point after point. The set of series seen in a
        // group outlived the first point, so the second point's +Inf bucket read as a repeat and the third
        // point's start reported "no +Inf bucket".
        let point = { (t: Int, n: Int) in
            "h_bucket{le=\"1.0\"} \(n) \(t)\nh_bucket{le=\"+Inf\"} \(n + 1) \(t)\nh_count \(n + 1) \(t)\nh_sum 3 \(t)\n"
        }
        let body = "# TYPE h histogram\n" + (1...4).map { point(100 + 30 * $0, $0) }.joined() + "# EOF\n"
        #expect(rejection(body, .openMetrics) == nil)
        // Still refused: the same point given twice with a different +Inf bucket is not a new point.
        let repeated = "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1 100\nh_count 2 100\nh_sum 1 100\n# EOF\n"
        #expect(rejection(repeated, .openMetrics) != nil)
    }

    /// A second `next()` after an error trapped on a force unwrap: the family validator was still out of
    /// the parser. Every call after an error throws that error again, at the end of the body too.
    @Test(arguments: cases.indices)
    func anErrorIsSticky(_ index: Int) throws {
        let (body, _, _) = Self.cases[index]
        var parser = ExpositionParser(bytes: Array(body.utf8), format: .openMetrics)
        var first: ExpositionError?
        do {
            while try parser.next() != nil {}
        } catch {
            first = error
        }
        let error = try #require(first)
        for _ in 0..<3 {
            #expect(throws: error) { try parser.next() }
        }
    }

    /// The crash itself: the validator's error on line 2 left it out of the parser, and the sample on
    /// line 3 unwrapped it.
    @Test func aSampleAfterAnErrorDoesNotTrap() {
        var parser = ExpositionParser(
            bytes: Array("# TYPE jobs counter\njobs 1\njobs_total 2\n# EOF\n".utf8),
            format: .openMetrics
        )
        let expected = ExpositionError(
            line: 2,
            column: 1,
            message: "sample \"jobs\" does not fit counter \"jobs\", whose samples are named jobs_total, jobs_created"
        )
        #expect(throws: Never.self) { try parser.next() }
        #expect(throws: expected) { try parser.next() }
        #expect(throws: expected) { try parser.next() }
    }

    @Test(arguments: cases.indices)
    func reports(_ index: Int) {
        let (body, message, why) = Self.cases[index]
        #expect(rejection(body, .openMetrics)?.description == message, "\(why)")
    }
}
