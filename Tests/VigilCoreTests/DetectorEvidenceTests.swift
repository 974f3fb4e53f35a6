import Foundation
import Testing

@testable import VigilCore

/// The evidence behind an alarm, on constructed series whose truth is known: what was expected at that
/// time of day, how wide the usual range is, how far outside the sample was, since when, and which
/// component's expectation that was.
struct DetectorEvidenceTests {
    /// The daily cycle the scenarios add: 100 + 50·sin(time of day).
    static func daily(at timestamp: Double) -> Double {
        100 + 50 * sin(2 * .pi * timestamp.truncatingRemainder(dividingBy: 86_400) / 86_400)
    }

    @Test func aSeasonalDeviationSaysWhatThisTimeOfDayUsuallyLooksLike() throws {
        // Ten days of a ±50 daily cycle with noise 2, then 4 samples 60 above it.
        let scenario = Scenario("100x2999 160x3 100x100", noise: 2, dailyAmplitude: 50)
        let outputs = scenario.run()
        let onset = scenario.samples[3000].timestamp
        let alarm = try #require(outputs.first { $0.index == 3000 }?.output)
        #expect(alarm.score >= EnsembleDetector.alarmThreshold)
        #expect(alarm.basis == .seasonal)
        #expect(alarm.fired.contains(.seasonal))
        // Expected: what this hour of the day usually is — the cycle, not the daily mean of 100 — and
        // the usual range holds the cycle's value but not the shifted sample.
        let truth = Self.daily(at: onset)
        #expect(abs(truth - 100) > 20)
        #expect(abs(alarm.expected - truth) < 10)
        #expect(alarm.expectedRange.contains(truth))
        #expect(!alarm.expectedRange.contains(alarm.observed))
        // The hour's spread is the noise plus the cycle's slope within the hour (±6.5 at most): a few units.
        #expect(alarm.spread > 1 && alarm.spread < 8)
        // How far outside, in usual spreads, is exactly what the numbers say.
        #expect(alarm.deviation == (alarm.observed - alarm.expected) / alarm.spread)
        #expect(alarm.deviation > 7)
        #expect(alarm.since == onset)
        // While the shift lasts, "since" stays at its first sample.
        let next = try #require(outputs.first { $0.index == 3002 }?.output)
        #expect(next.since == onset)
    }

    @Test func aLevelShiftIsJudgedAgainstTheRecentLevel() throws {
        let scenario = Scenario("100x1999 130x10", noise: 2)
        let alarm = try #require(scenario.run(.only(.level)).first { $0.index == 2000 }?.output)
        #expect(alarm.basis == .level)
        #expect(alarm.fired == .level)
        #expect(abs(alarm.expected - 100) < 1)
        // Gaussian noise of σ 2: the robust spread estimates it.
        #expect(alarm.spread > 1.5 && alarm.spread < 2.5)
        #expect(alarm.deviation > 11 && alarm.deviation < 20)
        #expect(alarm.since == scenario.samples[2000].timestamp)
    }

    @Test func aSpikeIsJudgedAgainstTheUsualStepFromThePreviousSample() throws {
        let scenario = Scenario("100x1999 160 100x10", noise: 2)
        let outputs = scenario.run(.only(.spike))
        let alarm = try #require(outputs.first { $0.index == 2000 }?.output)
        let previous = try #require(scenario.samples[1999].value)
        #expect(alarm.basis == .spike)
        #expect(alarm.fired.contains(.spike))
        // Expected: the previous sample plus the usual step (about 0); the spread: the step's (σ 2√2).
        #expect(abs(alarm.expected - previous) < 1)
        #expect(alarm.spread > 2 && alarm.spread < 4)
        #expect(alarm.deviation == (alarm.observed - alarm.expected) / alarm.spread)
    }

    @Test func aComponentThatWeighsNothingIsReportedButIsNotTheBasis() throws {
        // By default spikes weigh 0: the spike fires, the seasonal baseline set the score.
        let outputs = Scenario("100x1999 160 100x10", noise: 2).run()
        let alarm = try #require(outputs.first { $0.index == 2000 }?.output)
        #expect(alarm.fired.contains(.spike))
        #expect(alarm.basis == .seasonal)
        #expect(abs(alarm.expected - 100) < 3)
    }

    @Test func componentsHavePlainNames() {
        #expect(DetectorComponents.seasonal.plainNames == ["seasonal deviation"])
        #expect(
            DetectorComponents([.level, .changePoint, .spike]).plainNames == ["level shift", "change point", "spike"]
        )
    }
}
