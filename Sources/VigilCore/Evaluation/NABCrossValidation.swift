/// Cross-validated NAB scoring: every file is scored with a detector setting and a threshold chosen
/// without it, so the score says how the detector does on data it was not tuned on.
///
/// Folds leave one group out (NAB's categories: a whole kind of data is unseen, which is harder than
/// unseen files of a known kind). On the other groups, each candidate setting gets NAB's optimal
/// threshold for the profile, and the candidate with the best training score wins (ties go to the
/// earlier candidate, so list the default first); the held-out group is then scored at that candidate and
/// threshold. By default the candidate is chosen once per fold, by its standard-profile score, and only
/// the threshold is chosen per profile: NAB scores one detector configuration under every profile, the
/// profiles moving only its threshold. Choosing the candidate per profile as well makes three detectors.
/// Overall scores add the held-out raw scores of every fold and normalise them over all windows, as NAB
/// does over files.
public enum NABCrossValidation {
    /// One candidate setting and its scores for every file of the corpus, in one order shared by all
    /// candidates and by `groups`.
    public struct Candidate: Sendable {
        public var name: String
        public var files: [NABScorer.File]

        public init(name: String, files: [NABScorer.File]) {
            self.name = name
            self.files = files
        }
    }

    /// One held-out group under one profile: what training chose and how the held-out files scored.
    public struct Fold: Sendable, Equatable {
        public var heldOut: String
        public var profile: String
        /// The candidate chosen on the other groups.
        public var candidate: String
        /// The held-out files' result at the threshold chosen on the other groups.
        public var result: NABScorer.Result
        public var windows: Int
    }

    /// Every fold, and per profile the overall held-out result.
    public struct Report: Sendable, Equatable {
        public var folds: [Fold]
        public var overall: [NABScorer.Result]
    }

    public struct InvalidInput: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// `count` folds of files stratified by category, for ``run(candidates:groups:profiles:chosenBy:)``: the files,
    /// taken category by category, are dealt to the folds in turn, so each category's files spread over
    /// the folds as evenly as they can and every held-out file is of a kind the choice saw. Deal 0 takes
    /// each category's files in the order given (a sorted corpus's name order); deal `n` > 0 in an order
    /// shuffled by a generator seeded with `n`, so repeated deals show how much the score owes to one
    /// split. Either way the split is the same on every machine.
    public static func stratifiedFolds(of categories: [String], count: Int, deal: UInt64 = 0) -> [String] {
        var random = SplitMix(state: deal)
        let keys = categories.map { _ in deal == 0 ? 0 : random.next() }
        let order = categories.indices.sorted {
            (categories[$0], keys[$0], $0) < (categories[$1], keys[$1], $1)
        }
        var folds = [String](repeating: "", count: categories.count)
        for (turn, file) in order.enumerated() { folds[file] = "fold \(turn % count + 1) of \(count)" }
        return folds
    }

    /// Runs leave-one-group-out cross-validation. `groups[i]` is the group of file `i` of every candidate.
    /// `chosenBy` is the profile whose training score chooses each fold's candidate for every profile in
    /// `profiles`, whether or not it is one of them (the standard profile, by default); nil chooses it per
    /// profile.
    public static func run(
        candidates: [Candidate],
        groups: [String],
        profiles: [NABProfile] = NABProfile.all,
        chosenBy: NABProfile? = .standard
    ) throws(InvalidInput) -> Report {
        guard !candidates.isEmpty else { throw InvalidInput(description: "no candidate setting to choose from") }
        guard candidates.allSatisfy({ $0.files.count == groups.count }) else {
            throw InvalidInput(description: "every candidate must score every file (\(groups.count))")
        }
        var heldOutGroups: [String] = []
        for group in groups where !heldOutGroups.contains(group) { heldOutGroups.append(group) }
        guard heldOutGroups.count >= 2 else {
            throw InvalidInput(description: "cross-validation needs files in at least two groups (categories or folds)")
        }
        func training(_ candidate: Candidate, without heldOut: String, _ profile: NABProfile) -> NABScorer.Result {
            NABScorer.score(zip(candidate.files, groups).filter { $0.1 != heldOut }.map(\.0), profile: profile)
        }
        func choice(without heldOut: String, by profile: NABProfile) -> Candidate {
            best(of: candidates) { training($0, without: heldOut, profile).rawScore }
        }
        // Chosen once for every profile: the other profiles then score one candidate a fold, not the grid.
        let chosenOnce = chosenBy.map { profile in heldOutGroups.map { choice(without: $0, by: profile) } }
        var folds: [Fold] = []
        var overall: [NABScorer.Result] = []
        for profile in profiles {
            var total = NABScorer.Result(
                profile: profile.name,
                rawScore: 0,
                normalizedScore: 0,
                threshold: .nan,
                truePositives: 0,
                falsePositives: 0,
                falseNegatives: 0
            )
            var totalWindows = 0
            for (fold, heldOut) in heldOutGroups.enumerated() {
                let chosen = chosenOnce?[fold] ?? choice(without: heldOut, by: profile)
                let threshold = training(chosen, without: heldOut, profile).threshold
                let testFiles = zip(chosen.files, groups).filter { $0.1 == heldOut }.map(\.0)
                let result = NABScorer.score(testFiles, profile: profile, threshold: threshold)
                let windows = testFiles.reduce(0) { $0 + $1.windows.count }
                folds.append(
                    Fold(
                        heldOut: heldOut,
                        profile: profile.name,
                        candidate: chosen.name,
                        result: result,
                        windows: windows
                    )
                )
                total.rawScore += result.rawScore
                total.truePositives += result.truePositives
                total.falsePositives += result.falsePositives
                total.falseNegatives += result.falseNegatives
                totalWindows += windows
            }
            total.normalizedScore = NABScorer.normalized(total.rawScore, windows: totalWindows, profile: profile)
            overall.append(total)
        }
        return Report(folds: folds, overall: overall)
    }

    /// The candidate whose training score is highest; the earlier one on a tie.
    private static func best(of candidates: [Candidate], training: (Candidate) -> Double) -> Candidate {
        var best = (candidate: candidates[0], score: training(candidates[0]))
        for candidate in candidates.dropFirst() {
            let score = training(candidate)
            if score > best.score { best = (candidate, score) }
        }
        return best.candidate
    }
}
