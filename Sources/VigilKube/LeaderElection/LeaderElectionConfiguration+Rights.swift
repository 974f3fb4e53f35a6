extension LeaderElectionConfiguration {
    /// A right the election needs, and what a replica without it cannot do.
    public struct NeededRight: Sendable, Hashable, CustomStringConvertible {
        public var right: KubeRight
        public var purpose: String

        public var description: String { "\(right) (\(purpose))" }
    }

    /// Every right a replica needs to take part in the election and its proposal board, as
    /// deploy/rbac-remediation.yaml's Role vigil-leader-election grants them. A follower uses only some
    /// (it reads the Lease and hands proposals over): one without the others would find out only when the
    /// leader is gone and it has to take over, so they are asked for at start (``missingRights(_:)``).
    public var neededRights: [NeededRight] {
        let lease = "coordination.k8s.io"
        return [
            NeededRight(
                right: KubeRight("get", "leases", group: lease, in: namespace, named: name),
                purpose: "to see who leads"
            ),
            NeededRight(
                right: KubeRight("update", "leases", group: lease, in: namespace, named: name),
                purpose: "to take the lead when the leader is gone, and to renew it"
            ),
            NeededRight(
                right: KubeRight("create", "leases", group: lease, in: namespace),
                purpose: "to make the Lease where there is none yet"
            ),
            NeededRight(
                right: KubeRight("get", "configmaps", in: namespace, named: proposalBoardName),
                purpose: "to read the proposals handed to the leader"
            ),
            NeededRight(
                right: KubeRight("update", "configmaps", in: namespace, named: proposalBoardName),
                purpose: "to hand proposals to the leader"
            ),
            NeededRight(
                right: KubeRight("create", "configmaps", in: namespace),
                purpose: "to make the proposal board where there is none yet"
            ),
        ]
    }

    /// The rights in ``neededRights`` that `client`'s user lacks, in that order, as the API server answers
    /// SelfSubjectAccessReviews of them.
    public func missingRights(_ client: KubeClient) async throws(KubeError) -> [NeededRight] {
        var missing: [NeededRight] = []
        for needed in neededRights where try await !client.canI(needed.right) { missing.append(needed) }
        return missing
    }
}
