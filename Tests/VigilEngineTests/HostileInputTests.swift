import Foundation
import Testing
import VigilCore
import VigilKube
import VigilRules

@testable import VigilEngine

/// Numbers from a recording or a cluster can be anything: none of them may trap a conversion, and the
/// engine still answers.
struct HostileInputTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func extremeValuesAndCountsDoNotTrap() throws {
        let rules = try RuleSet.load(["\(Self.root)/rules"])
        var history = MetricHistory()
        let labels = ["namespace": "shop", "pod": "web-abc-1", "container": "app"]
        for (name, values) in [
            ("container_memory_working_set_bytes", [1.0, 1e300, .infinity, -.infinity, .nan, 1e308]),
            ("kube_pod_container_resource_limits", [1e300, 1e300, 1e300, 1e300, 1e300, 1e300]),
        ] {
            var series = labels
            series["__name__"] = name
            series["resource"] = "memory"
            let times = (0..<values.count).map { Double($0) * 30 }
            history.append(MetricHistory.Series(labels: series, type: .gauge, times: times, values: values))
        }
        let objects: [[String: Any]] = [
            [
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": ["name": "web", "namespace": "shop", "uid": "d1"], "spec": ["replicas": Int.max],
            ],
            [
                "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": ["name": "web", "namespace": "shop"],
                "spec": ["scaleTargetRef": ["kind": "Deployment", "name": "web"], "maxReplicas": Int.max],
                "status": ["currentReplicas": Int.max, "desiredReplicas": Int.max],
            ],
            [
                "apiVersion": "v1", "kind": "Pod",
                "metadata": ["name": "web-abc-1", "namespace": "shop", "uid": "p1"],
                "spec": ["containers": [["name": "app", "resources": ["limits": ["memory": "999999999999Ei"]]]]],
                "status": [
                    "phase": "Running",
                    "containerStatuses": [
                        [
                            "name": "app", "restartCount": Int.max,
                            "lastState": [
                                "terminated": [
                                    "reason": "OOMKilled", "exitCode": 137, "finishedAt": "1970-01-01T00:02:00Z",
                                ]
                            ],
                        ]
                    ],
                ],
            ],
        ]
        var cluster = ClusterModel(eventWindow: .infinity)
        cluster.load(items: objects, now: Date(timeIntervalSince1970: 150))
        let diagnosis = DiagnosisEngine(rules: rules).diagnose(history: history, cluster: cluster, now: 150)
        // The OOM kill is recent, so something is found; what matters is that nothing trapped on the way.
        #expect(!diagnosis.incidents.isEmpty)
        for proposal in diagnosis.incidents.flatMap(\.proposals) { #expect(proposal.kubectl.hasPrefix("kubectl ")) }
    }
}
