import Testing

@testable import VigilCore

/// Scoring at a threshold chosen elsewhere, and leave-one-category-out cross-validation, on small
/// hand-computed cases (each file: 10 rows, 1 probationary row, one window over rows 4…6).
struct NABCrossValidationTests {
    static func file(_ alarms: [Int: Double], name: String = "f") -> NABScorer.File {
        var scores = [Double](repeating: 0, count: 10)
        for (row, score) in alarms { scores[row] = score }
        return NABScorer.File(name: name, scores: scores, windows: [4...6])
    }

    /// At the sweep's own threshold, scoring at a given threshold finds the sweep's result.
    @Test(arguments: NABProfile.all)
    func aGivenThresholdReproducesTheSweepAtItsThreshold(profile: NABProfile) {
        let files = [
            Self.file([4: 0.9]), Self.file([2: 0.95, 4: 0.8]), Self.file([8: 0.7, 5: 0.6]), Self.file([:]),
        ]
        let swept = NABScorer.score(files, profile: profile)
        let fixed = NABScorer.score(files, profile: profile, threshold: swept.threshold)
        #expect(abs(fixed.rawScore - swept.rawScore) < 1e-12)
        #expect(abs(fixed.normalizedScore - swept.normalizedScore) < 1e-9)
        #expect(fixed.truePositives == swept.truePositives)
        #expect(fixed.falsePositives == swept.falsePositives)
        #expect(fixed.falseNegatives == swept.falseNegatives)
    }

    @Test func aGivenThresholdCountsEveryRowAtOrAboveIt() {
        // Threshold 0.5: row 2 is a false alarm before the window (−0.11); rows 5 and 6 both detect the
        // window, which is credited once, with the earlier (heavier) row 5: 0.943743.
        let result = NABScorer.score([Self.file([2: 0.5, 5: 0.7, 6: 0.9, 8: 0.4])], profile: .standard, threshold: 0.5)
        #expect(abs(result.rawScore - (0.943_743 - 0.11)) < 1e-5)
        #expect(result.truePositives == 1 && result.falsePositives == 1 && result.falseNegatives == 0)
        // Above every score: nothing detected, the window missed.
        let never = NABScorer.score([Self.file([5: 0.7])], profile: .standard, threshold: 0.8)
        #expect(never.rawScore == -1 && never.falseNegatives == 1 && never.normalizedScore == 0)
    }

    /// Two categories, two candidate settings. "early" catches category A's windows but alarms early in
    /// B; "late" is the other way round. Each held-out category must get the setting (and threshold)
    /// that did best on the other one — the one that is wrong for it — never the one that fits it.
    @Test func eachHeldOutCategoryIsScoredWithWhatTheOthersChose() throws {
        let groups = ["A", "A", "B", "B"]
        let early = NABCrossValidation.Candidate(
            name: "early",
            files: [Self.file([4: 0.9]), Self.file([4: 0.9]), Self.file([2: 0.9]), Self.file([2: 0.9])]
        )
        let late = NABCrossValidation.Candidate(
            name: "late",
            files: [Self.file([2: 0.6]), Self.file([2: 0.6]), Self.file([5: 0.6]), Self.file([5: 0.6])]
        )
        let report = try NABCrossValidation.run(candidates: [early, late], groups: groups, profiles: [.standard])
        #expect(report.folds.map(\.heldOut) == ["A", "B"])
        // Trained on B, "late" wins (two windows at 0.6); A is scored with it: two false alarms, two misses.
        #expect(report.folds[0].candidate == "late")
        #expect(report.folds[0].result.threshold == 0.6)
        #expect(report.folds[0].result.truePositives == 0 && report.folds[0].result.falsePositives == 2)
        #expect(abs(report.folds[0].result.rawScore - (-2 - 0.22)) < 1e-9)
        // Trained on A, "early" wins; B's files alarm before their windows.
        #expect(report.folds[1].candidate == "early")
        #expect(report.folds[1].result.threshold == 0.9)
        #expect(report.folds[1].result.falsePositives == 2 && report.folds[1].result.falseNegatives == 2)
        // Overall: the held-out raw scores added, normalised over all four windows.
        let overall = report.overall[0]
        #expect(abs(overall.rawScore - (-4.44)) < 1e-9)
        #expect(abs(overall.normalizedScore - 100 * (-4.44 + 4) / 8) < 1e-9)
        #expect(overall.falsePositives == 4 && overall.falseNegatives == 4)
        // In-sample, either candidate alone would have looked far better than that.
        #expect(NABScorer.score(early.files, profile: .standard).normalizedScore > overall.normalizedScore)
    }

    /// "eager" finds each window at its start after two false alarms; "cautious" finds it late, with none.
    /// Standard prefers eager (1 − 2 × 0.11 = 0.78 against 0.69 a file), reward-low-FP cautious
    /// (1 − 2 × 0.22 = 0.56). By default every profile scores the candidate the standard profile chose, at
    /// the profile's own threshold for it — one detector; chosen per profile, low-FP gets cautious.
    @Test func theSettingIsChosenOnceByTheStandardProfileUnlessAskedPerProfile() throws {
        let groups = ["A", "A", "B", "B"]
        let eager = NABCrossValidation.Candidate(
            name: "eager",
            files: Array(repeating: Self.file([1: 0.9, 2: 0.9, 4: 0.9]), count: 4)
        )
        let cautious = NABCrossValidation.Candidate(
            name: "cautious",
            files: Array(repeating: Self.file([6: 0.9]), count: 4)
        )
        let profiles = [NABProfile.standard, .rewardLowFalsePositives]
        let once = try NABCrossValidation.run(candidates: [eager, cautious], groups: groups, profiles: profiles)
        #expect(once.folds.map(\.candidate) == ["eager", "eager", "eager", "eager"])
        let lowFP = once.overall[1]
        #expect(lowFP.falsePositives == 8 && lowFP.truePositives == 4)
        #expect(abs(lowFP.rawScore - 4 * (1 - 2 * 0.22)) < 1e-9)
        let perProfile = try NABCrossValidation.run(
            candidates: [eager, cautious],
            groups: groups,
            profiles: profiles,
            chosenBy: nil
        )
        #expect(perProfile.folds.map(\.candidate) == ["eager", "eager", "cautious", "cautious"])
        #expect(perProfile.overall[1].falsePositives == 0 && perProfile.overall[1].truePositives == 4)
        // The standard profile's result is the same either way.
        #expect(perProfile.overall[0].rawScore == once.overall[0].rawScore)
        #expect(perProfile.folds[0...1] == once.folds[0...1])
    }

    /// One setting, whose files alarm twice before the window (0.8), early in it (0.5) and late in it
    /// (0.9). Standard takes the early detection and the two false alarms (1 − 2 × 0.11 = 0.78 a file,
    /// threshold 0.5); reward-low-FP only the late one (0.69 against 1 − 2 × 0.22 = 0.56, threshold 0.9).
    /// The setting is chosen once, but each profile's threshold is its own.
    @Test func eachProfileScoresTheChosenSettingAtItsOwnThreshold() throws {
        let mixed = NABCrossValidation.Candidate(
            name: "mixed",
            files: Array(repeating: Self.file([1: 0.8, 2: 0.8, 4: 0.5, 6: 0.9]), count: 4)
        )
        let report = try NABCrossValidation.run(
            candidates: [mixed],
            groups: ["A", "A", "B", "B"],
            profiles: [.standard, .rewardLowFalsePositives]
        )
        #expect(report.folds.map(\.result.threshold) == [0.5, 0.5, 0.9, 0.9])
        #expect(report.overall[0].falsePositives == 8 && report.overall[1].falsePositives == 0)
    }

    @Test func aCategoryWithoutWindowsIsScoredOnItsFalseAlarms() throws {
        let candidate = NABCrossValidation.Candidate(
            name: "only",
            files: [
                Self.file([4: 0.9]),
                NABScorer.File(name: "calm", scores: [0, 0, 0.9, 0, 0, 0, 0, 0, 0, 0], windows: []),
            ]
        )
        let report = try NABCrossValidation.run(candidates: [candidate], groups: ["A", "calm"], profiles: [.standard])
        let calm = try #require(report.folds.first { $0.heldOut == "calm" })
        #expect(calm.windows == 0 && calm.result.falsePositives == 1)
        #expect(abs(calm.result.rawScore + 0.11) < 1e-9)
    }

    @Test func badInputIsRefusedWithAReason() {
        let one = NABCrossValidation.Candidate(name: "x", files: [Self.file([:])])
        #expect(throws: NABCrossValidation.InvalidInput.self) {
            try NABCrossValidation.run(candidates: [one], groups: ["A"])
        }
        #expect(throws: NABCrossValidation.InvalidInput.self) {
            try NABCrossValidation.run(candidates: [one], groups: ["A", "B"])
        }
        #expect(throws: NABCrossValidation.InvalidInput.self) {
            try NABCrossValidation.run(candidates: [], groups: ["A", "B"])
        }
    }
}

/// Folds of files stratified by category: each category spread over the folds, every fold a mix.
struct StratifiedFoldsTests {
    @Test func eachCategorysFilesAreDealtAcrossTheFoldsInTurn() {
        let categories = ["A", "A", "A", "B", "B", "C", "C", "C", "C", "C", "C"]
        let folds = NABCrossValidation.stratifiedFolds(of: categories, count: 5)
        #expect(folds.count == categories.count)
        for category in Set(categories) {
            // A category with n files lands in min(n, 5) different folds, at most ⌈n / 5⌉ in any one.
            let mine = zip(categories, folds).filter { $0.0 == category }.map(\.1)
            #expect(Set(mine).count == min(mine.count, 5))
            let perFold = Dictionary(grouping: mine, by: { $0 }).values.map(\.count)
            #expect(perFold.max()! <= (mine.count + 4) / 5)
        }
        // Fold sizes differ by at most one.
        let sizes = Dictionary(grouping: folds, by: { $0 }).values.map(\.count)
        #expect(sizes.count == 5 && sizes.max()! - sizes.min()! <= 1)
        #expect(folds.first == "fold 1 of 5")
    }

    @Test func aShuffledDealIsStillStratifiedTheSameOnEveryRunAndAnotherSplit() {
        let categories = ["A", "A", "A", "A", "A", "B", "B", "B", "B", "C", "C", "C", "C", "C", "C", "C"]
        let nameOrder = NABCrossValidation.stratifiedFolds(of: categories, count: 3)
        for deal: UInt64 in 1...4 {
            let folds = NABCrossValidation.stratifiedFolds(of: categories, count: 3, deal: deal)
            #expect(folds == NABCrossValidation.stratifiedFolds(of: categories, count: 3, deal: deal))
            // Each category spread as evenly as in name order: the same number of its files in each fold.
            for category in Set(categories) {
                func perFold(_ split: [String]) -> [Int] {
                    let mine = zip(categories, split).filter { $0.0 == category }.map(\.1)
                    return Dictionary(grouping: mine, by: { $0 }).values.map(\.count).sorted()
                }
                #expect(perFold(folds) == perFold(nameOrder))
            }
        }
        // Shuffled deals split the files otherwise than name order, and otherwise than each other.
        let shuffled = (1...4).map { NABCrossValidation.stratifiedFolds(of: categories, count: 3, deal: $0) }
        #expect(shuffled.filter { $0 != nameOrder }.count >= 3)
        #expect(Set(shuffled.map { $0.joined(separator: ",") }).count >= 3)
    }

    @Test func aDealsSplitIsPinned() {
        // Published per-deal figures rest on these splits: the generator or the way keys are drawn must
        // not change them. (Computed independently, with SplitMix64 written out in Python.)
        let categories = ["A", "A", "A", "B", "B"]
        func folds(_ deal: UInt64) -> [Int] {
            NABCrossValidation.stratifiedFolds(of: categories, count: 2, deal: deal).map {
                Int($0.split(separator: " ")[1])!
            }
        }
        #expect(folds(0) == [1, 2, 1, 2, 1])
        #expect(folds(1) == [1, 2, 1, 1, 2])
        #expect(folds(2) == [1, 1, 2, 1, 2])
        #expect(folds(3) == [1, 1, 2, 2, 1])
    }

    @Test func filesOutOfCategoryOrderAreDealtAsIfSorted() {
        let grouped = ["A", "A", "A", "B", "B", "C"]
        let shuffled = ["B", "A", "C", "A", "B", "A"]
        let dealt = NABCrossValidation.stratifiedFolds(of: shuffled, count: 2)
        // Each file gets the fold it would get in the grouped order (A's three, then B's two, then C).
        let expected = NABCrossValidation.stratifiedFolds(of: grouped, count: 2)
        #expect([dealt[1], dealt[3], dealt[5], dealt[0], dealt[4], dealt[2]] == expected)
        #expect(expected == ["fold 1 of 2", "fold 2 of 2", "fold 1 of 2", "fold 2 of 2", "fold 1 of 2", "fold 2 of 2"])
    }
}
