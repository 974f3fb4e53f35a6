import Foundation
import Testing
import VigilEngine
import VigilRules
import VigilTestKit

@testable import VigilCLI

/// `vigil run --check-config`: the start's own checks, then what would run, and nothing started or made.
struct ConfigCheckTests {
    /// `vigil run --check-config` of `config` with `--allow-apply` on the cluster `kubeconfig` names.
    static func checkApplying(_ config: URL, _ kubeconfig: URL) async -> CommandResult {
        await vigil("run", "--check-config", "--config", config.path, "--kubeconfig", kubeconfig.path, "--allow-apply")
    }

    static let kubeconfig = """
        apiVersion: v1
        kind: Config
        current-context: probe
        clusters: [{name: probe, cluster: {server: "https://127.0.0.1:1"}}]
        contexts: [{name: probe, context: {cluster: probe, user: probe, namespace: shop}}]
        users: [{name: probe, user: {token: probe}}]

        """

    @Test func aValidConfigurationIsSummarisedAndNothingIsMade() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-check-\(UUID())")
        let kubeconfig = try temporaryFile(Self.kubeconfig, suffix: ".yaml")
        defer { try? FileManager.default.removeItem(at: kubeconfig) }
        let pack = repositoryRoot.appendingPathComponent("rules/default.yaml").path
        let rules = try RuleSet.load([pack])
        let config = try temporaryFile(
            """
            listen: 127.0.0.1:19464
            state_dir: \(directory.path)
            rule_files: [\(pack)]
            cluster: {leader_election: {namespace: vigil}}
            scrape_configs:
              - job_name: app
                static_configs: [{targets: ['127.0.0.1:8080', '127.0.0.1:8081']}]
              - job_name: node
                static_configs: [{targets: ['127.0.0.1:9100']}]

            """,
            suffix: ".yaml"
        )
        defer { try? FileManager.default.removeItem(at: config) }
        let result = await Self.checkApplying(config, kubeconfig)
        #expect(result.status == 0, "\(result.stderr)")
        // The default pack's: nodes' get and patch, a drain's four, a rollback's three, the other workloads'
        // get and patch (a DaemonSet's get is the drain's too), the scale subresources, HPAs and claims.
        let asked = RemediationRights.needed(by: rules.playbooks, policy: RemediationPolicy()).count
        #expect(asked == 18)
        #expect(
            result.stdout.split(separator: "\n") == [
                "\(config.path): valid, nothing started",
                "  listen: 127.0.0.1:19464, plain HTTP, no authentication",
                "  scrape: 3 static targets in 2 jobs",
                "  detector: ensemble, daily profile on",
                "  state_dir: \(directory.path) (made at start)",
                "  rules: \(rules.signals.count) signals, \(rules.playbooks.count) playbooks from 1 file",
                "  cluster: https://127.0.0.1:1 (context probe, namespace shop)",
                "  remediation: applies under remediation:'s guards while it holds the Lease vigil/vigil-remediation; "
                    + "in every namespace but kube-system (asks for \(asked) rights at start, cluster-wide: no "
                    + "remediation.namespaces.allow)",
            ]
        )
        #expect(!FileManager.default.fileExists(atPath: directory.path), "the state directory is not made")
    }

    /// Without a file: the flags alone, --web.* files included.
    @Test func theFlagsAloneAreCheckedToo() async throws {
        let kubeconfig = try temporaryFile(Self.kubeconfig, suffix: ".yaml")
        defer { try? FileManager.default.removeItem(at: kubeconfig) }
        let token = try temporaryFile("a-token-of-some-length\n", suffix: ".token")
        defer { try? FileManager.default.removeItem(at: token) }
        let result = await vigil(
            "run",
            "--check-config",
            "--scrape",
            "http://127.0.0.1:8080/metrics",
            "--no-seasonal",
            "--rules",
            repositoryRoot.appendingPathComponent("rules").path,
            "--kubeconfig",
            kubeconfig.path,
            "--web.bearer-token-file",
            token.path,
            "--web.enable-lifecycle"
        )
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "the flags: valid, nothing started")
        #expect(lines.contains("  listen: 0.0.0.0:9464, bearer token; with --web.enable-lifecycle"))
        #expect(lines.contains("  scrape: 1 static target in 1 job"))
        #expect(lines.contains("  detector: ensemble, daily profile off (--no-seasonal)"))
        #expect(lines.contains("  state_dir: none: learnt state lives in memory only"))
        #expect(lines.contains("  remediation: proposals and dry runs only"))
    }

    /// What a start refuses, the check refuses the same way: every error of the file, with its place.
    @Test func anInvalidConfigurationIsRefusedWithItsErrors() async throws {
        let config = try temporaryFile(
            """
            scrape_configs:
              - job_name: app
                scrape_interval: soon
                static_configs: [{targets: ['127.0.0.1:8080']}]
            log: {level: loud}

            """,
            suffix: ".yaml"
        )
        defer { try? FileManager.default.removeItem(at: config) }
        let result = await vigil("run", "--check-config", "--config", config.path)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let errors = result.stderr.split(separator: "\n")
        #expect(errors.count == 2, "\(result.stderr)")
        #expect(errors.allSatisfy { $0.hasPrefix("\(config.path):") })

        let kubeconfig = try temporaryFile(Self.kubeconfig, suffix: ".yaml")
        defer { try? FileManager.default.removeItem(at: kubeconfig) }
        let unsafe = await vigil(
            "run",
            "--check-config",
            "--scrape",
            "http://127.0.0.1:8080/metrics",
            "--allow-apply",
            "--kubeconfig",
            kubeconfig.path,
            "--rules",
            repositoryRoot.appendingPathComponent("rules").path
        )
        #expect(unsafe.status == 1)
        #expect(unsafe.stderr == "--allow-apply needs --state-dir (for the audit log)\n")
    }

    /// The start's checks that do not depend on each other are each made: a missing rule file, kubeconfig
    /// and web configuration file are three errors in one run, not one a run.
    @Test func everyMissingFileIsListedInOneRun() async throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-missing-\(UUID())").path
        let config = try temporaryFile(
            """
            rule_files: [\(missing)/rules.yaml]
            kubernetes: {kubeconfig: \(missing)/kubeconfig}
            state_dir: \(missing)
            scrape_configs:
              - job_name: app
                static_configs: [{targets: ['127.0.0.1:8080']}]

            """,
            suffix: ".yaml"
        )
        defer { try? FileManager.default.removeItem(at: config) }
        let result = await vigil(
            "run",
            "--check-config",
            "--config",
            config.path,
            "--web.config.file",
            "\(missing)/web.yml"
        )
        #expect(result.status == 1)
        #expect(
            result.stderr == """
                \(missing)/rules.yaml: no such file or directory
                kubernetes: \(missing)/kubeconfig: cannot read the kubeconfig
                \(missing)/web.yml: cannot read the web configuration file

                """
        )
        #expect(!FileManager.default.fileExists(atPath: missing), "nothing made")
    }

    /// The flags that describe --scrape targets, given without one (beside --config), were ignored.
    @Test func scrapeFlagsWithoutAScrapeAreRefused() async throws {
        let config = try temporaryFile("scrape_configs: [{job_name: a, static_configs: [{targets: ['a:1']}]}]\n")
        defer { try? FileManager.default.removeItem(at: config) }
        let result = await vigil(
            "run",
            "--check-config",
            "--config",
            config.path,
            "--interval",
            "5s",
            "--job",
            "x",
            "--sample-limit",
            "3"
        )
        #expect(result.status == 2)
        #expect(
            result.stderr.hasPrefix(
                "Error: --job, --interval, --sample-limit describe --scrape targets, and none is given; "
                    + "a --config file's jobs set theirs in scrape_configs\n"
            ),
            "\(result.stderr)"
        )
    }

    /// A state_dir the start could not make is refused as the start refuses it, and none of it is made.
    @Test func aStateDirectoryTheStartCannotMakeIsRefused() async throws {
        let file = try temporaryFile("not a directory\n", suffix: ".txt")
        defer { try? FileManager.default.removeItem(at: file) }
        let state = file.appendingPathComponent("state").appendingPathComponent("new").path
        let result = await vigil(
            "run",
            "--check-config",
            "--scrape",
            "http://127.0.0.1:8080/metrics",
            "--state-dir",
            state
        )
        #expect(result.status == 1)
        #expect(result.stderr == "state_dir \(state): \(file.path) is not a directory\n")
        // The start refuses it too.
        #expect(throws: (any Error).self) { try Daemon.prepareStateDirectory(state) }
    }

    /// With `remediation.namespaces.allow`, remediation asks for its rights there, denied ones left out.
    @Test func theAllowedNamespacesAreWhereRemediationAsksForItsRights() async throws {
        let kubeconfig = try temporaryFile(Self.kubeconfig, suffix: ".yaml")
        defer { try? FileManager.default.removeItem(at: kubeconfig) }
        let pack = repositoryRoot.appendingPathComponent("rules/default.yaml").path
        let config = try temporaryFile(
            """
            state_dir: \(FileManager.default.temporaryDirectory.appendingPathComponent("vigil-check-\(UUID())").path)
            rule_files: [\(pack)]
            remediation: {namespaces: {allow: [shop, kube-system, web]}}

            """,
            suffix: ".yaml"
        )
        defer { try? FileManager.default.removeItem(at: config) }
        let result = await Self.checkApplying(config, kubeconfig)
        #expect(result.status == 0, "\(result.stderr)")
        var policy = RemediationPolicy()
        policy.allowNamespaces = ["shop", "kube-system", "web"]
        let asked = RemediationRights.needed(by: try RuleSet.load([pack]).playbooks, policy: policy).count
        #expect(
            result.stdout.contains("; in shop, web (asks for \(asked) rights at start)\n"),
            "\(result.stdout)"
        )
    }

    /// `--check-config --allow-apply`'s output for a configuration of `rules` (a rule file's text) and the
    /// `extra` lines after `rule_files:`.
    static func checkApplying(rules: String, extra: String = "") async throws -> CommandResult {
        let workspace = try TemporaryDirectory("check-rules")
        let kubeconfig = workspace.file("kubeconfig.yaml")
        let file = workspace.file("rules.yaml")
        let config = workspace.file("vigil.yaml")
        try Self.kubeconfig.write(to: kubeconfig, atomically: true, encoding: .utf8)
        try rules.write(to: file, atomically: true, encoding: .utf8)
        try "state_dir: \(workspace.file("state").path)\nrule_files: [\(file.path)]\n\(extra)"
            .write(to: config, atomically: true, encoding: .utf8)
        return await Self.checkApplying(config, kubeconfig)
    }

    /// Rules whose playbooks propose nothing ask for no right, and nothing is said to be asked cluster-wide.
    @Test func rulesThatProposeNoChangeAskForNoRight() async throws {
        let result = try await Self.checkApplying(rules: "signals:\n  - name: scrape_up\n    selector: 'up'\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains(
                "; in every namespace but kube-system (asks for no right at start: no action is proposed)\n"
            ),
            "\(result.stdout)"
        )
    }

    /// A playbook that only explains, made to propose in one namespace by `remediation.autonomy`, asks for
    /// its rights there alone: nothing is asked cluster-wide.
    @Test func rightsAskedOnlyWhereAutonomyProposesAreNotClusterWide() async throws {
        let result = try await Self.checkApplying(
            rules: """
                playbooks:
                  - name: oom
                    cause: memory-limit
                    summary: OOM killed
                    when: {all: [{finding: OOMKilled}]}
                    then: [{action: restart}]
                    autonomy: explain

                """,
            extra: "remediation: {autonomy: {shop: approve}}\n"
        )
        #expect(result.status == 0, "\(result.stderr)")
        // A restart's get and patch of deployments, statefulsets and daemonsets, in shop.
        #expect(
            result.stdout.contains(
                "; in every namespace but kube-system (asks for 6 rights at start, in shop: remediation.autonomy)\n"
            ),
            "\(result.stdout)"
        )
    }

    /// With an election configured but no --allow-apply, the replica takes part in none.
    @Test func anElectionWithoutApplyingIsNone() async throws {
        let kubeconfig = try temporaryFile(Self.kubeconfig, suffix: ".yaml")
        defer { try? FileManager.default.removeItem(at: kubeconfig) }
        let config = try temporaryFile("cluster: {leader_election: {namespace: vigil}}\n", suffix: ".yaml")
        defer { try? FileManager.default.removeItem(at: config) }
        let result = await vigil("run", "--check-config", "--config", config.path, "--kubeconfig", kubeconfig.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains(
                "  remediation: proposals and dry runs only (cluster.leader_election holds no Lease without it)\n"
            )
        )
    }
}
