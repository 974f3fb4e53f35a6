extension LeaderElectionConfiguration {
    /// Every right a replica needs to take part in the election and its proposal board, as
    /// deploy/rbac-remediation.yaml's Role vigil-leader-election grants them. A follower uses only some
    /// (it reads the Lease and hands proposals over): one without the others would find out only when the
    /// leader is gone and it has to take over, so they are asked for at start (``LeaderElector/missingRights()``).
    public var neededRights: [NeededRight] {
        let lease = "coordination.k8s.io"
        return [
            NeededRight(
                KubeRight("get", "leases", group: lease, in: namespace, named: name),
                purpose: "to see who leads"
            ),
            NeededRight(
                KubeRight("update", "leases", group: lease, in: namespace, named: name),
                purpose: "to take the lead when the leader is gone, and to renew it"
            ),
            NeededRight(
                KubeRight("create", "leases", group: lease, in: namespace),
                purpose: "to make the Lease where there is none yet"
            ),
            NeededRight(
                KubeRight("get", "configmaps", in: namespace, named: proposalBoardName),
                purpose: "to read the proposals handed to the leader"
            ),
            NeededRight(
                KubeRight("update", "configmaps", in: namespace, named: proposalBoardName),
                purpose: "to hand proposals to the leader"
            ),
            NeededRight(
                KubeRight("create", "configmaps", in: namespace),
                purpose: "to make the proposal board where there is none yet"
            ),
        ]
    }
}
