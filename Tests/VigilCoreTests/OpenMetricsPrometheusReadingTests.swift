import Foundation
import Testing

@testable import VigilCore

/// OpenMetrics read as Prometheus's scraper reads it (``OpenMetricsReading/prometheus``, what scrapes
/// use): the line grammar and `# EOF`, not the specification's rules across lines.
struct OpenMetricsPrometheusReadingTests {
    /// Bodies Prometheus scrapes that the specification refuses: each is read, its samples as written.
    @Test(
        arguments: [
            ("a trailing comma in a label set", "a_total{x=\"1\",} 1\n# EOF\n", "a_total{x=1} 1.0 -"),
            ("an exemplar on a gauge", "# TYPE g gauge\ng 2 # {trace=\"t\"} 1\n# EOF\n", "g{} 2.0 -"),
            ("a counter without _total", "# TYPE c counter\nc 3\n# EOF\n", "c{} 3.0 -"),
            ("a negative counter", "# TYPE c counter\nc_total -1\n# EOF\n", "c_total{} -1.0 -"),
            ("families interleaved", "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"1\"} 2\n# EOF\n", "a{} 1.0 -"),
            (
                "a histogram with no +Inf bucket", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\n# EOF\n",
                "h_bucket{le=1} 1.0 -"
            ),
            ("two HELP lines", "# HELP a one\n# HELP a two\na 1\n# EOF\n", "a{} 1.0 -"),
            (
                "exemplar labels over 128 characters",
                "a_total 1 # {t=\"\(String(repeating: "x", count: 130))\"} 1\n# EOF\n", "a_total{} 1.0 -"
            ),
        ]
    )
    func whatPrometheusScrapesIsRead(_ why: String, _ body: String, _ first: String) throws {
        #expect(rejection(body, .openMetrics) != nil, "the specification refuses \(why)")
        let read = try samples(body, .openMetrics, reading: .prometheus)
        #expect(read.first?.description == first, "\(why): \(read)")
    }

    /// What Prometheus's OpenMetrics parser refuses too.
    @Test(
        arguments: [
            ("no # EOF", "a 1\n", "missing \"# EOF\""),
            ("text after # EOF", "a 1\n# EOF\nb 1\n", "unexpected text after \"# EOF\""),
            ("a unit that does not end the name", "# UNIT a_bytes seconds\na_bytes 1\n# EOF\n", "is not a suffix"),
            ("a unit that is the whole name", "# UNIT seconds seconds\nseconds 1\n# EOF\n", "is not a suffix"),
            ("a unit without its underscore", "# UNIT aseconds seconds\naseconds 1\n# EOF\n", "is not a suffix"),
            ("an unknown type", "# TYPE a nonsense\na 1\n# EOF\n", "invalid metric type"),
            ("a free comment", "# hello\na 1\n# EOF\n", "OpenMetrics has no free comments"),
            ("a blank line", "a 1\n\n# EOF\n", "blank lines"),
            ("two commas", "a{x=\"1\",,} 1\n# EOF\n", "expected label name"),
            ("a comma alone", "a{,} 1\n# EOF\n", "expected label name"),
        ]
    )
    func whatPrometheusRefusesIsRefused(_ why: String, _ body: String, _ message: String) {
        let error = rejection(body, .openMetrics, reading: .prometheus)
        #expect(error?.message.contains(message) == true, "\(why): \(String(describing: error))")
    }

    /// A unit that ends the name is taken.
    @Test func aUnitThatEndsTheNameIsRead() throws {
        let read = try samples("# UNIT a_seconds seconds\na_seconds 1\n# EOF\n", .openMetrics, reading: .prometheus)
        #expect(read.map(\.description) == ["a_seconds{} 1.0 -"])
    }

    /// Every case of the conformance suite the specification accepts reads the same samples, and every one
    /// it refuses for the grammar alone is refused as Prometheus reads it too.
    @Test func theConformanceSuiteIsReadAlikeWhereTheSpecificationAcceptsIt() throws {
        let cases = OpenMetricsConformanceTests.cases
        #expect(cases.count >= 141)
        for testCase in cases where testCase.shouldParse {
            let strict = try samples(testCase.input, .openMetrics)
            #expect(try samples(testCase.input, .openMetrics, reading: .prometheus) == strict, "\(testCase.name)")
        }
        for name in [
            "bad_missing_or_extra_commas_0", "bad_missing_or_extra_commas_1", "bad_text_after_eof_0", "bad_blank_line",
            "bad_no_eof",
        ] {
            let testCase = try #require(cases.first { $0.name == name }, "\(name)")
            #expect(
                (try? samples(testCase.input, .openMetrics, reading: .prometheus)) == nil,
                "\(name) is read as Prometheus reads it"
            )
        }
    }
}
