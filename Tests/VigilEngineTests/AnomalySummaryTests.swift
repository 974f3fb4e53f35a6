import Testing
import VigilCore

@testable import VigilEngine

/// The sentence an anomaly's evidence gives a person: expected value and range, where the expectation
/// comes from, how far outside in usual spreads, which component and since when.
struct AnomalySummaryTests {
    @Test func aSeasonalDeviationNamesTheTimeOfDayTheRangeAndTheFactor() {
        let summary = AnomalyReport.summary(
            name: "queue_depth",
            observed: 200,
            expected: 100,
            spread: 3,
            basis: .seasonal,
            startedAt: 1_700_096_000,
            ongoing: true,
            rate: false
        )
        #expect(
            summary
                == "queue_depth 200 is 33× the usual spread above the expected 100 for this time of day"
                + " (usual range 91.0 to 109): seasonal deviation since 2023-11-16T00:53:20Z, ongoing"
        )
    }

    @Test func aLastingDeviationIsJudgedAgainstItsBaselineAndNamedForWhatFoundIt() {
        let summary = AnomalyReport.summary(
            name: "queue_depth",
            observed: 109,
            expected: 100,
            spread: 2,
            basis: [.seasonal, .sustained],
            startedAt: 1_700_096_000,
            ongoing: true,
            rate: false
        )
        #expect(
            summary
                == "queue_depth 109 is 4.5× the usual spread above the expected 100 for this time of day"
                + " (usual range 94.0 to 106): sustained deviation since 2023-11-16T00:53:20Z, ongoing"
        )
    }

    @Test func aDipOfARateAgainstTheRecentLevelSaysBelow() {
        let summary = AnomalyReport.summary(
            name: "http_requests_total",
            observed: 4,
            expected: 10,
            spread: 1.875,
            basis: .level,
            startedAt: 1_700_096_000,
            ongoing: false,
            rate: true
        )
        #expect(
            summary
                == "the rate of http_requests_total 4.0 is 3.2× the usual spread below the expected 10.0 from the"
                + " recent level (usual range 4.38 to 15.63): level shift since 2023-11-16T00:53:20Z, ended"
        )
    }

    @Test(arguments: [
        // (spreads, printed): one decimal below 10, whole from 10, capped where a floored spread on a flat
        // series makes the figure meaningless, and never a NaN.
        (3.24, "3.2×"), (-3.24, "3.2×"), (12.6, "13×"), (999.4, "999×"), (1e12, "over 1000×"),
        (Double.infinity, "over 1000×"), (Double.nan, "over 1000×"),
    ])
    func theFactorReadsAsAMultiple(spreads: Double, printed: String) {
        #expect(AnomalyReport.factor(spreads) == printed)
    }

    @Test func aSpikeIsMeasuredFromThePreviousSample() {
        let summary = AnomalyReport.summary(
            name: "x",
            observed: 160,
            expected: 100,
            spread: 2,
            basis: .spike,
            startedAt: 0,
            ongoing: true,
            rate: false
        )
        #expect(
            summary.contains(
                "30× the usual spread above the expected 100 after the usual step from the previous sample"
            )
        )
        #expect(summary.hasSuffix(": spike since 1970-01-01T00:00:00Z, ongoing"))
    }
}
