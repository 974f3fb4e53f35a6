import Foundation
import VigilKube

/// HorizontalPodAutoscalers pinned at their maximum while they want more: the workload is out of room.
public struct AutoscalerAnalyzer: CauseAnalyzer {
    public init() {}

    public func findings(in context: AnalysisContext) -> [Finding] {
        context.cluster.autoscalers.values.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
            .filter(\.pinnedAtMaximum)
            .map { hpa in
                Finding(
                    "HPAAtMaximum",
                    .warning,
                    object: Subject(kind: hpa.targetKind, namespace: hpa.namespace, name: hpa.targetName),
                    message:
                        "horizontalpodautoscaler/\(hpa.name) is at its maximum of \(hpa.maxReplicas) replicas and wants \(hpa.desiredReplicas)",
                    since: hpa.lastScaled?.timeIntervalSince1970
                )
            }
    }
}
