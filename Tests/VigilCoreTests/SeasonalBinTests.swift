import Foundation
import Testing

@testable import VigilCore

/// The daily profile's 8-byte bins: the level's arithmetic, narrowed for storage without bias.
struct SeasonalBinTests {
    /// Feeds `samples` noisy values (centre ± `halfWidth`, uniform) to a full-width level and to a bin,
    /// at the daily profile's smoothing (0.1 per 5 minutes) paced for a 15-second scrape, and returns both.
    func learn(centre: Double, halfWidth: Double, samples: Int) -> (level: RobustLevel, bin: SeasonalBin) {
        let alpha = EnsembleDetector.paced(0.1, 15.0 / 300)
        var level = RobustLevel()
        var bin = SeasonalBin()
        var random: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0..<samples {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let value = centre + halfWidth * (Double(random >> 11) / Double(1 << 53) * 2 - 1)
            level.update(value, alpha: alpha)
            bin.update(value, alpha: alpha)
        }
        return (level, bin)
    }

    @Test func aBinIsEightBytesInAnArray() {
        #expect(MemoryLayout<SeasonalBin>.size == 8)
        #expect(MemoryLayout<SeasonalBin>.stride == 8)
    }

    @Test(arguments: [(1000.0, 10.0), (1.7e9, 1e4), (0.003, 0.0001)])
    func aLongSeriesLeavesNoBias(centre: Double, halfWidth: Double) {
        // 100,000 samples, 17 days of 15-second scrapes, each moving the mean by 0.5 % of a residual: the
        // narrowed bin ends where the full-width level does. (1.7e9 is a Unix-timestamp gauge, where a
        // `Float` step is 128: its ±10,000 noise still moves the mean by more than half a step.)
        let (level, bin) = learn(centre: centre, halfWidth: halfWidth, samples: 100_000)
        // Uniform ± w has a mean absolute deviation of w / 2.
        #expect(abs(level.meanAbsoluteDeviation / (halfWidth / 2) - 1) < 0.1)
        #expect(abs(bin.level.meanAbsoluteDeviation / level.meanAbsoluteDeviation - 1) < 0.01)
        #expect(abs(bin.level.mean - level.mean) < 0.01 * level.meanAbsoluteDeviation)
        // Past 2,047 samples the count reads as settled.
        #expect(bin.level.count == .max)
    }

    @Test func theCountIsExactUntilItSaturatesAsSettled() {
        var bin = SeasonalBin()
        for step in 1...2_046 {
            bin.update(5 + Double(step % 3), alpha: 0.001)
            #expect(bin.level.count == UInt32(step))
        }
        bin.update(5, alpha: 0.001)
        #expect(bin.level.count == .max)
        // Settled: it learns at its smoothing, trusted whatever the paced minimum (3,000 at a 1-s scrape).
        var settled = bin.level
        settled.update(100, alpha: 0.001)
        var expected = bin.level
        expected.count = 10_000
        expected.update(100, alpha: 0.001)
        #expect(settled.mean == expected.mean)
        #expect(bin.level.deviation(of: 100, floor: 0, minimumSamples: 3_000) > 0)
    }

    @Test(arguments: [1e-30, 0.003, 1.0, 1.2345, 977.5, 1.7e9, 3e38])
    func theSpreadIsWithinHalfAStepOfThirteenMantissaBits(_ spread: Double) {
        var level = RobustLevel()
        level.mean = 1
        level.meanAbsoluteDeviation = spread
        level.count = 20
        let stored = SeasonalBin(level).level.meanAbsoluteDeviation
        #expect(abs(stored / Double(Float(spread)) - 1) <= 0x1p-14)
        #expect(stored.isFinite)
    }

    @Test func theLargestSpreadDoesNotRoundToInfinity() {
        var level = RobustLevel()
        level.meanAbsoluteDeviation = Double(Float.greatestFiniteMagnitude)
        level.count = 20
        let stored = SeasonalBin(level).level
        #expect(stored.meanAbsoluteDeviation.isFinite)
        #expect(stored.meanAbsoluteDeviation > 3.4e38)
        #expect(stored.count == 20)
    }

    @Test func aCheckpointRoundTripsExactly() throws {
        var bin = SeasonalBin()
        for step in 0..<500 { bin.update(20 + Double(step % 7) * 0.37, alpha: 0.1) }
        let decoded = try JSONDecoder().decode(SeasonalBin.self, from: try JSONEncoder().encode(bin))
        #expect(decoded == bin)
        // Written as the level it stores: the fields a checkpoint of full-width levels had.
        let fields = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(bin)) as? [String: Any]
        #expect(Set(fields?.keys.map { $0 } ?? []) == ["mean", "meanAbsoluteDeviation", "count"])
    }

    @Test func aWiderLevelLoadsRoundedToTheNearestValue() throws {
        // A checkpoint written before bins were narrowed holds a `Double` mean and a count past 2,047.
        let json = Data(#"{"mean": 100.1, "meanAbsoluteDeviation": 1.2345, "count": 70000}"#.utf8)
        let level = try JSONDecoder().decode(SeasonalBin.self, from: json).level
        #expect(level.mean == Double(Float(100.1)))
        #expect(abs(level.meanAbsoluteDeviation / 1.2345 - 1) <= 0x1p-14)
        #expect(level.count == .max)
    }

    @Test(arguments: [1e300, -1e300, 3.5e38, 1e-300])
    func anExtremeValueStaysFinite(_ value: Double) {
        var bin = SeasonalBin()
        for step in 0..<30 {
            bin.update(step.isMultiple(of: 2) ? value : 0, alpha: 0.1)
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
