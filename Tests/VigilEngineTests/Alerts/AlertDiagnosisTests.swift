import Foundation
import Logging
import Testing
import VigilKube
import VigilTestKit

@testable import VigilEngine

/// A firing alert becomes evidence of the workload its labels name, and always sits in an incident; the
/// incident closes when the alert resolves; a duplicate starts no diagnosis.
@Suite struct AlertDiagnosisTests {
    static let scenario = try! ReplayScenario.load("\(ScenarioReplayTests.root)/sample-metrics/scenarios/healthy-1")

    static func alert(_ labels: [String: String], _ status: Alert.Status = .firing) -> Alert {
        Alert(
            fingerprint:
                "f-\(labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))",
            status: status,
            labels: labels,
            annotations: ["summary": "checkout is slow"],
            startsAt: scenario.now - 120
        )
    }

    @Test func aFiringAlertOpensAnIncidentOfTheWorkloadItNames() throws {
        let engine = DiagnosisEngine(rules: try ScenarioReplayTests.rules.get())
        let pod = try #require(Self.scenario.cluster.pods.values.first { $0.namespace == "shop" && $0.owner != nil })
        let alert = Self.alert([
            "alertname": "HighLatency", "namespace": "shop", "pod": pod.name, "severity": "critical",
        ])
        let quiet = engine.diagnose(
            history: Self.scenario.history,
            cluster: Self.scenario.cluster,
            now: Self.scenario.now
        )
        #expect(quiet.incidents.isEmpty)  // a healthy namespace
        let alerted = engine.diagnose(
            history: Self.scenario.history,
            cluster: Self.scenario.cluster,
            alerts: [alert],
            now: Self.scenario.now
        )
        let incident = try #require(alerted.incidents.first)
        #expect(alerted.incidents.count == 1)
        #expect(incident.subject == Topology(cluster: Self.scenario.cluster).subject(ofPod: "shop", pod.name))
        #expect(incident.subject.kind != "pod")  // the pod's workload
        #expect(incident.severity == .critical)
        #expect(incident.evidence.contains { $0.kind == .alert && $0.name == "HighLatency" })
        #expect(incident.cause == "unknown")

        let nowhere = engine.diagnose(
            history: MetricHistory(),
            cluster: ClusterModel(),
            alerts: [Self.alert(["alertname": "Watchdog"])],
            now: Self.scenario.now
        )
        #expect(nowhere.incidents.map(\.subject.description) == ["alert/Watchdog"])
    }

    @Test func theServiceOpensOnAFiringAlertClosesOnResolvedAndIgnoresDuplicates() async throws {
        let rounds = Rounds()
        let clock = ManualClock(start: Self.scenario.now)
        let service = DiagnosisService(
            engine: DiagnosisEngine(rules: try ScenarioReplayTests.rules.get()),
            clock: clock,
            wallTime: { clock.epochSeconds },
            logger: Logger(label: "test"),
            history: { _ in
                rounds.count()
                return MetricHistory()
            }
        )
        let alert = Self.alert(["alertname": "HighLatency", "namespace": "shop", "deployment": "checkout"])
        #expect(await service.receive([alert]).opened.count == 1)
        let open = await service.incidents(in: .open)
        #expect(open.map(\.incident.subject.description) == ["deployment/checkout"])
        #expect(rounds.value == 1)

        #expect(await service.receive([alert, alert]).duplicates == 2)
        #expect(rounds.value == 1)  // no second diagnosis
        #expect(await service.incidents(in: .open).count == 1)

        var resolved = alert
        resolved.status = .resolved
        #expect(await service.receive([resolved]).resolved.count == 1)
        #expect(await service.incidents(in: .open).isEmpty)
        #expect(await service.incidents(in: .resolved).map(\.id) == open.map(\.id))
    }
}

/// A counter read and written from several threads; NSLock, which ThreadSanitizer sees through on Linux
/// (Synchronization.Mutex it does not).
final class Rounds: @unchecked Sendable {
    private let lock = NSLock()
    private var counted = 0

    func count() { lock.withLock { counted += 1 } }
    var value: Int { lock.withLock { counted } }
}
