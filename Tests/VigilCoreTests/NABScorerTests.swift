import Testing

@testable import VigilCore

/// NAB's scoring, pinned on small cases computed by hand from NAB's rules.
struct NABScorerTests {
    /// 10 rows: probation is min(floor(1.5), 750) = 1 row; one window over rows 4…6 (width 3).
    static func file(_ scores: [Double]) -> NABScorer.File {
        NABScorer.File(name: "hand", scores: scores, windows: [4...6])
    }

    @Test func scaledSigmoidMatchesNAB() {
        #expect(abs(NABScorer.scaledSigmoid(-1) - 0.986_614_298) < 1e-9)
        #expect(NABScorer.scaledSigmoid(0) == 0)
        #expect(abs(NABScorer.scaledSigmoid(1) + 0.986_614_298) < 1e-9)
        #expect(NABScorer.scaledSigmoid(3.01) == -1)
    }

    @Test func probationaryPeriod() {
        #expect(NABScorer.probationaryRows(10) == 1)
        #expect(NABScorer.probationaryRows(4032) == 604)
        #expect(NABScorer.probationaryRows(22695) == 750)
    }

    @Test func oneDetectionInsideTheWindow() {
        // Row 5: y = −(6 − 5 + 1)/3 = −2/3; σ = f(−2/3)/f(−1) = 0.931110/0.986614 = 0.943743.
        var scores = [Double](repeating: 0, count: 10)
        scores[5] = 1
        let result = NABScorer.score([Self.file(scores)], profile: .standard)
        #expect(abs(result.rawScore - 0.943_743) < 1e-5)
        #expect(result.threshold == 1)
        #expect(result.truePositives == 1)
        #expect(result.falsePositives == 0)
        // 100 · (0.943743 + 1) / 2
        #expect(abs(result.normalizedScore - 97.1872) < 1e-3)
    }

    @Test func detectingEverythingPaysForEveryFalseAlarm() {
        // All rows from 1 on detected: the window earns its first row (1.0); rows 1–3 cost 0.11 each;
        // rows 7, 8, 9 after the window cost 0.11·f(y) for y = 0.5, 1, 1.5: −0.093311, −0.108528, −0.109878.
        let scores = [Double](repeating: 0.5, count: 10)
        let result = NABScorer.score([Self.file(scores)], profile: .standard)
        #expect(abs(result.rawScore - 0.358_283) < 1e-5)
        #expect(result.falsePositives == 6)
    }

    /// This test compared two identical runs and never looked at the score: it could not fail. A calm
    /// 100-row file with one window: alarming anywhere costs more than missing the window, so the best
    /// threshold is "never" (above every score), which NAB's normalisation puts at exactly 0.
    @Test(arguments: [NABProfile.standard, .rewardLowFalsePositives])
    func neverDetectingScoresZero(profile: NABProfile) {
        let never = NABScorer.score(
            [NABScorer.File(name: "none", scores: [Double](repeating: 0, count: 100), windows: [50...52])],
            profile: profile
        )
        #expect(never.threshold == 1.1)
        #expect(never.truePositives == 0 && never.falsePositives == 0 && never.falseNegatives == 1)
        #expect(never.rawScore == -profile.falseNegativeWeight)
        #expect(never.normalizedScore == 0)
        let empty = NABScorer.score([NABScorer.File(name: "e", scores: [], windows: [])], profile: .standard)
        #expect(empty.normalizedScore == 0)
    }

    @Test func probationaryDetectionsAreIgnored() {
        // 40 rows: probation is 6 rows. Alarms only there are neither rewarded nor penalised, so the
        // best is still "never detect" (−1); detecting everything would cost far more.
        var scores = [Double](repeating: 0, count: 40)
        for row in 0..<6 { scores[row] = 1 }
        let result = NABScorer.score(
            [NABScorer.File(name: "probation", scores: scores, windows: [20...22])],
            profile: .standard
        )
        #expect(result.falsePositives == 0)
        #expect(result.rawScore == -1)
        #expect(result.threshold == 1.1)
    }

    @Test func theThresholdIsSharedAcrossFiles() {
        // File A needs threshold 0.9 to catch its window; file B has a false alarm at 0.95 and its
        // window at 0.8. At 0.8 both windows count and one false alarm (before B's window) costs 0.11.
        var a = [Double](repeating: 0, count: 10)
        a[4] = 0.9
        var b = [Double](repeating: 0, count: 10)
        b[2] = 0.95
        b[4] = 0.8
        let result = NABScorer.score([Self.file(a), Self.file(b)], profile: .standard)
        #expect(result.threshold == 0.8)
        #expect(abs(result.rawScore - (1 + 1 - 0.11)) < 1e-9)
        #expect(result.truePositives == 2)
        #expect(result.falsePositives == 1)
    }
}
