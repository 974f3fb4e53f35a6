import ArgumentParser
import Foundation
import MCP
import VigilAssist
import VigilEngine
import VigilHTTP
import VigilHistory
import VigilKube
import VigilRules
import VigilYAML

/// `vigil mcp`: Vigil's diagnosis as tools of the Model Context Protocol, over stdio, for an agent
/// (Claude Desktop, any MCP client) to start as a subprocess. Reads as `vigil diagnose` reads; never
/// changes anything.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve Vigil's diagnosis to an agent over MCP (stdio): read-only tools.",
        discussion: """
            Tools: list_incidents, get_incident, read_series, list_anomalies, diagnose, propose. They read \
            what vigil diagnose reads — --prometheus URL with the cluster of --kubeconfig/--context, or a \
            recorded scenario with --replay DIR — and answer in the JSON of vigil diagnose --output json, \
            each answer bounded (--max-answer-bytes) with a hint on how to ask for less. With a cluster, \
            propose sends each proposal as a server-side dry run and gives the server's diff; nothing is \
            ever applied (the tools' target cannot reach the remediator). Standard output carries the \
            protocol only; messages go to standard error. See docs/AI.md.
            """
    )

    @OptionGroup var evidence: EvidenceOptions

    @OptionGroup(title: "Cluster") var cluster: ClusterOptions

    @Option(help: ArgumentHelp("Bytes of one tool answer at most (about 4 bytes a token).", valueName: "bytes"))
    var maxAnswerBytes: Int = 16 * 1024

    @Option(
        help: ArgumentHelp(
            "How long one full read answers the list and read tools before the next call reads again (30s, 5m).",
            valueName: "duration"
        )
    )
    var refresh: String = "1m"

    /// kubectl's habit, answered: the scope is each tool call's, not the server's.
    @Option(name: [.short, .long], help: .hidden)
    var namespace: String?

    func validate() throws {
        if namespace != nil {
            throw ValidationError(
                "--namespace: vigil mcp has no namespace of its own; each tool call takes one (list_incidents, "
                    + "diagnose), and what it can read at all is what its kubeconfig's credentials may read"
            )
        }
        guard maxAnswerBytes >= 1024 else { throw ValidationError("--max-answer-bytes: at least 1024") }
        guard DurationSyntax.seconds(refresh).map({ $0 >= 0 }) == true else {
            throw ValidationError("--refresh: expected a duration like 1m or 30s, got \"\(refresh)\"")
        }
    }

    func run() async throws {
        let catalog = try catalog()
        let tools = AssistTools(catalog: catalog, budget: AnswerBudget(maxBytes: maxAnswerBytes))
        let server = await AssistServer.make(tools: tools)
        let transport = BoundedStdioTransport()
        try await server.start(transport: transport)
        await server.waitUntilCompleted()
        // The input has ended: the answers still owed are written before the process ends.
        await transport.drained(within: .seconds(30))
    }

    /// The catalog these options name, timed by the process's clock.
    func catalog() throws -> DiagnosisCatalog { try catalog(clock: ContinuousClock()) }

    /// The catalog these options name: a replay (read from disk once), or Prometheus and the cluster read
    /// again once the last full read is `--refresh` old on `clock`, and per `diagnose`.
    func catalog<C: Clock>(clock: C) throws -> DiagnosisCatalog where C.Duration == Duration {
        let refreshAfter = Duration.milliseconds(Int64((DurationSyntax.seconds(refresh) ?? 60) * 1000))
        let engine = try evidence.engine()
        let replay = evidence.replay
        var connection: KubeConnection?
        if (replay == nil && cluster.wanted) || cluster.named {
            do {
                connection = try cluster.connection()
            } catch {
                Console.error("vigil mcp: \(error.description)")
                throw ExitCode(2)
            }
        }
        let transport = CurlHTTPClient()
        let kube = connection.map { KubeClient(connection: $0, transport: transport, access: .dryRun) }
        // Previews only: the port's one method shows a proposal with its server-side dry run.
        let preview = kube.map { ServerDryRun(kube: $0) }
        if let replay {
            // Read once, at the start: a recording does not change, and one that cannot be read is a mistake
            // to tell now, not a server that starts and fails every tool call.
            let recording: DiagnosisInput
            do {
                recording = try DiagnosisInput.replay(replay, engine: engine)
            } catch {
                Console.error("vigil mcp: \(error.description)")
                throw ExitCode(2)
            }
            return DiagnosisCatalog(
                engine: engine,
                read: { _ in recording },
                preview: preview,
                refresh: refreshAfter,
                clock: clock
            )
        }
        let history = evidence.history
        let windowSeconds = evidence.windowSeconds
        let source: PrometheusSource
        let step: Double
        do {
            source = try history.source(url: history.prometheus ?? "")
            step = try history.stepSeconds()
            _ = try history.range(now: Date().timeIntervalSince1970)
        } catch {
            Console.error("vigil mcp: \(error.message)")
            throw ExitCode(2)
        }
        let selectors =
            history.matches.isEmpty ? SignalRecorder.selectors(of: engine.rules).map { $0.promQL() } : history.matches
        return DiagnosisCatalog(
            engine: engine,
            read: { namespace throws(DiagnosisInput.ReadError) in
                let range: (start: Double, end: Double)
                do {
                    range = try history.range(now: Date().timeIntervalSince1970)
                } catch {
                    throw DiagnosisInput.ReadError(description: "\(error)")
                }
                return try await DiagnosisInput.live(
                    prometheus: source,
                    selectors: selectors,
                    start: range.start,
                    end: range.end,
                    step: step,
                    namespace: namespace,
                    kube: kube,
                    window: windowSeconds,
                    transport: transport,
                    progress: ProgressLine(enabled: false) { _ in }
                )
            },
            preview: preview,
            refresh: refreshAfter,
            clock: clock
        )
    }
}
