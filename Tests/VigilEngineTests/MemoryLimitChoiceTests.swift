import Foundation
import Testing
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// Which limit a memory-limit proposal raises, where the workload's pods disagree mid-rollout.
struct MemoryLimitChoiceTests {
    /// memory-limit-1 with every cart pod OOM-killed five times, and one of them already on a 640Mi limit:
    /// the three `app` containers tie, and the proposal must not depend on the order the cluster's
    /// dictionary of pods keeps them in. It raises the highest limit, 640Mi: those pods run out too.
    @Test func aTieBetweenPodsRaisesTheHighestLimitEveryTime() async throws {
        try await computeOffThePool {
            let source = "\(ScenarioReplayTests.root)/sample-metrics/scenarios/memory-limit-1"
            let directory = try TemporaryDirectory("tie")
            for file in ["metrics.om", "events.json"] {
                try FileManager.default.copyItem(atPath: "\(source)/\(file)", toPath: directory.file(file).path)
            }
            var cluster =
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(source)/cluster.json")))
                as! [String: Any]
            cluster["items"] = (cluster["items"] as! [[String: Any]]).map { item in
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
                if name.hasSuffix("-ltjth") {
                    var spec = pod["spec"] as! [String: Any]
                    spec["containers"] = (spec["containers"] as! [[String: Any]]).map {
                        $0.merging(["resources": ["limits": ["memory": "640Mi"]]]) { $1 }
                    }
                    pod["spec"] = spec
                }
                return pod
            }
            try JSONSerialization.data(withJSONObject: cluster).write(to: directory.file("cluster.json"))

            let engine = DiagnosisEngine(rules: try ScenarioReplayTests.rules.get())
            // Eight loads alive at once: each dictionary of pods has its own storage, and so its own order.
            let scenarios = try (0..<8).map { _ in try ReplayScenario.load(directory.url.path, keeping: engine.selects)
            }
            let rationales = scenarios.map { scenario in
                engine.diagnose(history: scenario.history, cluster: scenario.cluster, now: scenario.now).incidents
                    .flatMap(\.proposals).filter { $0.action == "set-resources" }.map(\.rationale)
            }
            #expect(Set(rationales).count == 1, "\(Set(rationales))")
            #expect(rationales.first?.first?.hasPrefix("memory limit 640Mi × ") == true, "\(rationales)")
        }
    }
}
