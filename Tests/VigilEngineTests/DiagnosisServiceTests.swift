import Foundation
import Logging
import Testing
import VigilKube
import VigilTestKit

@testable import VigilEngine

/// The diagnosis service on a manual clock: a round per interval, an incident opened while the
/// evidence is there and resolved once it is gone.
struct DiagnosisServiceTests {
    /// What the scripted inputs answer: the scenario while `present`, nothing after.
    final class Script: Sendable {
        let scenario: ReplayScenario
        let present = Locked(true)

        init(_ scenario: ReplayScenario) { self.scenario = scenario }

        func history(_ now: Double) -> MetricHistory { present.withLock { $0 } ? scenario.history : MetricHistory() }
        func cluster() -> ClusterModel { present.withLock { $0 } ? scenario.cluster : ClusterModel() }
    }

    @Test func opensAnIncidentOnTheFirstRoundAndResolvesItWhenTheEvidenceIsGone() async throws {
        let root = ScenarioReplayTests.root
        let scenario = try ReplayScenario.load("\(root)/sample-metrics/scenarios/memory-limit-1")
        let script = Script(scenario)
        // The first round comes one interval after the start: at the end of the recording.
        let clock = ManualClock(start: scenario.now - 30)
        let service = DiagnosisService(
            engine: DiagnosisEngine(rules: try ScenarioReplayTests.rules.get()),
            interval: .seconds(30),
            clock: clock,
            wallTime: { clock.epochSeconds },
            logger: Logger(label: "test"),
            history: { script.history($0) },
            cluster: { script.cluster() }
        )
        let running = Task { try await service.run() }
        defer { running.cancel() }

        await clock.waitForSleepers(1)
        #expect(await service.incidents(in: nil).isEmpty)
        clock.advance(by: .seconds(30))
        // The round ran once the service sleeps again.
        await clock.waitForSleepers(1)
        while await service.incidents(in: .open).isEmpty { await Task.yield() }
        let opened = try #require(await service.incidents(in: .open).first)
        #expect(opened.incident.subject.description == "deployment/cart")
        #expect(opened.incident.cause == "memory-limit")
        #expect(opened.openedAt == scenario.now)
        #expect(await service.incident(id: opened.id)?.state == .open)

        script.present.withLock { $0 = false }
        clock.advance(by: .seconds(30))
        while await service.incidents(in: .resolved).isEmpty { await Task.yield() }
        #expect(await service.incidents(in: .open).isEmpty)
        let resolved = try #require(await service.incident(id: opened.id))
        #expect(resolved.state == .resolved)
        #expect(resolved.resolvedAt == scenario.now + 30)

        running.cancel()
        _ = await running.result
    }

    /// A round set off while the service is not ready (the daemon's history still being read) waits, and
    /// then diagnoses at the time it runs: it once read the wall time first, and judged a history it had
    /// waited 20 s for as of 20 s before.
    @Test func aRoundWaitsUntilReadyAndDiagnosesAtTheTimeItRuns() async throws {
        let clock = ManualClock(start: 1_000_000)
        let (arrivals, arrived) = AsyncStream<Void>.makeStream()
        let (openings, opening) = AsyncStream<Void>.makeStream()
        let asked = Locked<[Double]>([])
        let service = DiagnosisService(
            engine: DiagnosisEngine(rules: try ScenarioReplayTests.rules.get()),
            clock: clock,
            wallTime: { clock.epochSeconds },
            logger: Logger(label: "test"),
            ready: {
                arrived.yield()
                var next = openings.makeAsyncIterator()
                _ = await next.next()
            },
            history: { now in
                asked.withLock { $0.append(now) }
                return MetricHistory()
            }
        )
        let round = Task { await service.diagnose() }
        var waiting = arrivals.makeAsyncIterator()
        _ = await waiting.next()
        #expect(asked.withLock { $0 }.isEmpty, "a round read its history before it was ready")
        clock.advance(by: .seconds(20))
        opening.yield()
        _ = await round.value
        #expect(asked.withLock { $0 } == [1_000_020])
    }
}
