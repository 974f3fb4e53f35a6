import RealModule

/// NAB's scoring, reimplemented from its documented rules: scaled-sigmoid row weights, the
/// probationary period, one detection credited per window, a single threshold per profile optimised
/// over the whole set of files, and normalisation so the null detector scores 0 and a perfect one 100.
public enum NABScorer {
    /// One labelled file: its detector scores (one per row, in file order) and its anomaly windows as
    /// inclusive row-index ranges.
    public struct File: Sendable {
        public var name: String
        public var scores: [Double]
        public var windows: [ClosedRange<Int>]

        public init(name: String, scores: [Double], windows: [ClosedRange<Int>]) {
            self.name = name
            self.scores = scores
            self.windows = windows
        }
    }

    /// The outcome for one profile.
    public struct Result: Sendable, Equatable {
        public var profile: String
        /// The best raw score over all thresholds (NAB's "score").
        public var rawScore: Double
        /// 100 · (raw − null) / (perfect − null).
        public var normalizedScore: Double
        /// The threshold that achieved it (1.1 means "never detect").
        public var threshold: Double
        public var truePositives: Int
        public var falsePositives: Int
        public var falseNegatives: Int
    }

    /// First P = min(floor(0.15 · n), 750) rows are the probationary period.
    public static func probationaryRows(_ rowCount: Int) -> Int {
        min(Int((0.15 * Double(rowCount)).rounded(.down)), 750)
    }

    /// NAB's scaled sigmoid: −1 beyond 3, else 2·sigmoid(−5y) − 1.
    public static func scaledSigmoid(_ y: Double) -> Double {
        if y > 3 { return -1 }
        return 2 / (1 + .exp(5 * y)) - 1
    }

    /// The weight σ(i) of every row of a file under `profile` (see NAB's README), or nil in the
    /// probationary period; and the window each row lies in.
    static func rowWeights(_ file: File, _ profile: NABProfile) -> [(weight: Double, window: Int?)?] {
        let rowCount = file.scores.count
        let probation = probationaryRows(rowCount)
        let windows = file.windows.sorted { $0.lowerBound < $1.lowerBound }
        let fullCredit = scaledSigmoid(-1)
        var weights: [(weight: Double, window: Int?)?] = Array(repeating: nil, count: rowCount)
        var windowIndex = 0
        var previousWindow: ClosedRange<Int>? = nil
        for row in 0..<rowCount {
            while windowIndex < windows.count, windows[windowIndex].upperBound < row {
                previousWindow = windows[windowIndex]
                windowIndex += 1
            }
            guard row >= probation else { continue }
            if windowIndex < windows.count, windows[windowIndex].contains(row) {
                let window = windows[windowIndex]
                let width = Double(window.count)
                let y = -Double(window.upperBound - row + 1) / width
                weights[row] = (profile.truePositiveWeight * scaledSigmoid(y) / fullCredit, windowIndex)
            } else if let previous = previousWindow {
                let y = Double(row - previous.upperBound) / Double(max(previous.count - 1, 1))
                weights[row] = (profile.falsePositiveWeight * scaledSigmoid(y), nil)
            } else {
                weights[row] = (-profile.falsePositiveWeight, nil)
            }
        }
        return weights
    }

    /// Scores `files` under `profile`, sweeping every distinct score as the threshold.
    public static func score(_ files: [File], profile: NABProfile) -> Result {
        struct Row {
            var score: Double
            var weight: Double
            /// Global window number, or -1 outside windows.
            var window: Int
        }
        var rows: [Row] = []
        var windowCount = 0
        for file in files {
            for (row, entry) in rowWeights(file, profile).enumerated() {
                guard let entry else { continue }
                rows.append(
                    Row(
                        score: file.scores[row],
                        weight: entry.weight,
                        window: entry.window.map { $0 + windowCount } ?? -1
                    )
                )
            }
            windowCount += file.windows.count
        }
        rows.sort { $0.score > $1.score }

        // Lowering the threshold adds rows; a window is credited with its best (earliest) detection.
        var best = [Double?](repeating: nil, count: windowCount)
        var outside = 0.0
        var windowSum = -Double(windowCount) * profile.falseNegativeWeight
        var detectedWindows = 0
        var falsePositives = 0
        var result = Result(
            profile: profile.name,
            rawScore: windowSum,
            normalizedScore: 0,
            threshold: 1.1,
            truePositives: 0,
            falsePositives: 0,
            falseNegatives: windowCount
        )
        var index = 0
        while index < rows.count {
            let threshold = rows[index].score
            while index < rows.count, rows[index].score == threshold {
                let row = rows[index]
                if row.window < 0 {
                    outside += row.weight
                    falsePositives += 1
                } else if let current = best[row.window] {
                    if row.weight > current {
                        windowSum += row.weight - current
                        best[row.window] = row.weight
                    }
                } else {
                    windowSum += row.weight + profile.falseNegativeWeight
                    best[row.window] = row.weight
                    detectedWindows += 1
                }
                index += 1
            }
            let total = windowSum + outside
            // Ties go to the higher threshold, which was seen first.
            if total > result.rawScore {
                result.rawScore = total
                result.threshold = threshold
                result.truePositives = detectedWindows
                result.falsePositives = falsePositives
                result.falseNegatives = windowCount - detectedWindows
            }
        }
        result.normalizedScore = normalized(result.rawScore, windows: windowCount, profile: profile)
        return result
    }

    /// Scores `files` under `profile` at a threshold chosen elsewhere (cross-validation picks it on other
    /// files): every row at or above it is a detection, each window credited with its best one.
    public static func score(_ files: [File], profile: NABProfile, threshold: Double) -> Result {
        var result = Result(
            profile: profile.name,
            rawScore: 0,
            normalizedScore: 0,
            threshold: threshold,
            truePositives: 0,
            falsePositives: 0,
            falseNegatives: 0
        )
        var windowCount = 0
        for file in files {
            var best = [Double?](repeating: nil, count: file.windows.count)
            for (row, entry) in rowWeights(file, profile).enumerated() {
                guard let entry, file.scores[row] >= threshold else { continue }
                if let window = entry.window {
                    best[window] = max(best[window] ?? entry.weight, entry.weight)
                } else {
                    result.rawScore += entry.weight
                    result.falsePositives += 1
                }
            }
            for credit in best {
                if let credit {
                    result.rawScore += credit
                    result.truePositives += 1
                } else {
                    result.rawScore -= profile.falseNegativeWeight
                    result.falseNegatives += 1
                }
            }
            windowCount += file.windows.count
        }
        result.normalizedScore = normalized(result.rawScore, windows: windowCount, profile: profile)
        return result
    }

    /// NAB's normalisation of a raw score over files holding `windows` windows: the null detector (no
    /// detection) scores 0, the perfect one 100; 0 when there is no window to find.
    public static func normalized(_ rawScore: Double, windows: Int, profile: NABProfile) -> Double {
        let perfect = Double(windows) * profile.truePositiveWeight
        let null = -Double(windows) * profile.falseNegativeWeight
        return perfect == null ? 0 : 100 * (rawScore - null) / (perfect - null)
    }
}
