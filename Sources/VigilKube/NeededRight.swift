/// A right Vigil needs on the API, and what it cannot do without it: what a check at start reports missing,
/// so that a Role short of a verb is found before the moment it is needed (a failover, a fix).
public struct NeededRight: Sendable, Hashable, CustomStringConvertible {
    public var right: KubeRight
    public var purpose: String

    public init(_ right: KubeRight, purpose: String) {
        self.right = right
        self.purpose = purpose
    }

    public var description: String { "\(right) (\(purpose))" }
}

extension KubeClient {
    /// The rights in `needed` that this client's user lacks, in that order, as the API server answers
    /// SelfSubjectAccessReviews of them: asked each time, as Roles are granted and revoked while Vigil runs.
    public func missing(_ needed: [NeededRight]) async throws(KubeError) -> [NeededRight] {
        var missing: [NeededRight] = []
        for right in needed where try await !canI(right.right) { missing.append(right) }
        return missing
    }
}
