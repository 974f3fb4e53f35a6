import Foundation
import Logging
import Testing
import VigilEngine
import VigilHTTP
import VigilKube
import VigilTestKit

/// A recorded scenario taken from anomaly to an applied, verified fix against the fake API server holding
/// the scenario's objects — `vigil diagnose --replay DIR --kubeconfig … --apply --yes`, the way a person
/// runs it — with the request log and the audit log telling the story; and SIGKILL at every step.
@Suite struct RemediationEndToEndTests {
    struct Scenario: Sendable, CustomTestStringConvertible {
        var name: String
        var object: String
        var testDescription: String { name }
    }

    static let scenarios = [
        Scenario(name: "memory-limit-1", object: "/apis/apps/v1/namespaces/shop/deployments/cart"),
        Scenario(name: "crashloop-after-rollout-1", object: "/apis/apps/v1/namespaces/shop/deployments/checkout"),
        Scenario(name: "node-failure-1", object: "/api/v1/nodes/node-3"),
    ]

    /// A fake API server holding `scenario`'s objects (each as `edit` leaves it), and an empty state
    /// directory.
    static func cluster(
        _ scenario: String,
        edit: (inout [String: Any]) -> Void = { _ in }
    ) async throws -> (FakeAPIServer, URL) {
        let server = try FakeAPIServer()
        let list =
            try JSONSerialization.jsonObject(
                with: Data(
                    contentsOf: repositoryRoot.appendingPathComponent(
                        "sample-metrics/scenarios/\(scenario)/cluster.json"
                    )
                )
            ) as! [String: Any]
        for var item in list["items"] as! [[String: Any]] {
            edit(&item)
            let body = try JSONSerialization.data(withJSONObject: ["object": item])
            try await server.control("/__create", String(decoding: body, as: UTF8.self))
        }
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-e2e-\(UUID().uuidString)")
        return (server, state)
    }

    static func arguments(_ scenario: String, _ server: FakeAPIServer, _ state: URL) -> [String] {
        [
            "diagnose", "--replay", repositoryRoot.appendingPathComponent("sample-metrics/scenarios/\(scenario)").path,
            "--rules", repositoryRoot.appendingPathComponent("rules").path, "--kubeconfig", server.kubeconfig.path,
            "--state-dir", state.path, "--apply", "--yes",
        ]
    }

    /// A directory of its own holding `yaml` as `vigil.yaml`, for `--config`.
    static func config(_ yaml: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory("e2e-config")
        try yaml.write(to: directory.file("vigil.yaml"), atomically: true, encoding: .utf8)
        return directory
    }

    /// The requests that changed the object (no reads, no dry runs).
    static func changes(_ server: FakeAPIServer, _ object: String) async throws -> [FakeAPIServer.Request] {
        try await server.log().filter {
            $0.path.hasPrefix(object) && $0.method != "GET" && !$0.query.contains(["dryRun", "All"])
        }
    }

    @Test(arguments: scenarios)
    func fromAnomalyToAVerifiedFix(_ scenario: Scenario) async throws {
        let (server, state) = try await Self.cluster(scenario.name)
        defer { try? FileManager.default.removeItem(at: state) }
        let before = try await Self.object(server, scenario.object)
        // A daemon sharing the state directory, started before the command: it verifies the command's fix
        // from what it reads of the log then, another process's records.
        let log = state.appendingPathComponent("audit.jsonl").path
        let connection = KubeConnection(server: server.url, namespace: "shop", credential: .token("fake-token"))
        let daemon = try Remediator(
            policy: RemediationPolicy(),
            audit: try AuditLog(path: log, environment: [:]),
            kube: KubeClient(connection: connection, transport: CurlHTTPClient(), access: .write),
            logger: Logger(label: "test")
        )

        let result = try await ChildProcess.run(ChildProcess.binary, Self.arguments(scenario.name, server, state))
        #expect(result.status == 1, "\(result.output)")  // incidents found

        // Exactly one change reached the object, kubectl's request with the read resourceVersion as its
        // precondition, after a dry run of the same.
        let changes = try await Self.changes(server, scenario.object)
        #expect(changes.count == 1, "\(changes)")
        let version = (before["metadata"] as? [String: Any])?["resourceVersion"] as? String ?? ""
        #expect(changes.first?.body?.contains(version) == true)
        let after = try await Self.object(server, scenario.object)
        #expect((after["metadata"] as? [String: Any])?["resourceVersion"] as? String != version)

        // The audit log tells the story; the daemon verifies the fix once the incident is gone.
        let records = try AuditLog.read(path: log).records
        let applied = try #require(records.first { $0.step == .applied }, "\(result.output)")
        #expect(
            records.filter { $0.proposal == applied.proposal }.map(\.step) == [
                .proposed, .dryRun, .pending, .approved, .dryRun, .applying, .applied,
            ]
        )
        // A second fix for the same object (the node's drain after its cordon) waits for the cooldown.
        for other in Set(records.map(\.proposal)).subtracting([applied.proposal]) {
            #expect(records.last { $0.proposal == other }?.reason == "cooldown")
        }
        await daemon.round([], cluster: ClusterModel())
        let story = try AuditLog.read(path: log).records
        #expect(story.last?.step == .verified)
        #expect(story.last?.reason == "resolved")

        let audit = try await ChildProcess.run(ChildProcess.binary, ["audit", "--state-dir", state.path])
        #expect(audit.status == 0)
        #expect(audit.output.split(separator: "\n").count == story.count, "\(audit.output)")
    }

    /// `--config` saying the scenario's namespace applies on its own (as the daemon would): `vigil diagnose
    /// --apply` still asks, and with no one to answer (stdin closed) nothing is changed.
    @Test func aNamespaceTheDaemonMayChangeUnaskedIsStillAskedFor() async throws {
        let scenario = Self.scenarios[0]
        let (server, state) = try await Self.cluster(scenario.name)
        defer { try? FileManager.default.removeItem(at: state) }
        let config = try Self.config("remediation:\n  autonomy: {shop: apply}\n")
        let arguments = Self.arguments(scenario.name, server, state).filter { $0 != "--yes" }
        let result = try await ChildProcess.run(
            ChildProcess.binary,
            arguments + ["--config", config.file("vigil.yaml").path]
        )
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("Apply? [y/N]"), "\(result.output)")
        #expect(result.output.contains("skipped"), "\(result.output)")
        #expect(try await Self.changes(server, scenario.object).isEmpty)
        let steps = try AuditLog.read(path: state.appendingPathComponent("audit.jsonl").path).records.map(\.step)
        #expect(!steps.contains(.applying) && !steps.contains(.applied), "\(steps)")
    }

    /// Without `--apply`, the dry runs `vigil diagnose` shows are judged by `--config`'s namespace lists as
    /// the daemon's are: the failing node's drain would evict pods of shop, denied there, and says so.
    @Test func theDryRunsShownAreJudgedByTheConfigsNamespaces() async throws {
        let scenario = Self.scenarios[2]
        // The node's pods as they were before the taint manager deleted them: pods long deleted are
        // skipped (and their namespace no matter), so this drain would evict none.
        let (server, state) = try await Self.cluster(scenario.name) { item in
            guard var metadata = item["metadata"] as? [String: Any] else { return }
            metadata["deletionTimestamp"] = nil
            item["metadata"] = metadata
        }
        defer { try? FileManager.default.removeItem(at: state) }
        let config = try Self.config("remediation:\n  namespaces: {deny: [kube-system, shop]}\n")
        let arguments =
            Self.arguments(scenario.name, server, state).filter { !["--apply", "--yes"].contains($0) } + [
                "--output", "json",
            ]
        let shown = try await ChildProcess.run(
            ChildProcess.binary,
            arguments + ["--config", config.file("vigil.yaml").path]
        )
        #expect(shown.status == 1, "\(shown.output)")
        #expect(
            shown.output.contains("cannot evict Pods in a namespace Vigil may not change (remediation.namespaces): "),
            "\(shown.output)"
        )
        #expect(shown.output.contains("shop/web-28fm9qkfk-k87ww"), "\(shown.output)")
        let defaults = try await ChildProcess.run(ChildProcess.binary, arguments)
        #expect(!defaults.output.contains("cannot evict Pods in a namespace"), "\(defaults.output)")
        #expect(
            try await server.log().allSatisfy {
                $0.method == "GET" || $0.query.contains(["dryRun", "All"]) || $0.body?.contains("dryRun") == true
            }
        )
    }

    /// SIGKILL after (and before) every step of an apply: what was on record stays, uncorrupted, and the
    /// change reaches the cluster at most once however often the command is run again.
    @Test(arguments: [
        ("AFTER", "proposed"), ("AFTER", "dry-run"), ("AFTER", "pending"), ("AFTER", "approved"), ("AFTER", "applying"),
        ("BEFORE", "applied"), ("AFTER", "applied"),
    ])
    func aCrashAtAnyStepLosesNothingAndNeverSendsTwice(_ when: String, _ step: String) async throws {
        let scenario = Self.scenarios[0]
        let (server, state) = try await Self.cluster(scenario.name)
        defer { try? FileManager.default.removeItem(at: state) }
        let log = state.appendingPathComponent("audit.jsonl").path

        let crashed = try await ChildProcess.run(
            ChildProcess.binary,
            Self.arguments(scenario.name, server, state),
            environment: ["VIGIL_CRASH_\(when)_AUDIT": step]
        )
        #expect(crashed.signal == SIGKILL, "\(crashed.output)")
        let onRecord = try AuditLog.read(path: log)
        #expect(onRecord.problems.isEmpty)
        let last = onRecord.records.last?.step.rawValue
        if when == "AFTER" { #expect(last == step) } else { #expect(last != step) }

        // Run again, twice: the record grows from what was there; the change is sent at most once.
        for _ in 0..<2 {
            let again = try await ChildProcess.run(ChildProcess.binary, Self.arguments(scenario.name, server, state))
            #expect(again.status == 1, "\(again.output)")
        }
        let final = try AuditLog.read(path: log)
        #expect(final.problems.isEmpty)
        #expect(Array(final.records.prefix(onRecord.records.count)) == onRecord.records)
        let changes = try await Self.changes(server, scenario.object)
        #expect(changes.count <= 1)
        let steps = final.records.map(\.step)
        switch (when, step) {
        case ("AFTER", "applying"):
            // The change never left: reconciled as not applied, then held for the cooldown.
            #expect(changes.isEmpty)
            #expect(final.records.contains { $0.step == .reconciled && $0.reason == "not-applied" })
            #expect(final.records.last?.reason == "cooldown")
        case ("BEFORE", "applied"):
            // The change landed but its answer was never recorded: reconciled from the object.
            #expect(changes.count == 1)
            #expect(final.records.contains { $0.step == .reconciled && $0.reason == "applied" })
        default:
            #expect(changes.count == 1)
            #expect(steps.filter { $0 == .applied }.count == 1)
        }
    }

    static func object(_ server: FakeAPIServer, _ path: String) async throws -> [String: Any] {
        let body = try await CurlHTTPClient().execute(HTTPRequest(url: server.url + path)).body
        return KubeClient.object(body)
    }
}
