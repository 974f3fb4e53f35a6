import Foundation

/// A HorizontalPodAutoscaler (autoscaling/v2), reduced to what diagnosis reads: what it scales, its
/// bounds, where it stands, and whether it is pinned at its maximum.
public struct AutoscalerSummary: Sendable, Equatable {
    public var namespace: String
    public var name: String
    /// `spec.scaleTargetRef`: the workload it scales (`Deployment`, `web`).
    public var targetKind: String
    public var targetName: String
    public var minReplicas: Int
    public var maxReplicas: Int
    public var currentReplicas: Int
    public var desiredReplicas: Int
    /// The `ScalingLimited` condition holds with reason `TooManyReplicas`: it wants more than its maximum.
    public var limitedAtMaximum: Bool
    /// `status.lastScaleTime`.
    public var lastScaled: Date?

    /// A resource metric (CPU, memory) at or over its target utilisation (`status.currentMetrics`
    /// against `spec.metrics`); nil when the status says nothing about it.
    public var overTarget: Bool?

    /// At its maximum and still wanting more: told so by its own `ScalingLimited` condition, or its
    /// metric at or over target. (`desiredReplicas` is capped at the maximum, so it cannot tell; an
    /// HPA with min = max sits at its maximum however idle it is.)
    public var pinnedAtMaximum: Bool {
        currentReplicas >= maxReplicas && (limitedAtMaximum || overTarget == true)
    }

    init?(_ object: [String: Any]) {
        guard let identity = ObjectIdentity(object) else { return nil }
        namespace = identity.namespace
        name = identity.name
        let spec = object["spec"] as? [String: Any] ?? [:]
        let target = spec["scaleTargetRef"] as? [String: Any] ?? [:]
        targetKind = target["kind"] as? String ?? ""
        targetName = target["name"] as? String ?? ""
        minReplicas = spec["minReplicas"] as? Int ?? 1
        maxReplicas = spec["maxReplicas"] as? Int ?? 1
        let status = object["status"] as? [String: Any] ?? [:]
        currentReplicas = status["currentReplicas"] as? Int ?? 0
        desiredReplicas = status["desiredReplicas"] as? Int ?? currentReplicas
        lastScaled = (status["lastScaleTime"] as? String).flatMap(KubeTime.parse)
        let targets = Self.utilisation(spec["metrics"], field: "target")
        let current = Self.utilisation(status["currentMetrics"], field: "current")
        let compared = current.compactMap { name, value in targets[name].map { value >= $0 } }
        overTarget = compared.isEmpty ? nil : compared.contains(true)
        limitedAtMaximum = (status["conditions"] as? [[String: Any]] ?? []).contains {
            $0["type"] as? String == "ScalingLimited" && $0["status"] as? String == "True"
                && $0["reason"] as? String == "TooManyReplicas"
        }
    }

    /// Resource name → `averageUtilization` of `metrics[].resource.<field>`.
    private static func utilisation(_ metrics: Any?, field: String) -> [String: Int] {
        Dictionary(
            (metrics as? [[String: Any]] ?? []).compactMap { metric in
                guard let resource = metric["resource"] as? [String: Any], let name = resource["name"] as? String,
                    let value = (resource[field] as? [String: Any])?["averageUtilization"] as? Int
                else { return nil }
                return (name, value)
            },
            uniquingKeysWith: { first, _ in first }
        )
    }
}
