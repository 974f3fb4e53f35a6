import Foundation
import Testing

@testable import VigilCore

/// The daily profile's 8-byte bins: the level's arithmetic, narrowed for storage without bias.
struct SeasonalBinTests {
    /// Feeds `samples` noisy values (centre ± `halfWidth`, uniform; ± `halfWidth` / 5 from sample
    /// `calmFrom` on) to a full-width level and to a bin, at the daily profile's smoothing (0.1 per 5
    /// minutes) paced for a scrape every `interval` seconds, and returns both after the last, with
    /// `narrowing` turning each updated level into a bin.
    func learn(
        centre: Double,
        halfWidth: Double,
        samples: Int,
        calmFrom: Int = .max,
        interval: Double = 15,
        narrowing: (RobustLevel, Double, Double) -> SeasonalBin
    ) -> (level: RobustLevel, bin: SeasonalBin) {
        let alpha = EnsembleDetector.paced(0.1, interval / 300)
        var level = RobustLevel()
        var bin = SeasonalBin()
        var random: UInt64 = 0x2545_F491_4F6C_DD1D
        for step in 0..<samples {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let width = step >= calmFrom ? halfWidth / 5 : halfWidth
            let value = centre + width * (Double(random >> 11) / Double(1 << 53) * 2 - 1)
            let timestamp = 1_700_000_000 + Double(step) * interval
            level.update(value, alpha: alpha)
            var widened = bin.level
            widened.update(value, alpha: alpha)
            bin = narrowing(widened, value, timestamp)
        }
        return (level, bin)
    }

    @Test func aBinIsEightBytes() {
        #expect(MemoryLayout<SeasonalBin>.size == 8)
        #expect(MemoryLayout<SeasonalBin>.stride == 8)
    }

    @Test func aLongSeriesLeavesNoBias() {
        // 100,000 samples, 17 days of 15-second scrapes: each update moves the spread by ~0.5 % of a
        // residual, below half a 16-bit step (0.2 %), yet the narrowed spread tracks the full-width one.
        let (level, bin) = learn(centre: 1000, halfWidth: 10, samples: 100_000) { level, value, timestamp in
            SeasonalBin(level, random: SeasonalBin.rounding(value: value, timestamp: timestamp))
        }
        // Uniform ± 10 has a mean absolute deviation of 5.
        #expect(abs(level.meanAbsoluteDeviation - 5) < 0.5)
        #expect(abs(bin.level.meanAbsoluteDeviation / level.meanAbsoluteDeviation - 1) < 0.05)
        #expect(abs(bin.level.mean - level.mean) < 0.01 * level.meanAbsoluteDeviation)
        #expect(bin.level.count == UInt32(UInt16.max))
    }

    @Test func stochasticRoundingIsUnbiasedOnAverage() {
        // Averaged over many updates, the narrowed spread sits on the full-width one: the mean of the
        // ratio over the last 20,000 samples, not just its end point.
        let alpha = EnsembleDetector.paced(0.1, 15.0 / 300)
        var level = RobustLevel()
        var bin = SeasonalBin()
        var ratioSum = 0.0
        var random: UInt64 = 7
        for step in 0..<60_000 {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let value = 50 + 3 * (Double(random >> 11) / Double(1 << 53) * 2 - 1)
            level.update(value, alpha: alpha)
            bin.update(value, alpha: alpha, random: SeasonalBin.rounding(value: value, timestamp: Double(step)))
            if step >= 40_000 { ratioSum += bin.level.meanAbsoluteDeviation / level.meanAbsoluteDeviation }
        }
        #expect(abs(ratioSum / 20_000 - 1) < 0.01)
    }

    @Test func roundingToNearestWouldStickTheSpread() {
        // The reason for stochastic rounding. At a 5-second scrape a spread moves by under half a 16-bit
        // step per sample: narrowed to the nearest step, it stays at the 5 it learnt while young when the
        // noise calms to a spread of 1; rounded stochastically, it follows the full-width level down.
        let nearest = learn(centre: 1000, halfWidth: 10, samples: 40_000, calmFrom: 20_000, interval: 5) {
            level,
            _,
            _ in SeasonalBin(nearest: level)
        }
        let stochastic = learn(centre: 1000, halfWidth: 10, samples: 40_000, calmFrom: 20_000, interval: 5) {
            level,
            value,
            timestamp in
            SeasonalBin(level, random: SeasonalBin.rounding(value: value, timestamp: timestamp))
        }
        #expect(abs(nearest.level.meanAbsoluteDeviation - 1) < 0.1)
        #expect(nearest.bin.level.meanAbsoluteDeviation > 2)
        let followed = stochastic.bin.level.meanAbsoluteDeviation / stochastic.level.meanAbsoluteDeviation
        #expect(abs(followed - 1) < 0.1)
    }

    @Test func aCheckpointRoundTripsExactly() throws {
        var bin = SeasonalBin()
        for step in 0..<500 {
            let value = 20 + Double(step % 7) * 0.37
            bin.update(value, alpha: 0.1, random: SeasonalBin.rounding(value: value, timestamp: Double(step)))
        }
        let decoded = try JSONDecoder().decode(SeasonalBin.self, from: try JSONEncoder().encode(bin))
        #expect(decoded == bin)
        // Written as the level it stores: the fields a checkpoint of full-width levels had.
        let fields = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(bin)) as? [String: Any]
        #expect(Set(fields?.keys.map { $0 } ?? []) == ["mean", "meanAbsoluteDeviation", "count"])
    }

    @Test func aWiderLevelLoadsRoundedToTheNearestStep() throws {
        // A checkpoint written before bins were narrowed holds full-width values.
        let json = Data(#"{"mean": 100.1, "meanAbsoluteDeviation": 1.2345, "count": 70000}"#.utf8)
        let level = try JSONDecoder().decode(SeasonalBin.self, from: json).level
        #expect(level.mean == Double(Float(100.1)))
        #expect(abs(level.meanAbsoluteDeviation / 1.2345 - 1) <= 1.0 / 512)
        #expect(level.count == UInt32(UInt16.max))
    }

    @Test(arguments: [1e300, -1e300, 3.5e38, 1e-300])
    func anExtremeValueStaysFinite(_ value: Double) {
        var bin = SeasonalBin()
        for step in 0..<30 {
            let sample = step.isMultiple(of: 2) ? value : 0
            bin.update(sample, alpha: 0.1, random: SeasonalBin.rounding(value: sample, timestamp: Double(step)))
            #expect(bin.level.mean.isFinite)
            #expect(bin.level.meanAbsoluteDeviation.isFinite)
        }
    }
}

/// The detector's optional samples, packed into 8 bytes each.
struct PackedOptionalTests {
    @Test(arguments: [nil, 0, -0.0, 1.5, .infinity, -.infinity, .nan, .greatestFiniteMagnitude] as [Double?])
    func keepsEveryValue(_ value: Double?) throws {
        let packed = PackedOptional(wrappedValue: value)
        #expect(MemoryLayout<PackedOptional>.size == 8)
        #expect(packed.wrappedValue?.bitPattern == value?.bitPattern)
        if value?.isFinite ?? true {
            let decoded = try JSONDecoder().decode(PackedOptional.self, from: try JSONEncoder().encode(packed))
            #expect(decoded == packed)
        }
    }

    @Test func theMarkerArrivingAsAValueStaysAValue() {
        let marker = Double(bitPattern: 0x7FF8_5647_4C4E_4F4E)
        let packed = PackedOptional(wrappedValue: marker)
        #expect(packed.wrappedValue?.isNaN == true)
    }
}
