import Foundation
import Logging
import MCP
import Prometheus
import ServiceLifecycle
import Testing
import VigilEngine
import VigilHTTP
import VigilRules
import VigilScrape
import VigilServer
import VigilTestKit

@testable import VigilCLI

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The daemon's `/mcp`: the SDK's HTTP client against a real VigilServer on loopback, behind a bearer
/// token, with the incidents of a diagnosed recording as the daemon would hold them.
@Suite struct DaemonMCPTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// Incidents as the daemon holds them after one round on the recording.
    struct RecordedStatus: DaemonStatus {
        var tracker: IncidentTracker
        var diagnosis: DiagnosisEngine.Diagnosis
        var isReady: Bool { true }
        var health: [TargetHealth] { [] }
        func anomalies(includeEnded: Bool) async -> [AnomalyReport] { [] }
        func scoreChunk(from cursor: Int, chunkBytes: Int) async -> (bytes: [UInt8], next: Int?) { ([], nil) }
        func incidents(in state: TrackedIncident.State?) async -> [TrackedIncident] {
            state == .resolved ? tracker.resolved : tracker.open
        }
        func incident(id: String) async -> TrackedIncident? { tracker.incident(id: id) }
        func latestDiagnosis() async -> DiagnosisEngine.Diagnosis? { diagnosis }
    }

    /// A running server holding the rollout incident, answering only `token`; stopped by the caller. The
    /// token's file lasts as long as `stop`.
    static func server(
        token: String,
        scenario: String = "crashloop-after-rollout-1"
    ) async throws -> (port: Int, stop: @Sendable () async -> Void) {
        let rules = try RuleSet.load([repositoryRoot.appendingPathComponent("rules").path], findings: Finding.reasons)
        let engine = DiagnosisEngine(rules: rules, window: 3600)
        let input = try DiagnosisInput.replay(
            repositoryRoot.appendingPathComponent("sample-metrics/scenarios/\(scenario)").path,
            engine: engine
        )
        var tracker = IncidentTracker()
        let diagnosis = engine.diagnose(history: input.history, cluster: input.cluster, now: input.now)
        _ = tracker.update(with: diagnosis.incidents, at: input.now)
        let directory = try temporaryDirectory(["token": token])
        let security = try WebSecurity.load(
            webConfigFile: nil,
            bearerTokenFile: directory.file("token").path,
            enabled: [],
            logger: logger
        )
        var server = VigilServer(
            host: "127.0.0.1",
            port: 0,
            status: RecordedStatus(tracker: tracker, diagnosis: diagnosis),
            registry: PrometheusCollectorRegistry(),
            logger: logger,
            security: security,
            reload: { _ in .success("") }
        )
        // The answer's deadline runs on the wall while the answer waits its turn on the pool, which the
        // parallel run has kept busy for over a minute: out of the way, as the clients' timeouts are.
        server.mcpAnswerDeadline = .seconds(hangTimeout)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(services: [try server.service { continuation.yield($0) }], logger: logger)
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return (
            port,
            {
                await group.triggerGracefulShutdown()
                _ = await task.result
                withExtendedLifetime(directory) {}
            }
        )
    }

    static func client(port: Int, token: String) async throws -> Client {
        let transport = HTTPClientTransport(
            endpoint: URL(string: "http://127.0.0.1:\(port)/mcp")!,
            streaming: false,
            requestModifier: { request in
                var request = request
                request.timeoutInterval = hangTimeout  // URLSession's default is 60 s
                request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                return request
            }
        )
        let client = Client(name: "vigil-tests", version: "1")
        _ = try await client.connect(transport: transport)
        return client
    }

    @Test func anAgentReadsAndGetsAProposalAndCannotAct() async throws {
        let (port, stop) = try await Self.server(token: "s3cret")
        let client = try await Self.client(port: port, token: "s3cret")
        let (tools, _) = try await client.listTools()
        #expect(tools.count == 6 && tools.allSatisfy { $0.annotations.readOnlyHint == true })

        let (listed, _) = try await client.callTool(name: "list_incidents", arguments: ["namespace": "shop"])
        guard case .text(let text, _, _) = listed.first else { throw AssistTestFailure("no text") }
        let items = (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["items"]
        let id = try #require((items as? [[String: Any]])?.first?["id"] as? String)

        let (proposed, isError) = try await client.callTool(name: "propose", arguments: ["incident": .string(id)])
        #expect(isError != true)
        guard case .text(let proposal, _, _) = proposed.first else { throw AssistTestFailure("no text") }
        #expect(proposal.contains("kubectl rollout undo deployment.apps/checkout -n shop"))
        // Through the daemon's preview port: remediation does not run here, so the proposal as diagnosed.
        #expect(proposal.contains(#""state":"proposed""#) && proposal.hasPrefix(#"{"untrusted":"#), "\(proposal)")

        // There is no tool that acts, whatever an agent asks for.
        await #expect {
            _ = try await client.callTool(name: "approve", arguments: ["id": .string(id)])
        } throws: { error in
            MCPSessionTests.isInvalidParams(error, saying: "unknown tool \"approve\"")
        }
        await client.disconnect()
        await stop()
    }

    /// CPU saturation: the incident cites anomalies of the CPU signals, read from the daemon's record.
    @Test func readsAnIncidentsSeriesFromTheDaemonsRecord() async throws {
        let (port, stop) = try await Self.server(token: "s3cret", scenario: "cpu-saturation-1")
        let client = try await Self.client(port: port, token: "s3cret")
        let (listed, _) = try await client.callTool(name: "list_incidents", arguments: [:])
        guard case .text(let text, _, _) = listed.first else { throw AssistTestFailure("no text") }
        let items = (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["items"]
        let id = try #require((items as? [[String: Any]])?.first?["id"] as? String)
        let (series, seriesIsError) = try await client.callTool(
            name: "read_series",
            arguments: ["incident": .string(id), "points": 20]
        )
        #expect(seriesIsError != true)
        guard case .text(let seriesText, _, _) = series.first else { throw AssistTestFailure("no text") }
        let read = (try JSONSerialization.jsonObject(with: Data(seriesText.utf8)) as? [String: Any])?["items"]
        let all = try #require(read as? [[String: Any]], "\(seriesText)")
        #expect(!all.isEmpty, "\(seriesText)")
        for one in all {
            let low = try #require(one["expected_low"] as? Double)
            let high = try #require(one["expected_high"] as? Double)
            let points = try #require(one["points"] as? [[String]])
            #expect(!points.isEmpty && points.count <= 20)
            // The anomaly is there to see: some point lies outside the range it was expected in.
            #expect(points.compactMap { Double($0[1]) }.contains { $0 < low || $0 > high }, "\(one)")
        }
        await client.disconnect()
        await stop()
    }

    /// An agent gets the same anomalies in the same schema from the daemon's latest round as from
    /// `vigil mcp` reading the same recording (the daemon answered its every-series anomalies before, in
    /// the API's schema, not the one the tool documents).
    @Test func listsTheAnomaliesVigilMCPListsForTheSameRecording() async throws {
        let (port, stop) = try await Self.server(token: "s3cret", scenario: "cpu-saturation-2")
        let daemon = try await Self.client(port: port, token: "s3cret")
        let (standalone, server) = try await MCPSessionTests.session(scenario: "cpu-saturation-2")
        var counts: [Int] = []
        for ongoing in [false, true] {
            let arguments: [String: Value] = ["ongoing": .bool(ongoing)]
            let fromDaemon = try await MCPSessionTests.call(daemon, "list_anomalies", arguments)
            let fromRead = try await MCPSessionTests.call(standalone, "list_anomalies", arguments)
            let items = try #require(fromDaemon["items"] as? [[String: Any]])
            #expect(NSDictionary(dictionary: fromDaemon).isEqual(to: fromRead), "\(fromDaemon) against \(fromRead)")
            #expect(!items.isEmpty)
            #expect(!ongoing || items.allSatisfy { $0["ongoing"] as? Bool == true })
            counts.append(items.count)
            #expect(items.allSatisfy { $0["rule"] is String && $0["started_at"] is String && $0["peak"] is Double })
        }
        // The recording holds an ended anomaly as well: the filter is seen to filter.
        #expect(counts[0] > counts[1], "\(counts)")
        MCPSessionTests.close(standalone, server)
        await daemon.disconnect()
        await stop()
    }

    @Test func theAPIsAuthenticationGuardsIt() async throws {
        let (port, stop) = try await Self.server(token: "s3cret")
        await #expect(throws: (any Error).self) { _ = try await Self.client(port: port, token: "wrong") }
        let initialize = Array(
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}"#
                .utf8
        )
        func post(_ headers: [(name: String, value: String)]) async throws -> Int {
            let request = VigilHTTP.HTTPRequest(
                url: "http://127.0.0.1:\(port)/mcp",
                method: .post,
                headers: [
                    (name: "Content-Type", value: "application/json"), (name: "Accept", value: "application/json"),
                ]
                    + headers,
                body: initialize,
                // Room for a loaded machine (the whole suite in parallel on two cores), as the server tests have.
                timeout: hangTimeout
            )
            return try await CurlHTTPClient().execute(request).status
        }
        #expect(try await post([]) == 401)
        #expect(try await post([(name: "Authorization", value: "Bearer wrong")]) == 401)
        #expect(try await post([(name: "Authorization", value: "Bearer s3cret")]) == 200)
        // A web page's request (DNS rebinding) is refused even with the token.
        let fromPage = [
            (name: "Authorization", value: "Bearer s3cret"), (name: "Origin", value: "http://evil.example"),
        ]
        #expect(try await post(fromPage) == 403)
        await stop()
    }

    /// What `vigil mcp` refuses, `/mcp` refuses alike (``IncomingMessage``): a message that is a request
    /// and a response at once (the SDK would wait for an answer its server never gives, and the POST, its
    /// server and its body would be held for ever), a request whose id the SDK cannot read (it answered
    /// 202, as if to a notification, so the client waited for an answer never coming), params not of the
    /// method's shape (it answered -32603, an internal error). A refused text is a 400, a request refused
    /// under its id a 200, and a batch is answered with a batch.
    @Test func whatVigilMCPRefusesTheDaemonRefusesAlike() async throws {
        let (port, stop) = try await Self.server(token: "s3cret")
        for (body, status, code) in [
            (#"{"jsonrpc":"2.0","id":1,"method":"tools/list","result":{}}"#, 400, -32600),
            (#"[{"jsonrpc":"2.0","id":"a","method":"ping","error":{"code":1,"message":"x"}}]"#, 400, -32600),
            (#"{"jsonrpc":"2.0","id":{"a":1},"method":"tools/list"}"#, 400, -32600),
            (#"{"jsonrpc":"2.0","id":6,"method":"tools/list","params":{"cursor":5}}"#, 200, -32602),
            (#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":5}"#, 200, -32602),
        ] {
            let request = VigilHTTP.HTTPRequest(
                url: "http://127.0.0.1:\(port)/mcp",
                method: .post,
                headers: [
                    (name: "Content-Type", value: "application/json"), (name: "Accept", value: "application/json"),
                    (name: "Authorization", value: "Bearer s3cret"),
                ],
                body: Array(body.utf8),
                timeout: hangTimeout
            )
            let response = try await CurlHTTPClient().execute(request)
            #expect(response.status == status, "\(body)")
            let parsed = try JSONSerialization.jsonObject(with: Data(response.body))
            let answer = body.hasPrefix("[") ? (parsed as? [[String: Any]])?.first : parsed as? [String: Any]
            #expect((answer?["error"] as? [String: Any])?["code"] as? Int == code, "\(body)")
            if status == 200 { #expect(answer?["id"] as? Int == (body.contains(#""id":6"#) ? 6 : 7), "\(body)") }
        }
        // The transport's checks come first: a web page's refused message is refused as a web page's.
        let fromPage = VigilHTTP.HTTPRequest(
            url: "http://127.0.0.1:\(port)/mcp",
            method: .post,
            headers: [
                (name: "Content-Type", value: "application/json"), (name: "Accept", value: "application/json"),
                (name: "Authorization", value: "Bearer s3cret"), (name: "Origin", value: "http://evil.example"),
            ],
            body: Array(#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":5}"#.utf8),
            timeout: hangTimeout
        )
        #expect(try await CurlHTTPClient().execute(fromPage).status == 403)
        await stop()
    }
}

/// A test's own failure, with what was missing.
struct AssistTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
