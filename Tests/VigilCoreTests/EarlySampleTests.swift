import Testing

@testable import VigilCore

/// The warm-up and the hold after an alarm count time, not samples: a sample that comes sooner than its
/// series's usual spacing (the first scrape after a quick restart, 2 s after the last of a 15-s series)
/// neither sends a settled series back into its warm-up nor makes the hold last 30 hours instead of 4,
/// and one that comes late (after a missed scrape) does not end a warm-up early.
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

    /// 30 hours learnt: past the warm-up (25 hours of time).
    func settled() -> (detector: EnsembleDetector, last: Double) {
        var detector = EnsembleDetector(parameters: parameters)
        let last = learn(&detector, after: 1_700_000_000, samples: 30 * 240)
        return (detector, last)
    }

    @Test func aSampleSoonAfterTheLastIsJudged() {
        for gap in [Self.scrape, 2, 0.5] {
            let (learnt, last) = settled()
            var detector = learnt
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

    @Test func aLateSampleDoesNotEndTheWarmUp() {
        var detector = EnsembleDetector(parameters: parameters)
        // 400 samples of 15 s (100 minutes), a five-minute gap, then a surge: 105 minutes of the 25 hours.
        var last = learn(&detector, after: 1_700_000_000, samples: 400)
        last += 300
        #expect(detector.observe(200, at: last, parameters: parameters).score == 0)
        _ = learn(&detector, after: last, samples: 10)
        #expect(!detector.stage.isWarm(after: parameters.warmupSamples))
    }

    /// A hold of 48 reference intervals (4 hours) holds exactly the samples that fit in it.
    @Test(arguments: [5.0, 10, 15, 20, 30, 45, 60, 120, 300])
    func theHoldLastsItsTimeAtAnySpacing(seconds: Double) {
        var stage = RecordRatio()
        let spacing = RecordRatio.units(seconds / 300)
        func update(_ evidence: Double) -> Double {
            stage.update(evidence, decay: 1, floor: 4, warmup: 0, alarm: 0.3, hold: 48, spacing: spacing)
        }
        #expect(update(2) == 0.125)
        #expect(update(8) == 0.5)  // twice the record: an alarm
        var held = 0
        while update(4) == 0 { held += 1 }  // 4 against the record 8 scores 0.125 once free
        #expect(held == Int(48 * 300 / seconds))
    }
}
