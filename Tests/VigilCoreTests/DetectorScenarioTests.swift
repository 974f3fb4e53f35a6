import Testing

@testable import VigilCore

/// Detectors on scenarios written in promtool's notation: each finds its anomaly, and the healthy
/// stretches raise nothing.
struct DetectorScenarioTests {
    @Test func flatSeriesStaysQuietEvenWithATinyWobble() {
        #expect(Scenario("100x3000").alarms().isEmpty)
        // A 0.1 % wobble on a flat series is under the minimum-deviation floor.
        #expect(Scenario("100x1000 100.1x5 100x1000").alarms().isEmpty)
    }

    @Test func noisySeriesStaysQuiet() {
        #expect(Scenario("100x4000", noise: 5).alarms().isEmpty)
    }

    @Test func dailyCycleIsLearntNotReported() {
        // Ten days at 5-minute steps of a ±50 daily swing: after warm-up, the cycle itself is normal.
        #expect(Scenario("100x2880", noise: 2, dailyAmplitude: 50).alarms().isEmpty)
    }

    @Test func aLastingDeviationNoSingleSampleShowsIsFound() {
        // Two hours at 4.5 spreads above normal, while the hour's bin learns the new level: no sample sets
        // a record (a one-sample record needs 4.8 spreads), but their mean does.
        let scenario = Scenario("100x3000 109x24 100x500", noise: 2)
        let alarms = scenario.alarms()
        #expect(alarms.count == 1)
        #expect(alarms.allSatisfy { (3001...3025).contains($0) })
        // Its evidence says so: the hour's baseline, found by the sustained deviation.
        let alarm = scenario.run().first { $0.index == alarms.first }?.output
        #expect(alarm?.basis == [.seasonal, .sustained])
        #expect(alarm?.fired.contains(.sustained) == true)
        var oneSampleOnly = EnsembleParameters()
        oneSampleOnly.sustainedAlpha = 0
        #expect(scenario.alarms(oneSampleOnly).isEmpty)
        // The direction applies to it as to every component.
        var downOnly = EnsembleParameters()
        downOnly.direction = .down
        #expect(scenario.alarms(downOnly).isEmpty)
    }

    @Test func spikeIsFoundWhereItHappens() {
        let alarms = Scenario("100x1999 160 100x1000", noise: 2).alarms()
        #expect(alarms == [2000])
    }

    @Test func dipIsFoundAndDirectionMatters() {
        let scenario = Scenario("100x1999 40 100x1000", noise: 2)
        #expect(scenario.alarms() == [2000])
        var upOnly = EnsembleParameters()
        upOnly.direction = .up
        #expect(scenario.alarms(upOnly).isEmpty)
    }

    @Test func levelShiftIsReportedOnceAtItsStart() {
        let scenario = Scenario("100x1999 130x1000", noise: 2)
        let alarms = scenario.alarms()
        #expect(alarms.first.map { (2000...2003).contains($0) } == true)
        #expect(alarms.count <= 2)
        // While the evidence lasts, it says since when: the first shifted sample.
        let run = scenario.run().filter { $0.index >= 2000 }.prefix { !$0.output.fired.isEmpty }
        #expect(!run.isEmpty)
        #expect(run.allSatisfy { $0.output.since == scenario.samples[2000].timestamp })
    }

    @Test func oneAnomalyRaisesOneAlarmNotASecondOneMinutesLater() {
        // A spike, a bigger one 110 minutes later, and a third 8.5 hours after that.
        let scenario = Scenario("100x1999 160 100x20 200 100x100 260 100x100", noise: 2)
        var noHold = EnsembleParameters()
        noHold.alarmHold = 0
        #expect(scenario.alarms(noHold) == [2000, 2022, 2124])
        // The default holds 4 hours after an alarm: the second spike is the same episode, the third is not.
        #expect(scenario.alarms() == [2000, 2124])
        // Held quiet, the second spike is still evidence: it fired, and says since when.
        let held = try! #require(scenario.run().first { $0.index == 2022 }?.output)
        #expect(held.score == 0)
        #expect(!held.fired.isEmpty && held.since == scenario.samples[2022].timestamp)
    }

    @Test func slowDriftIsCaughtByTheChangePointDetector() {
        // A drift of a third of a spread per hour never makes a single sample stand out.
        let parameters = EnsembleParameters.only(.changePoint)
        let outputs = Scenario("100x1999 100+0.03x600", noise: 1).run(parameters)
        let healthy = outputs.filter { $0.index < 2000 }
        #expect(healthy.allSatisfy { !$0.output.fired.contains(.changePoint) })
        let drift = outputs.filter { $0.index >= 2000 }
        #expect(drift.contains { $0.output.fired.contains(.changePoint) })
    }

    @Test func counterResetIsNoAnomalyOnceTurnedIntoARate() {
        // A counter growing 10/s restarts between samples 1499 and 1500 and has counted 3000 again by
        // the next scrape: the rate stays 10.
        let counter = Scenario("0+3000x1499 3000+3000x1500", step: 300)
        var rate = CounterRate()
        var detector = EnsembleDetector(parameters: EnsembleParameters())
        var scores: [Double] = []
        for (timestamp, value) in counter.observed {
            if let perSecond = rate.update(value, at: timestamp) {
                #expect(perSecond == 10)
                scores.append(detector.observe(perSecond, at: timestamp, parameters: EnsembleParameters()).score)
            }
        }
        #expect(scores.count == counter.observed.count - 1)
        #expect(scores.allSatisfy { $0 < EnsembleDetector.alarmThreshold })
    }

    @Test func gapsRaiseNothing() {
        #expect(Scenario("100x1500 _x30 100x1500 stale 100x500", noise: 2).alarms().isEmpty)
    }

    @Test func evidenceExplainsTheAlarm() throws {
        let outputs = Scenario("100x1999 160 100x10", noise: 2).run()
        let alarm = try #require(outputs.first { $0.index == 2000 }?.output)
        #expect(alarm.expected > 95 && alarm.expected < 105)
        #expect(alarm.observed > 150)
        #expect(!alarm.expectedRange.contains(alarm.observed))
        #expect(alarm.expectedRange.contains(alarm.expected))
        #expect(alarm.deviation > 10)
        #expect(alarm.spread > 0)
        #expect(!alarm.fired.isEmpty)
        #expect(alarm.since == Scenario("100x1999 160").samples[2000].timestamp)
        // The step back down is a spike too; a few samples later all is normal: nothing fired, no "since".
        let after = try #require(outputs.first { $0.index == 2005 }?.output)
        #expect(after.fired.isEmpty && after.since == nil)
        #expect(
            alarm.fired.names.allSatisfy { ["level", "seasonal", "change_point", "spike", "sustained"].contains($0) }
        )
    }
}
