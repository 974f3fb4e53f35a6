import Foundation
import Testing

@testable import VigilCore

/// The daily profile is made when a series first varies, and is then the profile it would have learnt
/// from its first sample: a constant series spends no bins, and no score changes.
struct ProfileOnFirstChangeTests {
    let parameters = EnsembleParameters()

    /// A detector whose profile exists from the first sample, as every detector's did before.
    var profiledFromTheStart: EnsembleDetector {
        var detector = EnsembleDetector(parameters: parameters)
        detector.seasonal = SeasonalProfile(period: parameters.seasonalPeriod, binCount: parameters.seasonalBins)
        return detector
    }

    /// `constantDays` of a constant 40, then a daily cycle with noise, then a spike, every `spacing`
    /// seconds from `start`.
    func series(spacing: Double, start: Double, constantDays: Double, days: Double) -> [(Double, Double)] {
        var random: UInt64 = 0x9E37_79B9_7F4A_7C15
        let count = Int(days * 86_400 / spacing)
        return (0..<count).map { index in
            let time = start + Double(index) * spacing
            guard time - start >= constantDays * 86_400 else { return (time, 40) }
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = Double(random >> 11) / Double(1 << 53) - 0.5
            let cycle = 10 * sin(2 * .pi * time / 86_400)
            let spike = index == count - 20 ? 60.0 : 0
            return (time, 50 + cycle + 2 * noise + spike)
        }
    }

    @Test func aConstantSeriesHasNoProfile() {
        var detector = EnsembleDetector(parameters: parameters)
        for index in 0..<(5 * 5_760) {
            #expect(detector.observe(1, at: Double(index) * 15, parameters: parameters).score == 0)
        }
        #expect(detector.seasonal == nil)
        _ = detector.observe(2, at: 5 * 86_400, parameters: parameters)
        #expect(detector.seasonal != nil)
    }

    @Test(arguments: [(300.0, 0.0), (15.0, 0.0), (60.0, 1_700_000_040.0)])
    func aSeriesThatStartsFlatScoresAsIfItsProfileHadBeenThereFromTheStart(spacing: Double, start: Double) {
        var late = EnsembleDetector(parameters: parameters)
        var early = profiledFromTheStart
        var alarms = 0
        for (time, value) in series(spacing: spacing, start: start, constantDays: 2.3, days: 6) {
            let lateOutput = late.observe(value, at: time, parameters: parameters)
            let earlyOutput = early.observe(value, at: time, parameters: parameters)
            if late.seasonal == nil {
                // Flat: both score 0 and expect the constant; one names the level, the other its bin.
                #expect(lateOutput.score == 0 && earlyOutput.score == 0)
                #expect(lateOutput.expected == earlyOutput.expected)
            } else {
                #expect(lateOutput == earlyOutput)
            }
            if lateOutput.score >= EnsembleDetector.alarmThreshold { alarms += 1 }
        }
        #expect(late.seasonal == early.seasonal)
        #expect(late == early)
        #expect(alarms >= 1)  // the spike: the comparison covers a detector that finds something
    }

    @Test func samplesOffTheBinsGridAreCountedToWithinOne() {
        // 70-second samples straddle the hours' edges: each bin's count is its share of the time.
        var late = EnsembleDetector(parameters: parameters)
        var early = profiledFromTheStart
        for (time, value) in series(spacing: 70, start: 13, constantDays: 1.7, days: 1.71) {
            _ = late.observe(value, at: time, parameters: parameters)
            _ = early.observe(value, at: time, parameters: parameters)
        }
        let lateCounts = late.seasonal?.bins.map { Int($0.level.count) } ?? []
        let earlyCounts = early.seasonal?.bins.map { Int($0.level.count) } ?? []
        #expect(lateCounts.count == 24)
        #expect(zip(lateCounts, earlyCounts).allSatisfy { abs($0 - $1) <= 1 })
    }

    @Test func aSeededProfileCountsTheSamplesEachBinSaw() {
        // 2.5 days of 5-minute samples from midnight: 12 a bin a day, so bins of the first half day saw
        // 36 and the rest 24.
        let profile = SeasonalProfile(
            constant: 7,
            samples: 720,
            spacing: 300,
            last: 719 * 300,
            period: 86_400,
            binCount: 24
        )
        #expect(profile.bins.map(\.level.count) == Array(repeating: 36, count: 12) + Array(repeating: 24, count: 12))
        #expect(profile.bins.allSatisfy { $0.level.mean == 7 && $0.level.meanAbsoluteDeviation == 0 })
    }

    @Test func aSeededProfileSurvivesTimestampsThatMakeNoSense() {
        // Repeated or backwards timestamps: every sample counts in the last one's bin.
        for spacing in [0.0, -300, .nan] {
            let profile = SeasonalProfile(
                constant: 3,
                samples: 50,
                spacing: spacing,
                last: 7_200,
                period: 86_400,
                binCount: 24
            )
            #expect(profile.bins.map(\.level.count).reduce(0, +) == 50)
            #expect(profile.bins[2].level.count == 50)
        }
    }
}
