import Testing
import VigilHistory

struct RangeQueryPlanTests {
    /// An hour at 15 s is 241 points: one request per selector, the step kept.
    @Test func aShortRangeIsOneRequestPerSelector() {
        let plan = RangeQueryPlan(selectors: ["a", "b"], start: 0, end: 3600, step: 15)
        #expect(plan.step == 15)
        #expect(plan.queries.map(\.selector) == ["a", "b"])
        #expect(plan.queries.allSatisfy { $0.start == 0 && $0.end == 3600 && $0.points == 241 })
    }

    /// Six hours at 15 s (1,441 points) in windows of at most 720: three of 481, 481 and 479, not two
    /// full ones and a last of one point.
    @Test func windowsAreEven() {
        let plan = RangeQueryPlan(selectors: ["a"], start: 0, end: 6 * 3600, step: 15)
        #expect(plan.queries.map(\.points) == [481, 481, 479])
        #expect(plan.queries.map(\.start) == [0, 7215, 14430])
        #expect(plan.queries.last?.end == 21_600)
    }

    /// Thirty days at 15 s would be 172,801 points: the step is raised so no series needs more than
    /// Prometheus's 11,000, and no request asks for more.
    @Test func theStepIsClampedToElevenThousandPoints() {
        let plan = RangeQueryPlan(selectors: ["a"], start: 0, end: 30 * 86_400, step: 15, pointsPerQuery: 20_000)
        #expect(plan.step == 236)  // ⌈2,592,000 / 11,000⌉
        #expect(30 * 86_400 / plan.step <= 11_000)
        #expect(plan.queries.allSatisfy { $0.points <= RangeQueryPlan.prometheusMaximumPoints })
    }

    /// Long ranges are cut into windows on one grid: contiguous, not overlapping, covering the end.
    @Test func windowsTileTheRangeOnOneGrid() {
        let plan = RangeQueryPlan(selectors: ["a"], start: 100, end: 100 + 10 * 3600, step: 30, pointsPerQuery: 500)
        let windows = plan.queries
        #expect(windows.count == 3)  // 1,201 points in windows of at most 500: 401, 401, 399
        #expect(windows.allSatisfy { $0.points <= 500 })
        #expect(windows.first?.start == 100)
        #expect(windows.last?.end == 36_100, "\(windows)")
        for (earlier, later) in zip(windows, windows.dropFirst()) {
            #expect(later.start == earlier.end + 30)
        }
        #expect(windows.reduce(0) { $0 + $1.points } == 1_201)
    }

    @Test func aRangeShorterThanOneStepIsOnePoint() {
        let plan = RangeQueryPlan(selectors: ["a"], start: 10, end: 12, step: 15)
        #expect(plan.queries.map(\.points) == [1])
    }
}
