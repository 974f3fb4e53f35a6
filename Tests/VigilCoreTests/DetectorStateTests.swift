import Foundation
import Testing

@testable import VigilCore

/// Detector state: small, serialisable, and resumable.
struct DetectorStateTests {
    @Test func stateFitsTheBudget() {
        // ≤ 256 bytes per series without seasonality; the daily profile lives in one array of bins.
        #expect(MemoryLayout<EnsembleDetector>.size <= 256)
        let profileBytes = MemoryLayout<SeasonalBin>.stride * EnsembleParameters().seasonalBins
        #expect(MemoryLayout<EnsembleDetector>.size + profileBytes + 32 <= 2048)
    }

    @Test func stateIsTheSizeTheREADMESays() {
        // docs/DETECTION.md ("96 B" a series, "24 × 8 B" more with the daily profile) quotes these.
        #expect(MemoryLayout<EnsembleDetector>.size == 96)
        #expect(MemoryLayout<SeasonalBin>.stride * EnsembleParameters().seasonalBins == 192)
    }

    @Test func checkpointedStateResumesExactly() throws {
        let scenario = Scenario("100x1999 160 100x500", noise: 2, dailyAmplitude: 10)
        let parameters = EnsembleParameters()
        var straight = EnsembleDetector(parameters: parameters)
        var resumed = EnsembleDetector(parameters: parameters)
        var straightScores: [Double] = []
        var resumedScores: [Double] = []
        for (index, sample) in scenario.observed.enumerated() {
            straightScores.append(straight.observe(sample.value, at: sample.timestamp, parameters: parameters).score)
            if index == 1000 {
                // A checkpoint and a restart in the middle of the stream.
                let data = try JSONEncoder().encode(resumed)
                resumed = try JSONDecoder().decode(EnsembleDetector.self, from: data)
            }
            resumedScores.append(resumed.observe(sample.value, at: sample.timestamp, parameters: parameters).score)
        }
        #expect(resumedScores == straightScores)
        #expect(resumed == straight)
    }

    @Test func scoresAreDeterministicAndInRange() {
        let scenario = Scenario("100x500 300 100x500 0x20 100x500", noise: 3)
        let first = scenario.run().map(\.output.score)
        let second = scenario.run().map(\.output.score)
        #expect(first == second)
        #expect(first.allSatisfy { $0 >= 0 && $0 <= 1 && $0.isFinite })
    }

    @Test func nonFiniteInputsNeverPoisonTheState() {
        var detector = EnsembleDetector(parameters: EnsembleParameters())
        let parameters = EnsembleParameters()
        // 2,000 minutes: past the warm-up's 25 hours.
        for index in 0..<2000 {
            _ = detector.observe(100 + Double(index % 7), at: Double(index) * 60, parameters: parameters)
        }
        let before = detector
        for poison in [Double.infinity, -.infinity, .nan, StalenessMarker.value] {
            #expect(detector.observe(poison, at: 120_000, parameters: parameters).score == 0)
        }
        #expect(detector == before)
        // Still sharp afterwards: a real spike is found.
        #expect(detector.observe(160, at: 120_060, parameters: parameters).score >= EnsembleDetector.alarmThreshold)
    }

    @Test func finiteExtremesWhoseDifferencesOverflowNeverPoisonTheState() {
        // ±1.7e308 are finite, but one less the other is not: a step, and a young level's residual,
        // would be infinite, the next update's NaN, and the series blind for good.
        let parameters = EnsembleParameters()
        var detector = EnsembleDetector(parameters: parameters)
        for index in 0..<400 {
            let value = index < 40 ? (index.isMultiple(of: 2) ? 1.7e308 : -1.7e308) : 100 + Double(index % 7)
            let output = detector.observe(value, at: Double(index) * 300, parameters: parameters)
            #expect(output.score.isFinite && output.expected.isFinite, "sample \(index)")
        }
        #expect(detector.level.mean.isFinite && detector.level.meanAbsoluteDeviation.isFinite)
        #expect(detector.difference.mean.isFinite && detector.difference.meanAbsoluteDeviation.isFinite)
        #expect(detector.seasonal?.bins.allSatisfy { $0.level.mean.isFinite } ?? true)
    }

    @Test func recordRatioScoresAgainstTheRecentPeak() {
        var stage = RecordRatio()
        for _ in 0..<10 { _ = stage.update(2, decay: 1 - 1.0 / 100, floor: 1, warmup: 5) }
        #expect(stage.update(2, decay: 1 - 1.0 / 100, floor: 1, warmup: 5) < 0.26)  // no new record
        #expect(stage.update(8, decay: 1 - 1.0 / 100, floor: 1, warmup: 5) == 1)  // four times the record
        #expect(stage.update(8, decay: 1 - 1.0 / 100, floor: 1, warmup: 5) < 0.26)  // the record is now 8
    }

    /// A pace, and how far the narrowed record's decay rate may stray from a full-width one's there: its
    /// decay a sample is a few units in a `Float`'s last place at the smallest pace, hundreds at 15 s.
    @Test(arguments: [(1e-3, 0.15), (1.0 / 300, 0.05), (1.0 / 20, 0.01), (1, 0.001)])
    func theNarrowedRecordKeepsDecayingAtEveryPace(_ pace: Double, _ tolerance: Double) {
        // The record is a `Float`: a decay smaller than half its rounding step would stall it for good.
        // At the smallest pace the default memory's decay is the smallest; the record must still fall
        // every sample, at about the rate a full-width record falls.
        let decay = RecordRatio.decay(EnsembleParameters().peakMemory, pace)
        var stage = RecordRatio()
        _ = stage.update(7.3, decay: decay, floor: 1, warmup: 0)
        var wide = 7.3
        for _ in 0..<10_000 {
            let before = stage.peak
            _ = stage.update(0, decay: decay, floor: 1, warmup: 0)
            wide *= decay
            #expect(stage.peak < before)
        }
        let rate = Foundation.log(stage.peak / 7.3) / Foundation.log(wide / 7.3)
        #expect(abs(rate - 1) < tolerance)
    }

    @Test func settingsAnOlderCheckpointDidNotKnowKeepTheirDefault() throws {
        var parameters = EnsembleParameters()
        parameters.peakMemory = 1234
        var json = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(parameters)) as? [String: Any]
        )
        #expect(json.removeValue(forKey: "alarmHold") != nil)
        let older = try JSONSerialization.data(withJSONObject: json)
        let decoded = try JSONDecoder().decode(EnsembleParameters.self, from: older)
        #expect(decoded == parameters)
        #expect(try JSONDecoder().decode(EnsembleParameters.self, from: JSONEncoder().encode(parameters)) == parameters)
        // A value of the wrong type is still an error, not a silent default.
        json["peakMemory"] = "many"
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(EnsembleParameters.self, from: JSONSerialization.data(withJSONObject: json))
        }
    }

    @Test func recordRatioHoldsItsPeaceAfterAnAlarmButKeepsLearning() {
        var stage = RecordRatio()
        func update(_ evidence: Double) -> Double {
            stage.update(evidence, decay: 1 - 1.0 / 100, floor: 1, warmup: 5, alarm: 0.3, hold: 3)
        }
        for _ in 0..<10 { _ = update(2) }
        #expect(update(8) == 1)  // an alarm: the next 3 samples are held
        #expect(update(40) == 0)  // a record, held quiet, still raises the peak
        #expect(update(2) == 0)
        #expect(update(2) == 0)
        #expect(update(40) < 0.26)  // free again, and 40 is no new record
        #expect(update(200) == 1)
    }
}

/// Regressions found by the fuzzer.
struct DetectorFuzzRegressionTests {
    @Test(arguments: [2e92, -1e300, 1e308, -86_400.5, 0, .infinity, -.infinity, .nan])
    func anyTimestampMapsToASeasonalBin(_ timestamp: Double) {
        // Fuzz/regressions/huge-unix-timestamp.csv: a 96-digit Unix timestamp crashed the bin lookup.
        let profile = SeasonalProfile()
        let bin = profile.bin(at: timestamp, period: 86_400)
        #expect(bin >= 0 && bin < profile.bins.count)
        var detector = EnsembleDetector(parameters: EnsembleParameters())
        for offset in 0..<20 {
            let score = detector.observe(
                Double(offset % 3),
                at: timestamp + Double(offset),
                parameters: EnsembleParameters()
            ).score
            #expect(score >= 0 && score <= 1)
        }
    }

    @Test func theFuzzedFileReadsAndScores() throws {
        let file = repositoryRoot.appendingPathComponent("Fuzz/regressions/huge-unix-timestamp.csv")
        let series = try RecordedSeries(csv: [UInt8](contentsOf: file))
        #expect(series.values == [-1000])
        var detector = EnsembleDetector(parameters: EnsembleParameters())
        #expect(
            detector.observe(series.values[0], at: series.timestamps[0], parameters: EnsembleParameters()).score == 0
        )
    }
}
