import Testing

@testable import VigilCLI

struct SparklineTests {
    /// Eight points over eight columns: one level each, lowest to highest; the stretch marked.
    @Test func levelsAndMarks() {
        let sparkline = Sparkline(
            times: (0..<8).map(Double.init),
            values: (0..<8).map(Double.init),
            start: 0,
            end: 8,
            width: 8,
            reference: 0,
            stretches: [5...6]
        )
        #expect(sparkline.line == "▁▂▃▄▅▆▇█")
        #expect(sparkline.markers == "     ^^")
        #expect(sparkline.low == 0 && sparkline.high == 7)
    }

    /// Many points per column: the one furthest from the baseline is drawn, so a spike is not averaged away.
    @Test func aSpikeSurvivesDownsampling() {
        var values = [Double](repeating: 1, count: 100)
        values[42] = 9
        let sparkline = Sparkline(
            times: (0..<100).map(Double.init),
            values: values,
            start: 0,
            end: 100,
            width: 10,
            reference: 1,
            stretches: []
        )
        #expect(sparkline.line == "▁▁▁▁█▁▁▁▁▁")
        #expect(sparkline.markers == "")
    }

    /// Gaps stay blank; NaN and infinities are no measurements; a flat line sits at the bottom.
    @Test func gapsAndNonFiniteValues() {
        let sparkline = Sparkline(
            times: [0, 1, 6, 7],
            values: [3, .nan, 3, .infinity],
            start: 0,
            end: 8,
            width: 8,
            reference: 3,
            stretches: []
        )
        #expect(sparkline.line == "▁     ▁ ")
    }
}
