import Testing
import VigilCore

/// The next scrape of a synthetic target: every gauge's value changed, nothing else.
struct SyntheticExpositionVariationTests {
    @Test func everyGaugeChangesAndNothingElse() {
        let body = """
            # HELP up Whether the target is up.
            # TYPE up gauge
            up 1
            queue{name="a b",path="}"} 2.5 1700000000000
            broken{x="y"} not-a-number
            # TYPE restarts counter
            restarts_total{pod="a"} 7
            restarts{pod="b"} 8

            """
        #expect(
            String(decoding: SyntheticExposition.gaugesPlusOne(Array(body.utf8)), as: UTF8.self) == """
                # HELP up Whether the target is up.
                # TYPE up gauge
                up 2.0
                queue{name="a b",path="}"} 3.5 1700000000000
                broken{x="y"} not-a-number
                # TYPE restarts counter
                restarts_total{pod="a"} 7
                restarts{pod="b"} 8

                """
        )
    }

    @Test func aGeneratedTargetParsesToTheSameSeriesWithOtherGaugeValues() throws {
        let body = SyntheticExposition.generate(.kubeStateMetrics, samples: 500)
        let first = try MetricFamily.read(body, format: .prometheusText)
        let next = try MetricFamily.read(SyntheticExposition.gaugesPlusOne(body), format: .prometheusText)
        #expect(first.count == next.count && first.contains { $0.type == .counter })
        for (family, varied) in zip(first, next) {
            let change = family.type == .counter ? 0.0 : 1.0
            #expect(family.samples.count == varied.samples.count && !family.samples.isEmpty)
            #expect(
                zip(family.samples, varied.samples).allSatisfy {
                    $0.name == $1.name && $0.labels == $1.labels && $1.value == $0.value + change
                }
            )
        }
    }
}
