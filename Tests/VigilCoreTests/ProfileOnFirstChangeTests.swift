import Foundation
import Testing

@testable import VigilCore

/// The daily profile is made when a series first varies, and is then the profile it would have learnt
/// from its first sample: a constant series spends no bins, and no score changes.
struct ProfileOnFirstChangeTests {
    let parameters = EnsembleParameters()

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

    @Test(arguments: [
        (300.0, 0.0, 24), (15.0, 0.0, 24), (60.0, 1_700_000_040.0, 24),
        // Off the hours' grid: samples straddle the bins' edges, and 7 bins are no whole number of seconds.
        (300.0, 1_700_000_000.0, 24), (15.0, 1_700_000_005.0, 24), (70.0, 13.0, 24), (300.0, 1_700_000_040.0, 7),
    ])
    func aSeriesThatStartsFlatScoresAsIfItsProfileHadBeenThereFromTheStart(
        spacing: Double,
        start: Double,
        binCount: Int
    ) {
        var parameters = self.parameters
        parameters.seasonalBins = binCount
        var late = EnsembleDetector(parameters: parameters)
        var early = EnsembleDetector(parameters: parameters)
        early.seasonal = SeasonalProfile(binCount: binCount)
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
        // The same profile, but for counts past what changes anything: those were counted back only so far.
        let lateBins = late.seasonal?.bins ?? []
        let earlyBins = early.seasonal?.bins ?? []
        #expect(lateBins.count == binCount && earlyBins.count == binCount)
        for (lateBin, earlyBin) in zip(lateBins, earlyBins) {
            #expect(lateBin.level.mean == earlyBin.level.mean)
            #expect(lateBin.level.meanAbsoluteDeviation == earlyBin.level.meanAbsoluteDeviation)
            #expect(lateBin.level.count <= earlyBin.level.count)
        }
        #expect(late.level == early.level && late.stage == early.stage && late.sustained == early.sustained)
        #expect(alarms >= 1)  // the spike: the comparison covers a detector that finds something
    }

    @Test func aSeededProfileCountsTheSamplesEachBinSaw() {
        // 2.5 days of 5-minute samples from midnight: 12 a bin a day, so bins of the first half day saw
        // 36 and the rest 24.
        let profile = SeasonalProfile(
            constant: 7,
            samples: 720,
            spacing: 300,
            last: 719 * 300,
            enough: 1000,
            period: 86_400,
            binCount: 24
        )
        #expect(profile.bins.map(\.level.count) == Array(repeating: 36, count: 12) + Array(repeating: 24, count: 12))
        #expect(profile.bins.allSatisfy { $0.level.mean == 7 && $0.level.meanAbsoluteDeviation == 0 })
        // Past `enough` a count changes nothing, so a year of samples is counted back only that far.
        let year = SeasonalProfile(
            constant: 7,
            samples: 105_120,
            spacing: 300,
            last: 1_700_000_000,
            enough: 30,
            period: 86_400,
            binCount: 24
        )
        #expect(year.bins.allSatisfy { $0.level.count == 30 })
    }

    @Test func aSeededProfileSurvivesTimestampsThatMakeNoSense() {
        // Repeated or backwards timestamps: every sample counts in the last one's bin.
        for spacing in [0.0, -300, .nan] {
            let profile = SeasonalProfile(
                constant: 3,
                samples: 50,
                spacing: spacing,
                last: 7_200,
                enough: 60,
                period: 86_400,
                binCount: 24
            )
            #expect(profile.bins.map(\.level.count).reduce(0, +) == 50)
            #expect(profile.bins[2].level.count == 50)
        }
    }
}
