import Foundation
import Testing
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// Every bundled scenario (`sample-metrics/scenarios/`, written by `scripts/generate-scenarios.py`),
/// replayed through the default rule pack: the first incident names the expected workload, cause and
/// first proposal, and a healthy namespace gets no incident at all.
struct ScenarioReplayTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let scenarios: [String] = {
        let directory = "\(root)/sample-metrics/scenarios"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: "\(directory)/\($0)/expected.json") }.sorted()
    }()
    static let rules = Result { try RuleSet.load(["\(root)/rules"]) }

    struct Expected: Decodable {
        struct Incident: Decodable {
            var namespace: String?
            var workload: String
            var cause: String
            var action: String?
        }
        var incident: Incident?
    }

    @Test func theBundleHoldsEveryClass() {
        let classes = Set(Self.scenarios.map { $0.split(separator: "-").dropLast().joined(separator: "-") })
        #expect(
            classes == [
                "memory-limit", "crashloop-after-rollout", "latency-regression", "node-failure", "cpu-saturation",
                "memory-leak", "image-pull-after-rollout", "insufficient-capacity", "volume-filling",
                "dependency-failure", "healthy",
            ]
        )
    }

    @Test(arguments: scenarios)
    func diagnoses(_ name: String) async throws {
        try await computeOffThePool {
            let directory = "\(Self.root)/sample-metrics/scenarios/\(name)"
            let expected = try JSONDecoder().decode(
                Expected.self,
                from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/expected.json"))
            )
            let engine = DiagnosisEngine(rules: try Self.rules.get())
            let scenario = try ReplayScenario.load(directory, keeping: engine.selects)
            let diagnosis = engine.diagnose(history: scenario.history, cluster: scenario.cluster, now: scenario.now)
            let incidents = diagnosis.incidents
            // Rule files are checked against this vocabulary: it must hold every reason the analyzers give.
            #expect(diagnosis.findings.allSatisfy { Finding.reasons.contains($0.reason) })
            guard let want = expected.incident else {
                #expect(incidents.isEmpty, "healthy, yet: \(incidents.map { "\($0.subject) \($0.cause)" })")
                return
            }
            // One incident: no distractor opens a second one.
            #expect(incidents.count == 1, "\(incidents.map { "\($0.subject) \($0.cause)" })")
            let first = try #require(incidents.first, "no incident")
            #expect(first.subject.description == want.workload)
            #expect(first.subject.namespace == (want.namespace ?? ""))
            #expect(first.cause == want.cause)
            #expect(first.proposals.first?.action == want.action)
            // Every proposal is a runnable kubectl command for the incident's own namespace.
            for proposal in first.proposals {
                #expect(proposal.kubectl.hasPrefix("kubectl "))
                if !first.subject.namespace.isEmpty {
                    #expect(proposal.kubectl.contains(" -n \(first.subject.namespace)"))
                }
            }
            // Never a rollback for a node fault.
            if first.subject.kind == "node" { #expect(!first.proposals.contains { $0.action == "undo" }) }
        }
    }
}
