import Foundation
import Testing
import VigilTestKit

@testable import VigilEngine

/// What the intake did, in order: each delivery's first fingerprint, and each reconciliation's start.
private final class IntakeLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String] = []

    func append(_ entry: String) { lock.withLock { entries.append(entry) } }
    var all: [String] { lock.withLock { entries } }

    /// Yields until `condition` holds of the entries.
    func wait(until condition: ([String]) -> Bool) async {
        while !condition(all) { await Task.yield() }
    }
}

private func delivery(_ fingerprint: String, truncated: Int = 0, alerts: Int = 1) -> AlertmanagerWebhook {
    AlertmanagerWebhook(
        receiver: "vigil",
        status: .firing,
        alerts: (0..<alerts).map {
            Alert(
                fingerprint: $0 == 0 ? fingerprint : "\(fingerprint)\($0)",
                status: .firing,
                labels: ["alertname": "A"],
                startsAt: 0
            )
        },
        groupKey: "{}",
        truncatedAlerts: truncated,
        externalURL: ""
    )
}

struct AlertIntakeTests {
    /// A full queue refuses (the handler answers 503); what was queued is delivered in order.
    @Test func aFullQueueRefusesAndTheRestArriveInOrder() async throws {
        let log = IntakeLog()
        let intake = AlertIntake(
            capacity: 2,
            deliver: { alerts in
                log.append(alerts[0].fingerprint)
                return AlertBook.Receipt()
            }
        )
        #expect(intake.offer(delivery("a")))
        #expect(intake.offer(delivery("b")))
        #expect(!intake.offer(delivery("c")))
        #expect(intake.queued == 2)
        let running = Task { try await intake.run() }
        await log.wait { $0.count == 2 }
        #expect(log.all == ["a", "b"])
        running.cancel()
    }

    /// The queue is bounded by what its alerts weigh too: 1,024 deliveries of a megabyte each, decoded,
    /// were gigabytes. Taken alerts leave the bound; a delivery into an empty queue is always taken.
    @Test func aQueueHeavyWithAlertsRefusesUntilTheyAreTaken() async throws {
        let one = AlertIntake.weight(of: delivery("x"))
        let log = IntakeLog()
        let (held, release) = AsyncStream<Void>.makeStream()
        let intake = AlertIntake(
            capacity: 100,
            byteCapacity: 10 * one,
            deliver: { alerts in
                log.append("\(alerts[0].fingerprint) \(alerts.count)")
                if alerts[0].fingerprint == "a" {
                    for await _ in held { break }
                }
                return AlertBook.Receipt()
            }
        )
        // Every string counts: a megabyte fingerprint weighs a megabyte.
        var heavy = delivery("x")
        heavy.alerts[0].fingerprint = String(repeating: "f", count: 1 << 20)
        #expect(AlertIntake.weight(of: heavy) > 1 << 20)
        #expect(intake.offer(delivery("a", alerts: 4)))
        #expect(intake.offer(delivery("b", alerts: 6)))
        #expect(!intake.offer(delivery("c", alerts: 1)), "ten alerts' weight queued")
        let running = Task { try await intake.run() }
        // a is out of the queue (its diagnosis held here): six alerts' weight queued.
        await log.wait { $0.count == 1 }
        #expect(intake.offer(delivery("c", alerts: 4)))
        #expect(!intake.offer(delivery("e", alerts: 1)))
        release.yield()
        await log.wait { $0.count == 3 }
        #expect(intake.offer(delivery("d", alerts: 25)), "an empty queue takes a delivery heavier than the bound")
        await log.wait { $0.count == 4 }
        #expect(log.all == ["a 4", "b 6", "c 4", "d 25"])
        running.cancel()
    }

    /// A truncated delivery asks for a reconciliation, which runs beside the deliveries: a slow
    /// Alertmanager never holds them up, and requests made meanwhile coalesce into one more run.
    @Test func aTruncatedDeliveryReconcilesWithoutHoldingUpTheRest() async throws {
        let log = IntakeLog()
        let clock = ManualClock()
        let intake = AlertIntake(
            deliver: { alerts in
                log.append(alerts[0].fingerprint)
                return AlertBook.Receipt()
            },
            reconcile: {
                log.append("reconcile")
                // Alertmanager answers in a minute.
                try? await clock.sleep(for: .seconds(60))
            }
        )
        let running = Task { try await intake.run() }
        #expect(intake.offer(delivery("a", truncated: 3)))
        await clock.waitForSleepers(1)
        #expect(intake.offer(delivery("b", truncated: 1)))
        #expect(intake.offer(delivery("c", truncated: 1)))
        #expect(intake.offer(delivery("d")))
        // Every delivery is in while the first reconciliation still waits for Alertmanager.
        await log.wait { $0.contains("d") }
        #expect(log.all == ["a", "reconcile", "b", "c", "d"])
        clock.advance(by: .seconds(60))
        // b's and c's requests made one more run, not two.
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(60))
        // A third run, were requests queued rather than coalesced, would start at once: give it every
        // chance before counting.
        for _ in 0..<1_000 { await Task.yield() }
        #expect(log.all.filter { $0 == "reconcile" }.count == 2, "\(log.all)")
        #expect(clock.sleepers == 0)
        running.cancel()
    }
}
