import ArgumentParser
import Foundation
import Testing
import VigilAssist
import VigilEngine
import VigilTestKit

@testable import VigilCLI

/// `vigil mcp`'s catalog over a source that changes: the cluster is healthy at first and a rollout
/// breaks it later. The full read answers until it is `--refresh` old on the injected clock; then the
/// next call sees the new state. Ids `diagnose` gives can be read though the full read predates them.
@Suite struct CatalogRefreshTests {
    /// What the fake source serves, and how often it was read.
    actor Source {
        var scenario = "healthy-1"
        var reads: [String] = []
        /// While held, a read waits until `release()`.
        var held = false
        /// Namespaces whose reads fail as a 403 would ("" for the read of every namespace).
        var forbidden: Set<String> = []
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func serve(_ name: String) { scenario = name }
        func forbid(_ namespace: String) { forbidden.insert(namespace) }
        func hold() { held = true }
        func release() {
            held = false
            for reader in waiting { reader.resume() }
            waiting = []
        }
        func read(_ namespace: String) async -> String {
            reads.append(namespace)
            if held { await withCheckedContinuation { waiting.append($0) } }
            return scenario
        }
    }

    static func catalog(_ source: Source, clock: ManualClock) throws -> DiagnosisCatalog {
        let command = try MCPCommand.parse([
            "--replay", MCPSessionTests.scenario("healthy-1"), "--rules", MCPSessionTests.rules,
        ])
        let engine = try command.evidence.engine()
        return DiagnosisCatalog(
            engine: engine,
            read: { namespace throws(DiagnosisInput.ReadError) in
                let name = await source.read(namespace)
                if await source.forbidden.contains(namespace) {
                    throw DiagnosisInput.ReadError(description: "forbidden: cannot list pods at the cluster scope")
                }
                return try DiagnosisInput.replay(MCPSessionTests.scenario(name), engine: engine)
            },
            preview: nil,
            refresh: .seconds(60),
            clock: clock
        )
    }

    static func workloads(_ items: [AssistItem]) -> [String] {
        items.compactMap { item in
            (try? JSONSerialization.jsonObject(with: Data(item.json.utf8)) as? [String: Any])?["workload"] as? String
        }
    }

    @Test func aFullReadAnswersUntilItIsRefreshOld() async throws {
        let source = Source()
        let clock = ManualClock()
        let catalog = try Self.catalog(source, clock: clock)
        #expect(try await catalog.incidents(namespace: "shop").isEmpty)

        await source.serve("crashloop-after-rollout-1")
        clock.advance(by: .seconds(59))
        // Within the interval: the same read answers, nothing is read again.
        #expect(try await catalog.incidents(namespace: "shop").isEmpty)
        #expect(await source.reads == [""])

        clock.advance(by: .seconds(1))
        let workloads = Self.workloads(try await catalog.incidents(namespace: "shop"))
        #expect(workloads.contains("deployment/checkout"), "\(workloads)")
        #expect(await source.reads == ["", ""])
    }

    @Test func callsThatArriveDuringAFullReadWaitForIt() async throws {
        let source = Source()
        await source.hold()
        let catalog = try Self.catalog(source, clock: ManualClock())
        async let first = catalog.incidents(namespace: nil)
        async let second = catalog.incidents(namespace: "shop")
        async let third = catalog.incidents(namespace: "kube-system")
        while await source.reads.isEmpty { await Task.yield() }
        // Let the other calls reach the catalog while the first read is held.
        for _ in 0..<200 { await Task.yield() }
        await source.release()
        let (all, inShop, elsewhere) = try await (first, second, third)
        #expect(all.isEmpty && inShop.isEmpty && elsewhere.isEmpty)
        #expect(await source.reads == [""], "one full read for three calls")
    }

    @Test func anIdThatDiagnoseGaveCanBeReadBeforeTheNextFullRead() async throws {
        let source = Source()
        let clock = ManualClock()
        let catalog = try Self.catalog(source, clock: clock)
        #expect(try await catalog.incidents(namespace: nil).isEmpty)

        await source.serve("crashloop-after-rollout-1")
        let diagnosed = try await catalog.diagnose(namespace: "shop", workload: nil)
        let first = try #require(diagnosed.first)
        let id = try #require(
            (try JSONSerialization.jsonObject(with: Data(first.json.utf8)) as? [String: Any])?["id"] as? String
        )
        // The full read (healthy) still answers the list, but the id is found in the namespace's read.
        #expect(try await catalog.incidents(namespace: nil).isEmpty)
        let read = try await catalog.incident(id: id, evidenceLimit: 5)
        #expect(read.json.contains("\"id\":\"\(id)\""))
        #expect(try await catalog.proposals(incident: id).count >= 1)
        #expect(await source.reads == ["", "shop"])
    }

    /// Credentials for one namespace: the read of every namespace fails (a 403), `diagnose` of the
    /// namespace works, and the ids it gave are read and proposed from its read. An id no read holds
    /// answers with the full read's error, the one thing that could explain it.
    @Test func anIdThatDiagnoseGaveIsReadWhenTheFullReadIsForbidden() async throws {
        let source = Source()
        await source.serve("crashloop-after-rollout-1")
        await source.forbid("")
        let catalog = try Self.catalog(source, clock: ManualClock())
        let diagnosed = try await catalog.diagnose(namespace: "shop", workload: nil)
        let first = try #require(diagnosed.first)
        let id = try #require(
            (try JSONSerialization.jsonObject(with: Data(first.json.utf8)) as? [String: Any])?["id"] as? String
        )
        let read = try await catalog.incident(id: id, evidenceLimit: 5)
        #expect(read.json.contains("\"id\":\"\(id)\""))
        #expect(try await catalog.proposals(incident: id).count >= 1)
        await #expect {
            _ = try await catalog.incident(id: "no-such-incident", evidenceLimit: 5)
        } throws: { error in
            (error as? AssistError)?.description.contains("forbidden") == true
        }
    }

    /// A read's error reaches the agent bounded in bytes, cut at a scalar's boundary.
    @Test func aReadsErrorIsBoundedInBytes() {
        let text = String(repeating: "é", count: 5000)
        let bounded = DiagnosisCatalog.bounded(text)
        #expect(bounded.utf8.count <= DiagnosisCatalog.errorBytes + 40)
        #expect(bounded.hasPrefix(String(repeating: "é", count: DiagnosisCatalog.errorBytes / 2)))
        #expect(DiagnosisCatalog.bounded("short") == "short")
    }
}
