import Testing

@testable import VigilCore

/// Grouping samples into families, for `vigil parse`.
struct MetricFamilyTests {
    @Test func groupsSamplesUnderTheirFamily() throws {
        let body = """
            # HELP rpc_seconds RPC latency.
            # TYPE rpc_seconds summary
            rpc_seconds{quantile="0.5"} 0.2
            rpc_seconds_sum 10
            rpc_seconds_count 40
            # TYPE requests_total counter
            requests_total{code="200"} 7
            stray 1

            """
        let families = try MetricFamily.read(Array(body.utf8), format: .prometheusText)
        #expect(families.map(\.name) == ["rpc_seconds", "requests_total", "stray"])
        #expect(families.map(\.type) == [.summary, .counter, .unknown])
        #expect(families[0].help == "RPC latency.")
        #expect(families[0].samples.map(\.name) == ["rpc_seconds", "rpc_seconds_sum", "rpc_seconds_count"])
        #expect(families[1].samples.first?.labels == [MetricFamily.Label(name: "code", value: "200")])
    }

    @Test func readsOpenMetricsExemplarsAndUnits() throws {
        let body = """
            # TYPE http_seconds histogram
            # UNIT http_seconds seconds
            http_seconds_bucket{le="0.1"} 2 # {trace_id="abc"} 0.05 1700000000.5
            http_seconds_bucket{le="+Inf"} 3
            http_seconds_count 3
            http_seconds_sum 0.4
            # EOF

            """
        let families = try MetricFamily.read(Array(body.utf8), format: .openMetrics)
        #expect(families.count == 1)
        #expect(families[0].unit == "seconds")
        let exemplar = try #require(families[0].samples[0].exemplar)
        #expect(exemplar.labels == [Exemplar.Label(name: "trace_id", value: "abc")])
        #expect(exemplar.value == 0.05)
        #expect(exemplar.timestamp == 1_700_000_000.5)
        #expect(families[0].samples[1].exemplar == nil)
    }

    @Test func openMetricsTimestampsBecomeMilliseconds() throws {
        let parsed = try samples("a 1 1700000000.123\n# EOF\n", .openMetrics)
        #expect(parsed.first?.timestamp == 1_700_000_000_123)
    }
}
