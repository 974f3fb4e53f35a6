import VigilRules

/// What remediation may do on its own, checked at apply time. The defaults are the cautious ones: nothing
/// is applied unless the daemon was started with `--allow-apply` and a playbook (or a namespace override)
/// says `apply`; kube-system is never touched; one node at a time; a workload is left alone for half an
/// hour after a change; at most five changes an hour in all.
public struct RemediationPolicy: Sendable, Equatable {
    /// `--allow-apply` (the daemon), or `vigil diagnose --apply`.
    public var allowApply = false
    /// When not empty, only these namespaces may be changed.
    public var allowNamespaces: [String] = []
    /// Never changed, whatever `allowNamespaces` says.
    public var denyNamespaces: [String] = ["kube-system"]
    /// A namespace's level of autonomy, in place of the playbook's (`shop: approve`).
    public var autonomy: [String: Playbook.Autonomy] = [:]
    /// Seconds a workload (or node, or claim) is left alone after a change to it.
    public var cooldown: Double = 1800
    /// At most `maxActions` changes in any `actionWindow` seconds, across the cluster.
    public var maxActions = 5
    public var actionWindow: Double = 3600
    /// Nodes Vigil may have cordoned or drained at one time.
    public var maxNodesCordoned = 1
    /// The share of the cluster's nodes that may be unschedulable after a cordon or drain (at least one
    /// node may always be, unless it is the last schedulable one).
    public var maxUnschedulableShare = 0.1
    /// Seconds between two rollbacks of one workload.
    public var rollbackInterval: Double = 3600

    public init() {}

    /// The level that applies to a proposal in `namespace` whose playbook says `level`.
    public func autonomy(for level: Playbook.Autonomy, namespace: String) -> Playbook.Autonomy {
        autonomy[namespace] ?? level
    }

    /// The namespaces of `allowNamespaces` that `denyNamespaces` does not take back: where remediation may
    /// change the cluster when a list is given (empty: no list, every namespace but the denied).
    public var permittedNamespaces: [String] { allowNamespaces.filter { namespaceRefusal($0) == nil } }

    /// Why `namespace` may not be changed, or nil. Nodes (no namespace) are not subject to the lists.
    public func namespaceRefusal(_ namespace: String) -> String? {
        guard !namespace.isEmpty else { return nil }
        if denyNamespaces.contains(namespace) { return "namespace \(namespace) is denied" }
        if !allowNamespaces.isEmpty && !allowNamespaces.contains(namespace) {
            return
                "namespace \(namespace) is not in the allowed namespaces (\(allowNamespaces.joined(separator: ", ")))"
        }
        return nil
    }
}
