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
                "an exemplar naming a label twice", "a_total 1 # {t=\"1\",t=\"2\"} 1\n# EOF\n", "a_total{} 1.0 -"
            ),
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
            ("a unit another name ends with", "# UNIT a_minutes seconds\na_minutes 1\n# EOF\n", "is not a suffix"),
            ("a value past a Double (Go's ParseFloat)", "a 1e400\n# EOF\n", "out of range"),
            ("an exemplar value past a Double", "a_total 1 # {t=\"1\"} -1e400\n# EOF\n", "out of range"),
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

    /// A unit that ends the name is taken (the name no more than `_` and the unit too), and so is none.
    @Test(arguments: [("a_seconds", "seconds"), ("_seconds", "seconds"), ("a_seconds", "")])
    func aUnitThatEndsTheNameIsRead(_ name: String, _ unit: String) throws {
        let read = try samples("# UNIT \(name) \(unit)\n\(name) 1\n# EOF\n", .openMetrics, reading: .prometheus)
        #expect(read.map(\.description) == ["\(name){} 1.0 -"])
    }

    /// The specification reads an overflowing value as infinite (the reference parser's `float()`).
    @Test func theSpecificationReadsAnOverflowAsInfinite() throws {
        #expect(try samples("a 1e400\n# EOF\n", .openMetrics).first?.value == .infinity)
    }

    /// The conformance suite as Prometheus reads it: every case the specification accepts reads the same
    /// samples and exemplars, and of those it refuses, only the ones listed here — each refused for a rule
    /// across lines or for an exemplar's length, none for the grammar of a line — are read.
    @Test func theConformanceSuiteIsReadAlikeWhereTheSpecificationAcceptsIt() throws {
        let cases = OpenMetricsConformanceTests.cases
        #expect(cases.count >= 141)
        var read: [String] = []
        for testCase in cases {
            let prometheus = try? Self.entries(testCase.input, .prometheus)
            if testCase.shouldParse {
                #expect(prometheus == (try Self.entries(testCase.input, .specification)), "\(testCase.name)")
            } else if prometheus != nil {
                read.append(testCase.name)
            }
        }
        #expect(read == Self.readAsPrometheusReads)
    }

    /// The conformance suite's invalid cases Prometheus's scraper takes: clashing or repeated metadata,
    /// metadata after samples, counter, histogram, info and stateset values, a family's samples and labels
    /// by its type, grouping and ordering, exemplars where the specification allows none or whose labels
    /// are over 128 characters, a unit on a type that has none.
    static let readAsPrometheusReads: [String] = [
        "bad_clashing_names_0",
        "bad_clashing_names_2",
        "bad_counter_values_0",
        "bad_counter_values_10",
        "bad_counter_values_11",
        "bad_counter_values_13",
        "bad_counter_values_14",
        "bad_counter_values_16",
        "bad_counter_values_17",
        "bad_counter_values_19",
        "bad_counter_values_2",
        "bad_counter_values_4",
        "bad_counter_values_5",
        "bad_counter_values_7",
        "bad_counter_values_8",
        "bad_exemplar_complex_chars",
        "bad_exemplars_6",
        "bad_exemplars_on_unallowed_metric_types_1",
        "bad_exemplars_on_unallowed_metric_types_2",
        "bad_exemplars_on_unallowed_samples_1",
        "bad_exemplars_on_unallowed_samples_2",
        "bad_grouping_or_ordering_0",
        "bad_grouping_or_ordering_2",
        "bad_grouping_or_ordering_3",
        "bad_grouping_or_ordering_5",
        "bad_grouping_or_ordering_6",
        "bad_grouping_or_ordering_8",
        "bad_grouping_or_ordering_9",
        "bad_histograms_0",
        "bad_histograms_10",
        "bad_histograms_11",
        "bad_histograms_13",
        "bad_histograms_14",
        "bad_histograms_3",
        "bad_histograms_6",
        "bad_histograms_7",
        "bad_histograms_9",
        "bad_info_and_stateset_values_0",
        "bad_metadata_in_wrong_place_0",
        "bad_metadata_in_wrong_place_2",
        "bad_missing_or_invalid_labels_for_a_type_0",
        "bad_missing_or_invalid_labels_for_a_type_1",
        "bad_missing_or_invalid_labels_for_a_type_3",
        "bad_missing_or_invalid_labels_for_a_type_4",
        "bad_missing_or_invalid_labels_for_a_type_6",
        "bad_missing_or_invalid_labels_for_a_type_7",
        "bad_repeated_metadata_1",
        "bad_stateset_info_values_0",
        "bad_stateset_info_values_1",
        "bad_stateset_info_values_3",
        "bad_unit_7",
    ]

    /// Each sample with its exemplar, as read.
    static func entries(_ bytes: [UInt8], _ reading: OpenMetricsReading) throws(ExpositionError) -> [String] {
        var parser = ExpositionParser(bytes: bytes, format: .openMetrics, reading: reading)
        var out: [String] = []
        while let entry = try parser.next() {
            guard entry == .sample else { continue }
            let labels = parser.labels.map { "\($0.name)=\($0.value)" }.sorted().joined(separator: ",")
            let exemplar = parser.exemplar.map {
                " # \($0.labels.map { "\($0.name)=\($0.value)" }) \($0.value) \($0.timestamp.map { "\($0)" } ?? "-")"
            }
            out.append("\(parser.metricName){\(labels)} \(parser.value) \(parser.timestamp ?? -1)\(exemplar ?? "")")
        }
        return out
    }
}
