import Foundation
import MCP
import Testing
import VigilAssist
import VigilHTTP
import VigilTestKit

@testable import VigilCLI

/// `vigil mcp` with a cluster: the fake kube-apiserver serving the recorded bad rollout's objects, every
/// tool called through the SDK's client, and the server's request log read afterwards. Nothing the MCP
/// path sends may store anything: each request is a read or a server-side dry run.
@Suite struct MCPDryRunTests {
    /// The fake API server on the scenario's objects, and a kubeconfig naming it.
    static func apiserver(scenario: String) throws -> (LoopbackScript, TemporaryDirectory) {
        let server = try LoopbackScript(
            script: repositoryRoot.appendingPathComponent("Tests/VigilKubeTests/Fixtures/fake_apiserver.py"),
            arguments: ["--scenario", scenario]
        )
        let directory = try temporaryDirectory([
            "kubeconfig": """
            apiVersion: v1
            kind: Config
            current-context: test
            clusters: [{name: fake, cluster: {server: "http://127.0.0.1:\(server.port)"}}]
            users: [{name: tester, user: {token: fake-token}}]
            contexts: [{name: test, context: {cluster: fake, user: tester}}]

            """
        ])
        return (server, directory)
    }

    /// The server's request log: method, path, query pairs and body of each request.
    static func requests(_ server: LoopbackScript) async throws -> [(method: String, query: [[String]], body: String)] {
        let body = try await CurlHTTPClient().execute(HTTPRequest(url: "http://127.0.0.1:\(server.port)/__log")).body
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]])
        return entries.map {
            ($0["method"] as? String ?? "?", $0["query"] as? [[String]] ?? [], $0["body"] as? String ?? "")
        }
    }

    @Test func everyRequestIsAReadOrADryRunAndTheDiffComesBack() async throws {
        let scenario = MCPSessionTests.scenario("crashloop-after-rollout-1")
        let (apiserver, directory) = try Self.apiserver(scenario: scenario)
        defer { apiserver.stop() }
        let kubeconfig = directory.file("kubeconfig").path
        let (client, server) = try await MCPSessionTests.session(["--kubeconfig", kubeconfig])
        defer { MCPSessionTests.close(client, server) }

        let listed = try await MCPSessionTests.call(client, "list_incidents", ["namespace": "shop"])
        let items = try #require(listed["items"] as? [[String: Any]])
        let id = try #require(items.first { $0["workload"] as? String == "deployment/checkout" }?["id"] as? String)
        _ = try await MCPSessionTests.call(client, "get_incident", ["id": .string(id)])
        _ = try await MCPSessionTests.call(client, "diagnose", ["namespace": "shop"])
        _ = try await MCPSessionTests.call(client, "list_anomalies")

        let proposed = try await MCPSessionTests.call(client, "propose", ["incident": .string(id)])
        let state = try #require((proposed["items"] as? [[String: Any]])?.first)
        #expect(state["state"] as? String == "dry-run" && state["reason"] as? String == "accepted", "\(state)")
        let proposal = try #require(state["proposal"] as? [String: Any])
        #expect(proposal["kubectl"] as? String == "kubectl rollout undo deployment.apps/checkout -n shop")
        let dryRun = try #require(proposal["dry_run"] as? [String: Any])
        #expect(dryRun["outcome"] as? String == "accepted")
        // The undo puts the previous ReplicaSet's template back: the image is among the fields it changes.
        let changes = try #require(dryRun["changes"] as? [[String: Any]])
        #expect(
            changes.contains { ($0["path"] as? String)?.contains("image") == true && $0["before"] != nil },
            "\(changes)"
        )

        let sent = try await Self.requests(apiserver)
        #expect(sent.contains { $0.method != "GET" }, "the dry run reached the server")
        for request in sent where request.method != "GET" {
            // A change is sent as kubectl sends a dry run: ?dryRun=All (an eviction carries it in its body).
            let dryRunQuery = request.query.contains(["dryRun", "All"])
            let dryRunBody = request.body.contains(#""dryRun": ["All"]"#) || request.body.contains(#""dryRun":["All"]"#)
            #expect(dryRunQuery || dryRunBody, "\(request.method) without dryRun=All: \(request.query) \(request.body)")
        }
    }
}
