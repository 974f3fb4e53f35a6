import MCP
import Testing

@testable import VigilAssist

/// Tool calls past the gate's limit are refused at once, not queued: the SDK starts a task per request,
/// so queueing would grow with whatever the agent sends.
@Suite struct CallGateTests {
    /// A catalog whose `list_incidents` waits until released, counting who is waiting.
    actor HeldCatalog: AssistCatalog {
        private(set) var waiting = 0
        private var held: [CheckedContinuation<Void, Never>] = []

        func release() {
            for call in held { call.resume() }
            held = []
        }

        func incidents(namespace: String?) async throws(AssistError) -> [AssistItem] {
            waiting += 1
            await withCheckedContinuation { held.append($0) }
            waiting -= 1
            return []
        }
        func incident(id: String, evidenceLimit: Int) async throws(AssistError) -> AssistItem {
            throw AssistError("none")
        }
        func series(incident: String, metric: String?, points: Int) async throws(AssistError) -> [AssistItem] { [] }
        func anomalies(ongoingOnly: Bool) async throws(AssistError) -> [AssistItem] { [] }
        func diagnose(namespace: String, workload: ScopeArgument.Workload?) async throws(AssistError) -> [AssistItem] {
            []
        }
        func proposals(incident: String) async throws(AssistError) -> [AssistItem] { [] }
    }

    static func text(_ result: CallTool.Result) -> String {
        guard case .text(let text, _, _) = result.content.first else { return "" }
        return text
    }

    @Test func aCallPastTheLimitIsRefusedAtOnceAndThePlaceComesBack() async throws {
        let catalog = HeldCatalog()
        let tools = AssistTools(catalog: catalog, gate: CallGate(limit: 2))
        async let first = tools.call("list_incidents", arguments: nil)
        async let second = tools.call("list_incidents", arguments: nil)
        while await catalog.waiting < 2 { await Task.yield() }

        let refused = try await tools.call("list_incidents", arguments: nil)
        #expect(refused.isError == true)
        #expect(Self.text(refused).contains("busy: 2 calls are being answered"), "\(Self.text(refused))")
        #expect(await catalog.waiting == 2, "the refused call never reached the catalog")

        await catalog.release()
        let (one, two) = try await (first, second)
        #expect(one.isError != true && two.isError != true)
        // Both places are free again.
        async let third = tools.call("list_incidents", arguments: nil)
        async let fourth = tools.call("list_incidents", arguments: nil)
        while await catalog.waiting < 2 { await Task.yield() }
        await catalog.release()
        let (three, four) = try await (third, fourth)
        #expect(three.isError != true && four.isError != true)
    }

    /// A call the client cancelled (`notifications/cancelled`, which cancels its task) ends in
    /// `CancellationError`, so the SDK answers nothing, as the specification asks; a tool's failures are
    /// its result's `isError`, and the cancelled call was answered all the same.
    @Test func aCancelledCallIsAnsweredWithNothing() async throws {
        let catalog = HeldCatalog()
        let tools = AssistTools(catalog: catalog)
        let call = Task { try await AssistServer.answer(.init(name: "list_incidents"), with: tools) }
        while await catalog.waiting < 1 { await Task.yield() }
        call.cancel()
        await catalog.release()
        await #expect(throws: CancellationError.self) { try await call.value }
        // Not cancelled, the same call is answered.
        let answered = Task { try await AssistServer.answer(.init(name: "list_incidents"), with: tools) }
        while await catalog.waiting < 1 { await Task.yield() }
        await catalog.release()
        #expect(try await answered.value.isError != true)
    }
}
