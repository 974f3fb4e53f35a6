import Foundation
import Testing

@testable import VigilCore

/// Settings paced once for a spacing and kept (as the store keeps them for a scrape's batch) score
/// exactly as settings paced afresh for every sample.
struct PacedSettingsTests {
    /// A noisy daily cycle with a level shift, at the given spacings in turn (gaps, jitter, a repeated
    /// timestamp), from `start`.
    func series(spacings: [Double], start: Double, count: Int) -> [(time: Double, value: Double)] {
        var random: UInt64 = 0x2545_F491_4F6C_DD1D
        var time = start
        return (0..<count).map { index in
            time += spacings[index % spacings.count]
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = Double(random >> 11) / Double(1 << 53) - 0.5
            let shift = index > count * 3 / 4 ? 30.0 : 0
            return (time, 100 + 20 * sin(2 * .pi * time / 86_400) + 4 * noise + shift)
        }
    }

    @Test func keptSettingsScoreAsFreshOnes() {
        let parameters = EnsembleParameters()
        var fresh = EnsembleDetector(parameters: parameters)
        var kept = EnsembleDetector(parameters: parameters)
        var paced = PacedSettings()
        var alarms = 0
        for sample in series(
            spacings: [15, 15, 15, 30, 15, 0, 600, 15, 14.9, 300],
            start: 1_700_000_000,
            count: 60_000
        ) {
            let expected = fresh.observe(sample.value, at: sample.time, parameters: parameters)
            let output = kept.observe(sample.value, at: sample.time, parameters: parameters, paced: &paced)
            #expect(output == expected)
            if expected.score >= EnsembleDetector.alarmThreshold { alarms += 1 }
        }
        #expect(kept == fresh)
        // The series exercises the scoring past warm-up, not only learning.
        #expect(alarms > 0)
    }

    @Test func seriesAtDifferentSpacingsCanShareOne() {
        let parameters = EnsembleParameters()
        let fast = series(spacings: [15], start: 1_700_000_000, count: 20_000)
        let slow = series(spacings: [60, 61], start: 1_700_000_007, count: 20_000)
        var alone = (fast: EnsembleDetector(parameters: parameters), slow: EnsembleDetector(parameters: parameters))
        var shared = alone
        var paced = PacedSettings()
        for (fastSample, slowSample) in zip(fast, slow) {
            let fastExpected = alone.fast.observe(fastSample.value, at: fastSample.time, parameters: parameters)
            let slowExpected = alone.slow.observe(slowSample.value, at: slowSample.time, parameters: parameters)
            #expect(
                shared.fast.observe(fastSample.value, at: fastSample.time, parameters: parameters, paced: &paced)
                    == fastExpected
            )
            #expect(
                shared.slow.observe(slowSample.value, at: slowSample.time, parameters: parameters, paced: &paced)
                    == slowExpected
            )
        }
        #expect(shared.fast == alone.fast && shared.slow == alone.slow)
    }

    @Test func eachSettingIsPacedFromItsOwn() {
        // Every setting distinct, so a field paced from another setting's value shows.
        var parameters = EnsembleParameters()
        parameters.levelAlpha = 0.011
        parameters.differenceAlpha = 0.012
        parameters.seasonalAlpha = 0.13
        parameters.sustainedAlpha = 0.17
        parameters.peakMemory = 1_900
        parameters.sustainedMemory = 15_000
        parameters.peakFloor = 3.5
        parameters.minimumSamples = 9
        parameters.warmupSamples = 290
        var paced = PacedSettings()
        #expect(paced.pace.isNaN)  // holds nothing yet: no spacing equals it
        let pace = 0.05
        paced.pace(parameters, to: pace)
        #expect(paced.pace == pace)
        #expect(paced.levelAlpha == EnsembleDetector.paced(0.011, pace))
        #expect(paced.differenceAlpha == EnsembleDetector.paced(0.012, pace))
        #expect(paced.seasonalAlpha == EnsembleDetector.paced(0.13, pace))
        #expect(paced.sustainedAlpha == EnsembleDetector.paced(0.17, pace))
        #expect(paced.peakDecay == RecordRatio.decay(1_900, pace))
        #expect(paced.sustainedDecay == RecordRatio.decay(15_000, pace))
        #expect(paced.recordFloor == EnsembleDetector.pacedFloor(3.5, pace))
        #expect(paced.minimumSamples == 180 && paced.spacing == 52_429)
        // At the reference spacing, the settings themselves.
        paced.pace(parameters, to: 1)
        #expect(paced.levelAlpha == 0.011 && paced.peakDecay == 1 - 1 / 1_900.0 && paced.recordFloor == 3.5)
        #expect(paced.minimumSamples == 9 && paced.spacing == 1 << 20)
    }
}

/// The bin lookup's fused remainder finds the bin `fmod` finds.
struct SeasonalPhaseTests {
    func binByFmod(_ timestamp: Double, period: Double, bins: Int) -> Int {
        var phase = fmod(timestamp, period)
        if phase < 0 { phase += period }
        let position = phase / period * Double(bins)
        guard position.isFinite else { return 0 }
        return min(max(Int(position), 0), bins - 1)
    }

    @Test(arguments: [86_400.0, 604_800, 3_600.5, 0.1, 1e-3])
    func theBinIsFmods(period: Double) {
        let profile = SeasonalProfile(binCount: 24)
        var random: UInt64 = 0x9E37_79B9_7F4A_7C15
        var timestamps: [Double] = []
        for _ in 0..<20_000 {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Unix times now, sub-second ones, and negative ones.
            let unit = Double(random >> 11) / Double(1 << 53)
            timestamps.append(unit * 4e9)
            timestamps.append((unit - 0.5) * 1e6)
        }
        // Whole periods and their neighbours, where a rounded quotient is one off, up to and past the
        // quotient of 2⁵² where the lookup turns to fmod.
        for multiple in [1.0, 2, 3, 1_000, 19_675, 19_676, 1e9, 3e14, 0x1p51, 0x1p52 - 1, 0x1p52, 0x1p53, 1e17] {
            let exact = multiple * period
            timestamps += [exact, exact.nextUp, exact.nextDown, -exact, (-exact).nextUp, (-exact).nextDown]
            timestamps += [(exact + period / 24).nextDown, exact + period / 24]
        }
        timestamps += [0, -0.0, 1e300, -1e300, 2e92, .infinity, -.infinity, .nan, 1e12, 1e13, 1e16, 1e18]
        for timestamp in timestamps {
            #expect(
                profile.bin(at: timestamp, period: period) == binByFmod(timestamp, period: period, bins: 24),
                "\(timestamp) in a period of \(period)"
            )
            // Not only the same bin: the same phase (where there is one).
            guard timestamp.isFinite else { continue }
            let remainder = fmod(timestamp, period)
            #expect(
                SeasonalProfile.phase(of: timestamp, in: period) == (remainder < 0 ? remainder + period : remainder),
                "\(timestamp) in a period of \(period)"
            )
        }
    }

    @Test func thePhaseIsExactOnUnixTimes() {
        for timestamp in stride(from: 1_700_000_000.0, to: 1_700_200_000, by: 3.7) {
            let phase = SeasonalProfile.phase(of: timestamp, in: 86_400)
            #expect(phase == fmod(timestamp, 86_400))
        }
    }
}
