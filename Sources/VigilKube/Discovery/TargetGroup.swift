/// The targets of one Kubernetes object, as Prometheus's `targetgroup.Group`: `source` names the object
/// (`pod/<namespace>/<name>`, `endpoints/<namespace>/<name>`) and a group replaces the previous group of
/// the same source whole. Empty `targets`: the object has none any more (deleted, or lost its IP), so
/// whatever came from it goes.
public struct TargetGroup: Sendable, Equatable {
    public var source: String
    public var targets: [DiscoveredTarget]

    public init(source: String, targets: [DiscoveredTarget]) {
        self.source = source
        self.targets = targets
    }
}
