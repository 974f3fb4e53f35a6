import Testing
import VigilCore

/// The next scrape of a synthetic target: every value changed, nothing else.
struct SyntheticExpositionVariationTests {
    @Test func everyValueChangesAndNothingElse() {
        let body = """
            # HELP up Whether the target is up.
            # TYPE up gauge
            up 1
            queue{name="a b",path="}"} 2.5 1700000000000
            broken{x="y"} not-a-number

            """
        #expect(
            String(decoding: SyntheticExposition.everyValuePlusOne(Array(body.utf8)), as: UTF8.self) == """
                # HELP up Whether the target is up.
                # TYPE up gauge
                up 2.0
                queue{name="a b",path="}"} 3.5 1700000000000
                broken{x="y"} not-a-number

                """
        )
    }

    @Test func aGeneratedTargetParsesToTheSameSeriesWithOtherValues() throws {
        let body = SyntheticExposition.generate(.kubeStateMetrics, samples: 500)
        let first = try MetricFamily.read(body, format: .prometheusText).flatMap(\.samples)
        let next = try MetricFamily.read(SyntheticExposition.everyValuePlusOne(body), format: .prometheusText)
            .flatMap(\.samples)
        #expect(first.count == next.count && first.count > 400)
        #expect(
            zip(first, next).allSatisfy { $0.name == $1.name && $0.labels == $1.labels && $1.value == $0.value + 1 }
        )
    }
}
