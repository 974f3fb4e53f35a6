import Foundation
import Testing
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// Which value a proposal raises: the memory limit where the workload's pods and template disagree, the
/// size of a claim being expanded. A raise of a lesser one would lower the object.
struct RaiseChoiceTests {
    /// memory-limit-1 with every cart pod OOM-killed five times, and one of them already on a 640Mi limit:
    /// the three `app` containers tie, and the proposal must not depend on the order the cluster's
    /// dictionary of pods keeps them in. It raises the highest limit, 640Mi: those pods run out too.
    @Test func aTieBetweenPodsRaisesTheHighestLimitEveryTime() async throws {
        try await computeOffThePool {
            // Eight loads alive at once: each dictionary of pods has its own storage, and so its own order.
            let rationales = try Self.rationales(of: "set-resources", in: "memory-limit-1", loads: 8) { item in
                guard item["kind"] as? String == "Pod",
                    let name = (item["metadata"] as? [String: Any])?["name"] as? String,
                    name.hasPrefix("cart-")
                else { return item }
                var pod = item
                var status = pod["status"] as! [String: Any]
                status["containerStatuses"] = (status["containerStatuses"] as! [[String: Any]]).map {
                    $0.merging(["restartCount": 5]) { $1 }
                }
                pod["status"] = status
                if name.hasSuffix("-ltjth") { pod = Self.limiting(pod, to: "640Mi") }
                return pod
            }
            #expect(Set(rationales).count == 1, "\(Set(rationales))")
            #expect(rationales.first == ["memory limit 640Mi × 1.5"], "\(rationales)")
        }
    }

    /// Mid-rollout the template already holds more than the pods that ran out (cart's raised from 512Mi to
    /// 1Gi, its pods not yet replaced): a raise of the pods' 512Mi to 768Mi would lower the template.
    @Test func aTemplateRaisedAlreadyIsRaisedAgainNotLowered() async throws {
        try await computeOffThePool {
            let rationales = try Self.rationales(of: "set-resources", in: "memory-limit-1", loads: 1) { item in
                guard item["kind"] as? String == "Deployment",
                    (item["metadata"] as? [String: Any])?["name"] as? String == "cart"
                else { return item }
                var deployment = item
                var spec = deployment["spec"] as! [String: Any]
                spec["template"] = Self.limiting(spec["template"] as! [String: Any], to: "1Gi")
                deployment["spec"] = spec
                return deployment
            }
            #expect(
                rationales == [["memory limit 1Gi × 1.5; the pods that ran out have 512Mi"]],
                "\(rationales)"
            )
        }
    }

    /// A template with no limit, pods on a LimitRange's default that was raised: those still on the old
    /// 512Mi run out, the new one runs with 1Gi and has not. A raise of 512Mi to 768Mi would lower the new
    /// pod's limit (the remediation engine refuses it as `not-a-raise`, round after round): 1Gi is raised.
    @Test func theHighestLimitThePodsRunWithIsRaisedNotTheOneThatRanOut() async throws {
        try await computeOffThePool {
            let rationales = try Self.rationales(of: "set-resources", in: "memory-limit-1", loads: 1) { item in
                let name = (item["metadata"] as? [String: Any])?["name"] as? String ?? ""
                switch item["kind"] as? String {
                case "Deployment" where name == "cart":
                    var deployment = item
                    var spec = deployment["spec"] as! [String: Any]
                    var template = spec["template"] as! [String: Any]
                    var podSpec = template["spec"] as! [String: Any]
                    podSpec["containers"] = (podSpec["containers"] as! [[String: Any]]).map {
                        $0.filter { $0.key != "resources" }
                    }
                    template["spec"] = podSpec
                    spec["template"] = template
                    deployment["spec"] = spec
                    return deployment
                case "Pod" where name.hasSuffix("-ltjth"):
                    var pod = Self.limiting(item, to: "1Gi")
                    var status = pod["status"] as! [String: Any]
                    status["containerStatuses"] = (status["containerStatuses"] as! [[String: Any]]).map {
                        $0.merging(["restartCount": 0, "lastState": [:] as [String: Any]]) { $1 }
                    }
                    pod["status"] = status
                    return pod
                default:
                    return item
                }
            }
            #expect(
                rationales == [["memory limit 1Gi × 1.5; the pods that ran out have 512Mi"]],
                "\(rationales)"
            )
        }
    }

    /// `object` (a pod, or a pod template) with every container's memory limit at `limit`.
    static func limiting(_ object: [String: Any], to limit: String) -> [String: Any] {
        var object = object
        var spec = object["spec"] as! [String: Any]
        spec["containers"] = (spec["containers"] as! [[String: Any]]).map {
            $0.merging(["resources": ["limits": ["memory": limit]]]) { $1 }
        }
        object["spec"] = spec
        return object
    }

    /// A claim whose expansion is under way (its request above its capacity) grows from its request: from
    /// its capacity, the proposal would shrink the request.
    @Test func aClaimBeingExpandedGrowsFromItsRequest() async throws {
        try await computeOffThePool {
            let rationales = try Self.rationales(of: "expand-pvc", in: "volume-filling-1", loads: 1) { item in
                guard item["kind"] as? String == "PersistentVolumeClaim" else { return item }
                var claim = item
                var spec = claim["spec"] as! [String: Any]
                spec["resources"] = ["requests": ["storage": "60Gi"]]
                claim["spec"] = spec
                return claim
            }
            #expect(rationales.first?.first?.hasPrefix("request, expanding, 60Gi × ") == true, "\(rationales)")
        }
    }

    /// The rationales of `action`'s proposals in the bundled scenario `scenario` with its cluster's items
    /// changed by `change`, from `loads` loads of it alive at once.
    static func rationales(
        of action: String,
        in scenario: String,
        loads: Int,
        _ change: ([String: Any]) -> [String: Any]
    ) throws -> [[String]] {
        let source = "\(ScenarioReplayTests.root)/sample-metrics/scenarios/\(scenario)"
        let directory = try TemporaryDirectory("raise")
        for file in ["metrics.om", "events.json"] {
            try FileManager.default.copyItem(atPath: "\(source)/\(file)", toPath: directory.file(file).path)
        }
        var cluster =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(source)/cluster.json")))
            as! [String: Any]
        cluster["items"] = (cluster["items"] as! [[String: Any]]).map(change)
        try JSONSerialization.data(withJSONObject: cluster).write(to: directory.file("cluster.json"))

        let engine = DiagnosisEngine(rules: try ScenarioReplayTests.rules.get())
        let scenarios = try (0..<loads).map { _ in try ReplayScenario.load(directory.url.path, keeping: engine.selects)
        }
        return scenarios.map { scenario in
            engine.diagnose(history: scenario.history, cluster: scenario.cluster, now: scenario.now).incidents
                .flatMap(\.proposals).filter { $0.action == action }.map(\.rationale)
        }
    }
}
