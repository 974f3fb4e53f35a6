import ArgumentParser
import Foundation
import MCP
import Testing
import VigilAssist

@testable import VigilCLI

/// Vigil's MCP tools through a real MCP session: the SDK's client talking to `vigil mcp`'s server over
/// the SDK's in-memory transport pair, on a recorded scenario (a bad rollout of `shop/checkout`).
@Suite struct MCPSessionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static func scenario(_ name: String) -> String {
        root.appendingPathComponent("sample-metrics/scenarios/\(name)").path
    }
    static let rules = root.appendingPathComponent("rules").path

    /// A connected client, and the server to stop.
    static func session(
        _ extra: [String] = [],
        scenario: String = "crashloop-after-rollout-1"
    ) async throws -> (Client, Server) {
        let command = try MCPCommand.parse(["--replay", Self.scenario(scenario), "--rules", rules] + extra)
        let budget = AnswerBudget(maxBytes: command.maxAnswerBytes)
        let server = await AssistServer.make(
            tools: AssistTools(catalog: try command.catalog(), budget: budget),
            version: "test"
        )
        let (clientSide, serverSide) = await InMemoryTransport.createConnectedPair()
        try await server.start(transport: serverSide)
        let client = Client(name: "vigil-tests", version: "1")
        _ = try await client.connect(transport: clientSide)
        return (client, server)
    }

    /// Ends the session once the test is done with it (`defer` cannot await).
    static func close(_ client: Client, _ server: Server) {
        Task {
            await client.disconnect()
            await server.stop()
        }
    }

    /// The text of a successful call, parsed.
    static func call(_ client: Client, _ name: String, _ arguments: [String: Value] = [:]) async throws -> [String: Any]
    {
        let (content, isError) = try await client.callTool(name: name, arguments: arguments)
        guard case .text(let text, _, _) = content.first else {
            Issue.record("\(name): no text content")
            return [:]
        }
        #expect(isError != true, "\(name): \(text)")
        return try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func listsSixReadOnlyTools() async throws {
        let (client, server) = try await Self.session()
        defer {
            Task {
                await client.disconnect()
                await server.stop()
            }
        }
        let (tools, _) = try await client.listTools()
        #expect(
            tools.map(\.name).sorted()
                == ["diagnose", "get_incident", "list_anomalies", "list_incidents", "propose", "read_series"]
        )
        for tool in tools {
            #expect(tool.annotations.readOnlyHint == true, "\(tool.name)")
            #expect(tool.annotations.destructiveHint == false, "\(tool.name)")
        }
    }

    @Test func listsReadsAndProposesTheRolloutIncident() async throws {
        let (client, server) = try await Self.session()
        defer {
            Task {
                await client.disconnect()
                await server.stop()
            }
        }
        let listed = try await Self.call(client, "list_incidents", ["namespace": "shop"])
        let items = try #require(listed["items"] as? [[String: Any]])
        let checkout = try #require(items.first { $0["workload"] as? String == "deployment/checkout" })
        #expect(checkout["cause"] as? String == "bad-rollout")
        let id = try #require(checkout["id"] as? String)

        let read = try await Self.call(client, "get_incident", ["id": .string(id), "evidence_limit": 3])
        let incident = try #require((read["items"] as? [[String: Any]])?.first)
        let evidence = try #require(incident["evidence"] as? [[String: Any]])
        #expect(evidence.count <= 3 && !evidence.isEmpty)
        #expect((incident["explanation"] as? String)?.isEmpty == false)

        let proposed = try await Self.call(client, "propose", ["incident": .string(id)])
        let proposal = try #require((proposed["items"] as? [[String: Any]])?.first)
        #expect(proposal["action"] as? String == "undo")
        let kubectl = proposal["kubectl"] as? String
        #expect(kubectl == "kubectl rollout undo deployment.apps/checkout -n shop")
    }

    @Test func readsTheSeriesOfAnAnomalyWithItsExpectedRange() async throws {
        // CPU saturation: the incident cites anomalies of the CPU signals.
        let (client, server) = try await Self.session(scenario: "cpu-saturation-1")
        defer { Self.close(client, server) }
        let anomalies = try #require(try await Self.call(client, "list_anomalies")["items"] as? [[String: Any]])
        #expect(!anomalies.isEmpty)
        let incidents = try #require(try await Self.call(client, "list_incidents")["items"] as? [[String: Any]])
        let id = try #require(incidents.first?["id"] as? String)
        let answer = try await Self.call(client, "read_series", ["incident": .string(id), "points": 30])
        let series = try #require(answer["items"] as? [[String: Any]])
        #expect(!series.isEmpty)
        for one in series {
            let points = try #require(one["points"] as? [[String]])
            #expect(!points.isEmpty && points.count <= 30)
            let low = try #require(one["expected_low"] as? Double)
            let high = try #require(one["expected_high"] as? Double)
            let expected = try #require(one["expected"] as? Double)
            #expect(low <= expected && expected <= high)
            // The anomaly is there to see: some point lies outside the range it was expected in.
            let values = points.compactMap { Double($0[1]) }
            #expect(values.contains { $0 < low || $0 > high }, "\(one)")
        }
    }

    @Test func refusesWhatItCannotAnswerWithTheReason() async throws {
        let (client, server) = try await Self.session()
        defer {
            Task {
                await client.disconnect()
                await server.stop()
            }
        }
        let cases: [(String, [String: Value], String)] = [
            ("get_incident", ["id": "nope"], "no incident with id \"nope\""),
            ("get_incident", [:], "id: required"),
            ("get_incident", ["id": "x", "evidence_limit": 0], "evidence_limit: expected an integer"),
            ("diagnose", ["namespace": "shop", "workload": "web"], "workload: expected KIND/NAME"),
            ("apply_proposal", [:], "unknown tool \"apply_proposal\""),
        ]
        for (name, arguments, message) in cases {
            let (content, isError) = try await client.callTool(name: name, arguments: arguments)
            #expect(isError == true, "\(name)")
            guard case .text(let text, _, _) = content.first else {
                Issue.record("\(name): no text")
                continue
            }
            #expect(text.contains(message), "\(name): \(text)")
        }
    }

    @Test func diagnoseScopesToTheWorkload() async throws {
        let (client, server) = try await Self.session()
        defer {
            Task {
                await client.disconnect()
                await server.stop()
            }
        }
        let answer = try await Self.call(client, "diagnose", ["namespace": "shop", "workload": "deploy/checkout"])
        let items = try #require(answer["items"] as? [[String: Any]])
        #expect(items.map { $0["workload"] as? String } == ["deployment/checkout"])
    }

    @Test func boundsAnAnswerAndSaysHowToNarrowIt() async throws {
        let (client, server) = try await Self.session(["--max-answer-bytes", "1024"])
        defer {
            Task {
                await client.disconnect()
                await server.stop()
            }
        }
        let listed = try await Self.call(client, "list_incidents")
        let id = try #require((listed["items"] as? [[String: Any]])?.first?["id"] as? String)
        // The incident with all its evidence does not fit in 1 KiB: it is left out, and the hint says how to ask.
        let (content, _) = try await client.callTool(name: "get_incident", arguments: ["id": .string(id)])
        guard case .text(let text, _, _) = content.first else {
            Issue.record("no text")
            return
        }
        #expect(text.utf8.count <= 1024)
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(answer["total"] as? Int == 1 && answer["shown"] as? Int == 0)
        #expect((answer["truncated"] as? String)?.contains("lower evidence_limit") == true)
    }
}
