import Foundation
import Testing
import VigilEngine
import VigilHistory
import VigilRules
import VigilTestKit

@testable import VigilCLI

#if canImport(Glibc)
import Glibc
#endif

/// Compares `text` with `Golden/<name>`; `VIGIL_RECORD_GOLDEN=1` writes it instead.
func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
    if ProcessInfo.processInfo.environment["VIGIL_RECORD_GOLDEN"] == "1" {
        try Data(text.utf8).write(to: url)
        return
    }
    let golden = try String(contentsOf: url, encoding: .utf8)
    #expect(
        text == golden,
        "differs from Golden/\(name) (VIGIL_RECORD_GOLDEN=1 re-records it)",
        sourceLocation: sourceLocation
    )
}

let scenarios = repositoryRoot.appendingPathComponent("sample-metrics/scenarios").path
let ruleDirectory = repositoryRoot.appendingPathComponent("rules").path

/// The report a person reads: pinned as golden files (colour off), and its promises — 100 columns,
/// colour only when asked for or at a terminal, the exit status — checked on every bundled scenario.
@Suite(.serialized)
struct DiagnoseReportTests {
    @Test func textReportOfAMemoryLimit() async throws {
        let result = await vigil(
            "diagnose",
            "--replay",
            "\(scenarios)/memory-limit-1",
            "--rules",
            ruleDirectory,
            "--color",
            "never"
        )
        #expect(result.status == 1, "\(result.stderr)")
        try expectGolden(
            result.stdout.replacingOccurrences(of: repositoryRoot.path + "/", with: ""),
            "memory-limit-1.txt"
        )
    }

    @Test func markdownReportOfALatencyRegression() async throws {
        let result = await vigil(
            "diagnose",
            "--replay",
            "\(scenarios)/latency-regression-1",
            "--rules",
            ruleDirectory,
            "-o",
            "markdown"
        )
        #expect(result.status == 1, "\(result.stderr)")
        #expect(!result.stdout.contains("\u{1B}["))
        try expectGolden(
            result.stdout.replacingOccurrences(of: repositoryRoot.path + "/", with: ""),
            "latency-regression-1.md"
        )
    }

    /// Every scenario's report fits 100 columns, and colour adds escapes and nothing else.
    @Test func everyReportFitsAHundredColumnsWithOrWithoutColour() async throws {
        try await computeOffThePool {
            let names = try FileManager.default.contentsOfDirectory(atPath: scenarios).filter { !$0.hasSuffix(".md") }
            #expect(names.count == 24)
            for name in names {
                func report(color: String) async -> CommandResult {
                    await vigil(
                        "diagnose",
                        "--replay",
                        "\(scenarios)/\(name)",
                        "--rules",
                        ruleDirectory,
                        "--color",
                        color
                    )
                }
                let plain = await report(color: "never")
                #expect(plain.status == (name.hasPrefix("healthy") ? 0 : 1), "\(name): \(plain.stderr)")
                for line in plain.stdout.split(separator: "\n") {
                    #expect(line.count <= 100, "\(name): \(line)")
                }
                #expect(!plain.stdout.contains("\u{1B}["))
                // Colour is checked on a few (each replay takes a while in a debug build).
                guard ["memory-limit-1", "node-failure-1", "healthy-1"].contains(name) else { continue }
                let coloured = await report(color: "always")
                #expect(coloured.stdout.contains("\u{1B}[1m"))
                #expect(Self.withoutEscapes(coloured.stdout) == plain.stdout, "\(name)")
            }
        }
    }

    static func withoutEscapes(_ text: String) -> String {
        text.replacing(/\x1B\[[0-9;]*m/, with: "")
    }

    @Test func aHealthyNamespaceExitsZero() async throws {
        let result = await vigil("diagnose", "--replay", "\(scenarios)/healthy-1", "--rules", ruleDirectory)
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("No incidents · 2026-11-29T21:00:00Z → 2026-11-30T00:00:00Z\n"))
    }

    @Test func jsonIsTheEnginesSchema() async throws {
        let result = await vigil(
            "diagnose",
            "--replay",
            "\(scenarios)/node-failure-1",
            "--rules",
            ruleDirectory,
            "-o",
            "json"
        )
        #expect(result.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let incidents = try #require(document["incidents"] as? [[String: Any]])
        #expect(document["status"] as? String == "success")
        #expect(incidents.first?["workload"] as? String == "node/node-3")
        #expect(incidents.first?["cause"] as? String == "node-failure")
    }

    /// NO_COLOR, TERM=dumb and a pipe turn colour off; a terminal turns it on.
    @Test func colourFollowsTheTerminalAndNoColor() throws {
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        defer {
            close(pipeEnds[0])
            close(pipeEnds[1])
        }
        #expect(isatty(pipeEnds[1]) == 0)
        #expect(!TerminalStyle.detect(isTerminal: false, environment: ["TERM": "xterm"]).colour)
        #expect(TerminalStyle.detect(isTerminal: true, environment: ["TERM": "xterm"]).colour)
        #expect(!TerminalStyle.detect(isTerminal: true, environment: ["NO_COLOR": "1"]).colour)
        #expect(!TerminalStyle.detect(isTerminal: true, environment: ["TERM": "dumb"]).colour)
        // no-color.org: an empty NO_COLOR does not count.
        #expect(TerminalStyle.detect(isTerminal: true, environment: ["NO_COLOR": ""]).colour)
    }

    /// A proposal's dry run, once the remediation engine fills it, shows its outcome and what changes.
    @Test func dryRunsAreShownWithTheirDiff() throws {
        let rules = try RuleSet.load([ruleDirectory], findings: Finding.reasons)
        let engine = DiagnosisEngine(rules: rules)
        let input = try DiagnosisInput.replay("\(scenarios)/memory-limit-1", engine: engine)
        let diagnosis = engine.diagnose(history: input.history, cluster: input.cluster, now: input.now)
        var incidents = diagnosis.incidents
        try #require(incidents.first?.proposals.isEmpty == false)
        let path = "spec.template.spec.containers[app].resources.limits.memory"
        incidents[0].proposals[0].dryRun = DryRun(
            outcome: .accepted,
            changes: [DryRun.Change(path: path, before: "512Mi", after: "768Mi")]
        )
        var report = DiagnosisReport(
            source: "test",
            now: input.now,
            start: input.start,
            diagnosis: diagnosis,
            incidents: incidents
        )
        var text = TextReport(report: report, style: .plain).render()
        #expect(text.contains("       dry run: accepted by the server\n         \(path): 512Mi → 768Mi\n"))
        var markdown = MarkdownReport(report: report).render()
        #expect(
            markdown.contains("Dry run: accepted by the server.\n\n```diff\n- \(path): 512Mi\n+ \(path): 768Mi\n```")
        )

        report.incidents[0].proposals[0].dryRun = DryRun(
            outcome: .refused(status: 403, message: "exceeded quota: compute-resources")
        )
        text = TextReport(report: report, style: .plain).render()
        #expect(text.contains("       dry run: refused (HTTP 403): exceeded quota: compute-resources\n"))
        markdown = MarkdownReport(report: report).render()
        #expect(markdown.contains("Dry run: **refused (HTTP 403)**: exceeded quota: compute-resources"))

        // The client's own refusal (status 0, as kubectl refuses a drain it may not finish)…
        report.incidents[0].proposals[0].dryRun = DryRun(
            outcome: .refused(status: 0, message: "unable to drain node \"n1\"")
        )
        text = TextReport(report: report, style: .plain).render()
        #expect(text.contains("       dry run: refused before sending: unable to drain node \"n1\"\n"))
        // …and no answer at all, which is no refusal: the cluster was not reached.
        report.incidents[0].proposals[0].dryRun = DryRun(
            outcome: .refused(status: 0, message: "Couldn't connect to server"),
            isUnanswered: true
        )
        text = TextReport(report: report, style: .plain).render()
        let unanswered = "not answered (the cluster was not reached)"
        #expect(text.contains("       dry run: \(unanswered): Couldn't connect to server\n"))
        markdown = MarkdownReport(report: report).render()
        #expect(markdown.contains("Dry run: **\(unanswered)**: Couldn't connect to server"))
    }

    /// A replay's dry runs sent to a cluster that does not answer: the report is still shown, the dry runs
    /// as not answered, and the command exits 2 with the reason, as for any unreachable cluster.
    @Test func dryRunsTheClusterDoesNotAnswerAreAnError() async throws {
        let kubeconfig = try temporaryFile(
            """
            apiVersion: v1
            kind: Config
            current-context: gone
            clusters: [{name: gone, cluster: {server: "http://127.0.0.1:1"}}]
            contexts: [{name: gone, context: {cluster: gone, user: gone}}]
            users: [{name: gone, user: {token: t}}]

            """,
            suffix: ".yaml"
        )
        defer { try? FileManager.default.removeItem(at: kubeconfig) }
        let arguments = [
            "diagnose", "--replay", "\(scenarios)/memory-limit-1", "--rules", ruleDirectory, "--kubeconfig",
            kubeconfig.path,
        ]
        let result = await vigil(arguments)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stdout.contains("dry run: not answered (the cluster was not reached): "), "\(result.stdout)")
        let json = await vigil(arguments + ["-o", "json"])
        #expect(json.status == 2)
        #expect(json.stdout.contains(#""status" : 0,"#), "\(json.stdout)")
        #expect(json.stdout.contains(#""unanswered" : true"#), "\(json.stdout)")
        #expect(
            result.stderr.hasPrefix("vigil diagnose: the cluster answered no dry run (1 of 1 unanswered): "),
            "\(result.stderr)"
        )
    }

    @Test(arguments: [
        (["diagnose"], "give one of --prometheus URL and --replay DIR"),
        (["diagnose", "--replay", "x", "--prometheus", "http://p"], "give one of --prometheus URL and --replay DIR"),
        (["diagnose", "--replay", "x", "--window", "soon"], "--window: expected a duration like 1h or 30m"),
        (["diagnose", "--replay", "x", "-l", "app=web"], "-l needs a cluster"),
        (["diagnose", "--prometheus", "prom:9090"], "--prometheus: expected an http:// or https:// URL"),
        (["diagnose", "--prometheus", "http://127.0.0.1:1", "--since", "yesterday"], "--since: expected RFC 3339"),
        (["diagnose", "--prometheus", "http://127.0.0.1:1", "--step", "0s"], "--step: expected a duration"),
        // Once a trap converting the milliseconds to Int64.
        (
            [
                "diagnose", "--prometheus", "http://127.0.0.1:1", "--since", "9300000000000000", "--until",
                "9400000000000000",
            ],
            "--until: 9400000000000000 is after the year 9999"
        ),
        (
            ["diagnose", "--prometheus", "http://127.0.0.1:1", "--match", "{}", "--kubeconfig", "/nonexistent"],
            "/nonexistent"
        ),
        (["diagnose", "--replay", "/nonexistent"], "/nonexistent: no metrics.om, events.json or cluster.json"),
        (["diagnose", "--replay", "x", "--workload", "web"], "--workload: expected KIND/NAME"),
        (["diagnose", "--prometheus", "http://127.0.0.1:1", "-l", "app=web"], "-l needs a cluster to list pods from"),
    ])
    func badInvocationsExitTwoWithAReason(_ arguments: [String], _ message: String) async {
        let result = await vigil(arguments + ["--rules", ruleDirectory])
        #expect(result.status == 2, "\(result.stdout)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    /// A Prometheus that is not there: exit 2 and libcurl's reason, naming the query.
    @Test func anUnreachablePrometheusIsAnError() async {
        let result = await vigil(
            "diagnose",
            "--prometheus",
            "http://127.0.0.1:1",
            "--rules",
            ruleDirectory,
            "--since",
            "2026-11-29T23:00:00Z",
            "--until",
            "2026-11-30T00:00:00Z"
        )
        #expect(result.status == 2)
        #expect(result.stderr.contains("vigil diagnose: http://127.0.0.1:1 remote read {"), "\(result.stderr)")
    }

    /// A replay is scoped by --namespace as a live read is; the options that say what to read from
    /// Prometheus and how are refused with it rather than ignored.
    @Test func aReplayIsScopedByNamespaceAndRefusesPrometheusOptions() async throws {
        let replay = ["diagnose", "--replay", "\(scenarios)/memory-limit-1", "--rules", ruleDirectory]
        let elsewhere = await vigil(replay + ["-n", "nosuch"])
        #expect(elsewhere.status == 0, "\(elsewhere.stderr)")
        #expect(elsewhere.stdout.hasPrefix("No incidents · "), "\(elsewhere.stdout)")
        let shop = await vigil(replay + ["-n", "shop"])
        #expect(shop.status == 1, "\(shop.stderr)")
        #expect(shop.stdout.contains("shop deployment/cart"), "\(shop.stdout)")
        let ranged = await vigil(replay + ["--since", "6h", "--match", "up"])
        #expect(ranged.status == 2)
        #expect(
            ranged.stderr.contains(
                "--since, --match: what to read from Prometheus and how; --replay reads its recording whole"
            ),
            "\(ranged.stderr)"
        )
        let connected = await vigil(
            replay + ["--concurrency", "8", "--prometheus-api", "query-range", "--prometheus-ca-file", "ca.pem"]
        )
        #expect(connected.status == 2)
        #expect(
            connected.stderr.contains("--concurrency, --prometheus-api, --prometheus-ca-file: what to read"),
            "\(connected.stderr)"
        )
    }

    @Test func onlyTheNamedWorkloadIsReported() async throws {
        let other = await vigil(
            "diagnose",
            "--replay",
            "\(scenarios)/memory-limit-1",
            "--rules",
            ruleDirectory,
            "--workload",
            "deploy/web"
        )
        #expect(other.status == 0)
        #expect(other.stdout.hasPrefix("No incidents"))
        let cart = await vigil(
            "diagnose",
            "--replay",
            "\(scenarios)/memory-limit-1",
            "--rules",
            ruleDirectory,
            "--workload",
            "deployment/cart",
            "-n",
            "shop"
        )
        #expect(cart.status == 1)
    }

    @Test func theProgressLineSaysHowFarItGot() {
        let written = Captured()
        let line = ProgressLine(enabled: true) { written.append($0) }
        line.update(HistoryProgress(queriesDone: 6, queries: 12, bytes: 1_572_864, series: 400))
        line.finish()
        #expect(written.text == "\r\u{1B}[Kquerying Prometheus: 6/12 requests, 1.5 MB, 400 series\r\u{1B}[K")
        let quiet = Captured()
        let off = ProgressLine(enabled: false) { quiet.append($0) }
        off.update(HistoryProgress(queriesDone: 6, queries: 12, bytes: 1_572_864, series: 400))
        off.finish()
        #expect(quiet.text.isEmpty)
    }
}

/// The demo: a newcomer's first command.
struct DemoCommandTests {
    @Test func theDemoExplainsTheScenarioAndPrintsItsReport() async throws {
        let result = await vigil("demo", "--scenarios", scenarios, "--color", "never")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("Scenario memory-limit-1: From ~60 min before the end every cart pod's"))
        #expect(result.stdout.contains("1. CRITICAL shop deployment/cart — memory-limit (confidence 0.78)"))
        #expect(
            result.stdout.contains("$ kubectl set resources deployment.apps/cart -n shop -c app --limits=memory=768Mi")
        )
        #expect(result.stdout.contains("▁"))
    }

    /// Run from outside the checkout, the built binary finds the scenarios and rules in the checkout above
    /// it (`.build/<triple>/debug/vigil`: the fourth directory above it), as its help says.
    @Test func theDemoRunFromElsewhereFindsTheCheckoutItWasBuiltIn() async throws {
        let elsewhere = try TemporaryDirectory("demo-elsewhere")
        let result = try await ChildProcess.run(ChildProcess.binary, ["demo"], workingDirectory: elsewhere.url)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.hasPrefix("Scenario memory-limit-1: "), "\(result.output)")
    }

    @Test func theDemoOfEveryScenarioMatchesTheExpectedDiagnoses() async throws {
        try await computeOffThePool {
            let result = await vigil("demo", "--all", "--scenarios", scenarios, "--color", "never")
            #expect(result.status == 0, "\(result.stdout)")
            #expect(result.stdout.hasSuffix("\n24 of 24 scenarios diagnosed as expected.\n"))
            #expect(result.stdout.contains("node-failure-1              node/node-3 node-failure → cordon"))
            for line in result.stdout.split(separator: "\n") { #expect(line.count <= 100, "\(line)") }
        }
    }

    @Test func anUnknownScenarioIsAnError() async {
        let result = await vigil("demo", "--scenarios", scenarios, "--scenario", "nope")
        #expect(result.status == 2)
        #expect(result.stderr.contains("nope: no metrics.om"))
    }

    @Test func aDirectoryWithoutScenariosIsAnError() async throws {
        let empty = try TemporaryDirectory("demo-empty")
        let result = await vigil("demo", "--scenarios", empty.url.path, "--all")
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("vigil demo: no scenario in \(empty.url.path) "), "\(result.stderr)")
    }
}
