import Foundation
import Testing
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// Bundled scenarios changed the ways real recordings differ from them, each a way the engine once got
/// wrong (found by review): the diagnosis must not move.
struct ScenarioVariantTests {
    typealias Change = @Sendable (inout Files) -> Void

    struct Files {
        var metrics: String
        var events: [String: Any]
        var cluster: [String: Any]

        mutating func items(
            _ keyPath: WritableKeyPath<Files, [String: Any]>,
            _ change: ([[String: Any]]) -> [[String: Any]]
        ) {
            self[keyPath: keyPath]["items"] = change(self[keyPath: keyPath]["items"] as? [[String: Any]] ?? [])
        }
    }

    struct Variant: Sendable, CustomTestStringConvertible {
        var scenario: String
        var why: String
        var change: Change
        var testDescription: String { "\(scenario): \(why)" }
    }

    static let variants: [Variant] = [
        Variant(scenario: "crashloop-after-rollout-1", why: "no replicasets listed: the rollout is read from events") {
            $0.items(\.cluster) { $0.filter { $0["kind"] as? String != "ReplicaSet" } }
        },
        Variant(scenario: "latency-regression-1", why: "no replicasets listed") {
            $0.items(\.cluster) { $0.filter { $0["kind"] as? String != "ReplicaSet" } }
        },
        Variant(scenario: "node-failure-1", why: "the node's events have expired") { $0.items(\.events) { _ in [] } },
        Variant(scenario: "crashloop-after-rollout-1", why: "a readiness blip 17 minutes before the rollout") {
            $0.items(\.events) { events in
                events + [
                    [
                        "apiVersion": "v1", "kind": "Event", "type": "Warning", "reason": "Unhealthy", "count": 1,
                        "metadata": ["name": "checkout-blip.1", "namespace": "shop"],
                        "involvedObject": ["kind": "Deployment", "name": "checkout", "namespace": "shop"],
                        "message": "Readiness probe failed: HTTP probe failed with statuscode: 503",
                        "firstTimestamp": "2026-11-29T23:05:00Z", "lastTimestamp": "2026-11-29T23:05:00Z",
                    ]
                ]
            }
        },
        Variant(scenario: "latency-regression-1", why: "an idle HPA with min = max sits at its maximum") {
            $0.items(\.cluster) { items in
                items + [
                    [
                        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                        "metadata": ["name": "search", "namespace": "shop"],
                        "spec": [
                            "scaleTargetRef": ["kind": "Deployment", "name": "search"], "minReplicas": 3,
                            "maxReplicas": 3,
                            "metrics": [
                                [
                                    "type": "Resource",
                                    "resource": ["name": "cpu", "target": ["averageUtilization": 70]],
                                ]
                            ],
                        ],
                        "status": [
                            "currentReplicas": 3, "desiredReplicas": 3,
                            "currentMetrics": [
                                [
                                    "type": "Resource",
                                    "resource": ["name": "cpu", "current": ["averageUtilization": 35]],
                                ]
                            ],
                        ],
                    ]
                ]
            }
        },
        Variant(
            scenario: "memory-limit-1",
            why: "a rollout raised the limit 20 minutes ago and the new pod runs out too"
        ) {
            $0.items(\.cluster) { items in
                guard
                    let replicaSet = items.first(where: {
                        ($0["metadata"] as? [String: Any])?["name"] as? String == "cart-mjmkcxtqp"
                    }),
                    let pod = items.first(where: {
                        ($0["metadata"] as? [String: Any])?["name"] as? String == "cart-mjmkcxtqp-7tn62"
                    })
                else { return items }
                return items + [
                    Self.renamed(
                        replicaSet,
                        to: "cart-raised",
                        created: "2026-11-29T23:40:00Z",
                        owner: nil,
                        revision: "6"
                    ),
                    Self.renamed(
                        pod,
                        to: "cart-raised-x7k2p",
                        created: "2026-11-29T23:41:00Z",
                        owner: "cart-raised",
                        revision: nil
                    ),
                ]
            }
        },
        Variant(scenario: "dependency-failure-2", why: "the 5xx series appear only with the first error") {
            var first: [Substring: Substring] = [:]
            $0.metrics = $0.metrics.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
                guard line.hasPrefix("http_requests_total{"), line.contains("code=\"5"),
                    let brace = line.firstIndex(of: "}")
                else { return true }
                let series = line[...brace]
                let value = line[line.index(after: brace)...].split(separator: " ").first ?? ""
                if first[series] == nil { first[series] = value }
                return value != first[series]
            }
            .joined(separator: "\n")
        },
    ]

    /// `item` (a ReplicaSet or a Pod of the recording) as a new object: its name, creation time, owning
    /// ReplicaSet and revision replaced where given, with a memory limit of 768Mi.
    static func renamed(
        _ item: [String: Any],
        to name: String,
        created: String,
        owner: String?,
        revision: String?
    ) -> [String: Any] {
        var item = item
        var metadata = item["metadata"] as? [String: Any] ?? [:]
        metadata["name"] = name
        metadata["uid"] = UUID().uuidString
        metadata["creationTimestamp"] = created
        if let revision {
            var annotations = metadata["annotations"] as? [String: Any] ?? [:]
            annotations["deployment.kubernetes.io/revision"] = revision
            metadata["annotations"] = annotations
        }
        if let owner, var references = metadata["ownerReferences"] as? [[String: Any]], !references.isEmpty {
            references[0]["name"] = owner
            metadata["ownerReferences"] = references
        }
        item["metadata"] = metadata
        let limit = #"{"limits":{"memory":"768Mi"},"requests":{"cpu":"250m","memory":"384Mi"}}"#
        let resources = try! JSONSerialization.jsonObject(with: Data(limit.utf8))
        func raised(_ spec: [String: Any]) -> [String: Any] {
            var spec = spec
            spec["containers"] = (spec["containers"] as? [[String: Any]] ?? []).map { container in
                var container = container
                container["resources"] = resources
                return container
            }
            return spec
        }
        if var spec = item["spec"] as? [String: Any] {
            if var template = spec["template"] as? [String: Any], let podSpec = template["spec"] as? [String: Any] {
                template["spec"] = raised(podSpec)
                spec["template"] = template
                item["spec"] = spec
            } else {
                item["spec"] = raised(spec)
            }
        }
        return item
    }

    /// Sixty-five minutes on (the crash-looping containers thirteen restarts further, one each five
    /// minutes, and their last crash as recent as ever; the recording has ended): the rollout whose pods
    /// crash is still the cause, not "cause unknown".
    @Test func aBadRolloutIsStillTheCauseAnHourOn() async throws {
        try await computeOffThePool {
            let (engine, scenario) = try Self.replay("crashloop-after-rollout-1") {
                $0.items(\.cluster) { items in
                    items.map { item in
                        guard item["kind"] as? String == "Pod", var status = item["status"] as? [String: Any] else {
                            return item
                        }
                        status["containerStatuses"] = (status["containerStatuses"] as? [[String: Any]] ?? []).map {
                            var container = $0
                            let waiting = (container["state"] as? [String: Any])?["waiting"] as? [String: Any]
                            if waiting?["reason"] as? String == "CrashLoopBackOff" {
                                container["restartCount"] = (container["restartCount"] as? Int ?? 0) + 13
                                // Its last crash is as recent as ever.
                                var last = container["lastState"] as? [String: Any] ?? [:]
                                var terminated = last["terminated"] as? [String: Any] ?? [:]
                                let format = ISO8601DateFormatter()
                                if let finished = (terminated["finishedAt"] as? String).flatMap(format.date) {
                                    terminated["finishedAt"] = format.string(from: finished.addingTimeInterval(3900))
                                    last["terminated"] = terminated
                                    container["lastState"] = last
                                }
                            }
                            return container
                        }
                        var item = item
                        item["status"] = status
                        return item
                    }
                }
            }
            let later = engine.diagnose(history: scenario.history, cluster: scenario.cluster, now: scenario.now + 3900)
            let first = try #require(later.incidents.first)
            #expect(first.subject.description == "deployment/checkout")
            #expect(first.cause == "bad-rollout")
            #expect(first.proposals.first?.action == "undo")
        }
    }

    /// The bundled scenario `name` with `change` made to its files, and the engine with the bundled rules.
    static func replay(_ name: String, _ change: Change) throws -> (DiagnosisEngine, ReplayScenario) {
        let source = "\(ScenarioReplayTests.root)/sample-metrics/scenarios/\(name)"
        func json(_ name: String) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(source)/\(name)")))
                as? [String: Any]
                ?? [:]
        }
        var files = Files(
            metrics: try String(contentsOfFile: "\(source)/metrics.om", encoding: .utf8),
            events: try json("events.json"),
            cluster: try json("cluster.json")
        )
        change(&files)
        let temporary = try TemporaryDirectory("variant")
        let directory = temporary.url.path
        try files.metrics.write(toFile: "\(directory)/metrics.om", atomically: true, encoding: .utf8)
        try JSONSerialization.data(withJSONObject: files.events).write(
            to: URL(fileURLWithPath: "\(directory)/events.json")
        )
        try JSONSerialization.data(withJSONObject: files.cluster).write(
            to: URL(fileURLWithPath: "\(directory)/cluster.json")
        )
        let engine = DiagnosisEngine(rules: try ScenarioReplayTests.rules.get())
        return (engine, try ReplayScenario.load(directory, keeping: engine.selects))
    }

    @Test(arguments: variants)
    func keepsItsDiagnosis(_ variant: Variant) async throws {
        try await computeOffThePool {
            let source = "\(ScenarioReplayTests.root)/sample-metrics/scenarios/\(variant.scenario)"
            let (engine, scenario) = try Self.replay(variant.scenario, variant.change)
            let expected = try JSONDecoder().decode(
                ScenarioReplayTests.Expected.self,
                from: Data(contentsOf: URL(fileURLWithPath: "\(source)/expected.json"))
            )
            let first = try #require(
                engine.diagnose(history: scenario.history, cluster: scenario.cluster, now: scenario.now).incidents.first
            )
            let want = try #require(expected.incident)
            #expect(first.subject.description == want.workload)
            #expect(first.cause == want.cause)
            #expect(first.proposals.first?.action == want.action)
        }
    }
}
