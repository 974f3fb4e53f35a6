/// A NAB scoring profile: the reward for a true positive and the costs of false positives and negatives.
public struct NABProfile: Sendable, Equatable {
    public var name: String
    public var truePositiveWeight: Double
    public var falsePositiveWeight: Double
    public var falseNegativeWeight: Double

    public init(name: String, truePositiveWeight: Double, falsePositiveWeight: Double, falseNegativeWeight: Double) {
        self.name = name
        self.truePositiveWeight = truePositiveWeight
        self.falsePositiveWeight = falsePositiveWeight
        self.falseNegativeWeight = falseNegativeWeight
    }

    /// NAB's three profiles, as in its `config/profiles.json`.
    public static let standard = NABProfile(
        name: "standard",
        truePositiveWeight: 1,
        falsePositiveWeight: 0.11,
        falseNegativeWeight: 1
    )
    public static let rewardLowFalsePositives = NABProfile(
        name: "reward_low_FP_rate",
        truePositiveWeight: 1,
        falsePositiveWeight: 0.22,
        falseNegativeWeight: 1
    )
    public static let rewardLowFalseNegatives = NABProfile(
        name: "reward_low_FN_rate",
        truePositiveWeight: 1,
        falsePositiveWeight: 0.11,
        falseNegativeWeight: 2
    )
    public static let all = [standard, rewardLowFalsePositives, rewardLowFalseNegatives]
}
