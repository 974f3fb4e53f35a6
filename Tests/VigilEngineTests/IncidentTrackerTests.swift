import Foundation
import Testing
import VigilKube

@testable import VigilEngine

/// The daemon's incidents over time: opened once, resolved when no longer found, bounded.
struct IncidentTrackerTests {
    static func incident(_ id: String, workload: String = "web", cause: String = "memory-limit") -> Incident {
        Incident(
            id: id,
            subject: Subject(kind: "deployment", namespace: "shop", name: workload),
            startedAt: 1_700_000_000,
            cause: cause,
            summary: "",
            playbook: nil,
            confidence: 1,
            severity: .critical,
            evidence: [],
            proposals: [],
            explanation: ""
        )
    }

    @Test func anIncidentFoundAgainStaysOneOpenIncidentAndResolvesWhenGone() {
        var tracker = IncidentTracker()
        let first = tracker.update(with: [Self.incident("a")], at: 100)
        #expect(first.opened.map(\.id) == ["a"] && first.resolved.isEmpty)
        let second = tracker.update(with: [Self.incident("a")], at: 130)
        #expect(second == IncidentTracker.Changes())
        #expect(tracker.open.map(\.openedAt) == [100] && tracker.open.map(\.lastSeenAt) == [130])
        let third = tracker.update(with: [], at: 160)
        #expect(third.resolved.map(\.id) == ["a"])
        #expect(tracker.open.isEmpty)
        let resolved = tracker.incident(id: "a")
        #expect(resolved?.state == .resolved && resolved?.resolvedAt == 160 && resolved?.lastSeenAt == 130)
        #expect(tracker.incidents(in: .resolved).map(\.id) == ["a"])
        #expect(tracker.incidents(in: .open).isEmpty)
    }

    @Test func aResolvedIncidentFoundAgainReopensUnderItsID() {
        var tracker = IncidentTracker()
        _ = tracker.update(with: [Self.incident("a")], at: 100)
        _ = tracker.update(with: [], at: 130)
        let again = tracker.update(with: [Self.incident("a")], at: 160)
        #expect(again.opened.map(\.id) == ["a"])
        #expect(tracker.resolved.isEmpty)
        #expect(tracker.incidents().map(\.state) == [.open])
    }

    @Test func anIDThatMovedWithTheWindowKeepsTheOpenIncident() {
        // Same subject and cause, a later onset hour: the same problem, still under its first id.
        var tracker = IncidentTracker()
        _ = tracker.update(with: [Self.incident("web-memory-limit-h1")], at: 100)
        var moved = Self.incident("web-memory-limit-h2")
        moved.startedAt += 3600
        let changes = tracker.update(with: [moved], at: 3700)
        #expect(changes == IncidentTracker.Changes())
        #expect(tracker.open.map(\.id) == ["web-memory-limit-h1"])
        #expect(tracker.open.first?.incident.startedAt == 1_700_000_000)
        // Another cause of the same workload is another incident.
        let other = tracker.update(with: [moved, Self.incident("web-bad-rollout", cause: "bad-rollout")], at: 3730)
        #expect(other.opened.map(\.id) == ["web-bad-rollout"])
    }

    @Test func resolvedIncidentsAreBoundedNewestFirst() {
        var tracker = IncidentTracker(resolvedLimit: 3)
        for round in 0..<5 {
            _ = tracker.update(with: [Self.incident("i\(round)", workload: "w\(round)")], at: Double(round * 30))
        }
        _ = tracker.update(with: [], at: 200)
        // Each round's incident replaced the last one's; the oldest resolved ones are forgotten.
        #expect(tracker.resolved.map(\.id) == ["i4", "i3", "i2"])
        #expect(tracker.resolved.map(\.resolvedAt) == [200, 120, 90])
        #expect(tracker.incident(id: "i0") == nil)
    }

    @Test func theJSONIsTheDiagnoseSchemaWithStateAndResolvedAt() throws {
        var tracker = IncidentTracker()
        _ = tracker.update(with: [Self.incident("a")], at: 1_700_000_100)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let open = String(decoding: try encoder.encode(tracker.open), as: UTF8.self)
        #expect(open.contains(#""resolved_at":null"#) && open.contains(#""state":"open""#))
        #expect(open.contains(#""workload":"deployment/web""#) && open.contains(#""id":"a""#))
        _ = tracker.update(with: [], at: 1_700_000_130)
        let resolved = String(decoding: try encoder.encode(tracker.resolved), as: UTF8.self)
        #expect(
            resolved.contains(#""resolved_at":"2023-11-14T22:15:30Z""#) && resolved.contains(#""state":"resolved""#)
        )
    }
}
