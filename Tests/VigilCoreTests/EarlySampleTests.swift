import Testing

@testable import VigilCore

/// A sample that comes sooner than its series's usual spacing (the first scrape after a quick restart,
/// 2 s after the last of a 15-s series) is judged as the others are: counts of samples are paced by each
/// sample's own spacing, and that one's would have put a settled series back in its warm-up and made the
/// hold after its alarm last 60 hours instead of 4.
struct EarlySampleTests {
    let parameters = EnsembleParameters()
    static let scrape = 15.0

    /// Learns `samples` 15-s samples around 100 after `start`; returns the last one's time.
    func learn(_ detector: inout EnsembleDetector, after start: Double, samples: Int) -> Double {
        var time = start
        for index in 0..<samples {
            time += Self.scrape
            // Deterministic noise of ±5 that repeats every 11 samples.
            _ = detector.observe(100 + Double(index * 7 % 11) - 5, at: time, parameters: parameters)
        }
        return time
    }

    /// 30 hours learnt: past the warm-up (25 hours of time) and with every hour's bin trusted.
    func settled() -> (detector: EnsembleDetector, last: Double) {
        var detector = EnsembleDetector(parameters: parameters)
        let last = learn(&detector, after: 1_700_000_000, samples: 30 * 240)
        return (detector, last)
    }

    @Test func aSampleSoonAfterTheLastIsJudged() {
        for gap in [Self.scrape, 2, 0.5] {
            var (detector, last) = settled()
            let output = detector.observe(200, at: last + gap, parameters: parameters)
            #expect(output.score >= EnsembleDetector.alarmThreshold, "\(gap) s after the last sample")
            #expect(!output.fired.isEmpty, "\(gap) s after the last sample")
        }
    }

    @Test func theHoldAfterAnAlarmLastsItsTimeWhateverTheSpacing() {
        for gap in [Self.scrape, 2, 1] {
            var (detector, last) = settled()
            #expect(detector.observe(200, at: last + gap, parameters: parameters).score >= 0.3)
            // 4 hours of 15-s samples: 960 of them, however soon the alarm came.
            var held = detector
            last = learn(&held, after: last + gap, samples: 959)
            #expect(held.stage.held > 0, "\(gap) s after the last sample")
            var during = held
            #expect(during.observe(1_000, at: last + Self.scrape, parameters: parameters).score == 0)
            last = learn(&held, after: last, samples: 1)
            #expect(held.stage.held == 0, "\(gap) s after the last sample")
            #expect(held.observe(1_000, at: last + Self.scrape, parameters: parameters).score >= 0.3)
        }
    }

    @Test func theWarmUpOnceOverIsOverForGood() {
        var stage = RecordRatio()
        for _ in 0...5 { _ = stage.update(2, decay: 0.99, floor: 1, warmup: 5) }
        #expect(stage.count == .max)
        // A warm-up paced 10,000 times further off, by a sample that came early, is still behind it.
        #expect(stage.update(8, decay: 0.99, floor: 1, warmup: 50_000) == 1)
    }
}
