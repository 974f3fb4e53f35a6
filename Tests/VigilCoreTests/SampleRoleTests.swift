import Testing

@testable import VigilCore

/// A sample's role comes from its own family's `# TYPE`: the last one where it claims the sample, else
/// the one the body declared elsewhere (families interleaved), else none (untyped).
struct SampleRoleTests {
    /// Each sample of `body` as `series role`, parsed with a cache as scrapes parse.
    static func roles(
        _ body: String,
        _ format: ExpositionFormat = .prometheusText,
        reading: OpenMetricsReading = .specification,
        cache: SeriesCache = SeriesCache()
    ) throws -> [String] {
        var parser = ExpositionParser(bytes: Array(body.utf8), format: format, reading: reading, cache: cache)
        var roles: [String] = []
        while let entry = try parser.next() {
            guard entry == .sample, let series = parser.seriesRef else { continue }
            roles.append("\(LabelSet.description(of: cache.labels(of: series) ?? [])) \(parser.sampleRole)")
        }
        return roles
    }

    @Test func aFamilysSamplesAfterAnotherFamilysTypeKeepTheirOwnType() throws {
        let body = """
            # TYPE requests counter
            requests_total{code="200"} 1
            # TYPE temperature gauge
            temperature 20
            requests_total{code="500"} 1
            # TYPE latency histogram
            latency_bucket{le="+Inf"} 1
            requests_created 1700000000
            latency_count 1
            temperature_total 3
            requests_in_flight 2

            """
        #expect(
            try Self.roles(body) == [
                "requests_total{code=\"200\"} cumulative",
                "temperature gauge",
                "requests_total{code=\"500\"} cumulative",
                "latency_bucket{le=\"+Inf\"} skipped",
                "requests_created skipped",
                "latency_count cumulative",
                // A gauge has no _total, and a counter named like it was not declared: untyped.
                "temperature_total gauge",
                // No family claims it (a counter has no _in_flight): untyped, as before.
                "requests_in_flight gauge",
            ]
        )
    }

    @Test func typeLinesAheadOfTheirSamplesAreEachTheirFamilys() throws {
        let body = "# TYPE a counter\n# TYPE b summary\n# TYPE c_total counter\na_total 1\nb 2\nb_sum 3\nc_total 4\n"
        #expect(try Self.roles(body) == ["a_total cumulative", "b skipped", "b_sum cumulative", "c_total cumulative"])
    }

    @Test func aFamilyNamedAsAnothersSampleIsItsOwn() throws {
        // A clash both formats forbid, read one way: where the last TYPE does not claim the sample, a family
        // of its own name before one it would be a suffix of.
        let body = "# TYPE x_count gauge\n# TYPE x histogram\n# TYPE y gauge\nx_count 1\nx_sum 2\n"
        #expect(try Self.roles(body) == ["x_count gauge", "x_sum cumulative"])
    }

    @Test func openMetricsAsPrometheusReadsItTakesInterleavedFamilies() throws {
        let body = """
            # TYPE jobs counter
            # TYPE queue gaugehistogram
            queue_bucket{le="+Inf"} 4
            jobs_total 7
            queue_gcount 4
            # TYPE build info
            jobs_created 1700000000
            build_info{version="1"} 1
            # EOF

            """
        #expect(
            try Self.roles(body, .openMetrics, reading: .prometheus) == [
                "queue_bucket{le=\"+Inf\"} skipped",
                "jobs_total cumulative",
                "queue_gcount gauge",
                "jobs_created skipped",
                "build_info{version=\"1\"} gauge",
            ]
        )
    }

    @Test func openMetricsFamiliesOfEveryShapeInterleaved() throws {
        let body = """
            # TYPE jobs counter
            # TYPE rpc summary
            # TYPE queue gaugehistogram
            # TYPE up gauge
            up 1
            jobs 3
            rpc_created 1700000000
            rpc 0.5
            queue_gsum 12
            # EOF

            """
        #expect(
            try Self.roles(body, .openMetrics, reading: .prometheus) == [
                "up gauge", "jobs cumulative", "rpc_created skipped", "rpc skipped", "queue_gsum gauge",
            ]
        )
    }

    @Test func aTypeLineAfterItsFamilysFirstSampleComesTooLateForIt() throws {
        // Both formats forbid it; the series seen before the TYPE stays untyped, the later one is typed.
        let body = "jobs_total 1\n# TYPE jobs counter\njobs_total{x=\"1\"} 2\n"
        #expect(try Self.roles(body) == ["jobs_total gauge", "jobs_total{x=\"1\"} cumulative"])
    }

    @Test func aBodyOverTheLimitOfFamiliesRemembersTheFirst() throws {
        let limit = DeclaredFamilies.limit
        let types = (0...limit).map { "# TYPE f\($0) counter\n" }.joined()
        let body = types + "# TYPE last gauge\nf0_total 1\nf\(limit)_total 2\n"
        #expect(try Self.roles(body) == ["f0_total cumulative", "f\(limit)_total gauge"])
    }

    @Test func aHugeBodysTableIsGivenBackOnceBodiesAreSmallAgain() {
        var families = DeclaredFamilies()
        func declare(_ count: Int) {
            for index in 0..<count {
                Array("f\(index)".utf8).withUnsafeBufferPointer { families.declare(.gauge, family: $0) }
            }
        }
        declare(DeclaredFamilies.limit)
        families.removeAll()
        let huge = families.capacity
        #expect(huge >= DeclaredFamilies.limit)  // kept for a body as large again
        declare(10)
        families.removeAll()
        #expect(families.capacity < huge / 4)
        #expect(families.count == 0)
    }

    @Test func aBodyKnowsOnlyTheFamiliesItDeclares() throws {
        let cache = SeriesCache()
        _ = try Self.roles("# TYPE a counter\na_total 1\n", cache: cache)
        // The next scrape's body declares no `a`: its new series is untyped, as a body alone says.
        #expect(
            try Self.roles("# TYPE b gauge\nb 1\na_total{x=\"1\"} 2\n", cache: cache) == [
                "b gauge", "a_total{x=\"1\"} gauge",
            ]
        )
    }

    @Test func theTableOfFamiliesStopsAtItsLimit() throws {
        var families = DeclaredFamilies()
        for index in 0...DeclaredFamilies.limit {
            Array("f\(index)".utf8).withUnsafeBufferPointer { families.declare(.counter, family: $0) }
        }
        #expect(families.count == DeclaredFamilies.limit)
        func role(_ name: String) -> SampleRole? {
            Array(name.utf8).withUnsafeBufferPointer { families.role(ofSampleNamed: $0) }
        }
        #expect(role("f0_total") == .cumulative)
        #expect(role("f\(DeclaredFamilies.limit)_total") == nil)
        // A family already remembered still takes its newer TYPE at the limit.
        Array("f0".utf8).withUnsafeBufferPointer { families.declare(.summary, family: $0) }
        #expect(role("f0_total") == nil)
        #expect(role("f0") == .skipped)
    }
}
