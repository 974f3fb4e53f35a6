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

    /// At its maximum, and either wanting more or told so by its own condition.
    public var pinnedAtMaximum: Bool {
        currentReplicas >= maxReplicas && (limitedAtMaximum || desiredReplicas >= maxReplicas)
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
        limitedAtMaximum = (status["conditions"] as? [[String: Any]] ?? []).contains {
            $0["type"] as? String == "ScalingLimited" && $0["status"] as? String == "True"
                && $0["reason"] as? String == "TooManyReplicas"
        }
    }
}
