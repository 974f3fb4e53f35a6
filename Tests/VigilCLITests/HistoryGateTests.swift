import Testing

@testable import VigilCLI

/// A diagnosis round waits at the gate until the history from Prometheus is in.
struct HistoryGateTests {
    /// What happened, in order.
    actor Events {
        var happened: [String] = []
        func note(_ event: String) { happened.append(event) }
    }

    @Test func aRoundWaitsUntilTheGateOpens() async {
        let gate = HistoryGate()
        let events = Events()
        let round = Task {
            await gate.wait()
            await events.note("round")
        }
        // Opened only once the round waits at it (a gate that let it through would never see it wait).
        var yields = 0
        while await gate.waitingCount == 0, yields < 100_000 {
            await Task.yield()
            yields += 1
        }
        #expect(await gate.waitingCount == 1)
        await events.note("history in")
        await gate.open()
        await round.value
        #expect(await events.happened == ["history in", "round"])
        // Once open, it stays open.
        await gate.wait()
        #expect(await gate.waitingCount == 0)
    }
}
