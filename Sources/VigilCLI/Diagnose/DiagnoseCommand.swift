import ArgumentParser
import Foundation
import VigilAssist
import VigilEngine
import VigilHTTP
import VigilHistory
import VigilKube
import VigilRules

/// `vigil diagnose`: what is wrong with this workload? From Prometheus's history and the cluster as it
/// is now (`--prometheus URL`, with kubectl's cluster), or from a recorded scenario (`--replay DIR`).
struct DiagnoseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Diagnose a workload: incidents with a ranked cause, evidence and proposed fixes.",
        discussion: """
            --prometheus URL reads the raw series the rules select (or --match) through remote read \
            (query_range where the server does not offer it; --prometheus-api) over --since/--until \
            every --step, and lists the cluster's objects and events once, through \
            kubectl's configuration (--kubeconfig, --context; none found: metrics only). --namespace \
            scopes both; --workload and -l keep only the incidents of those workloads.

            --replay DIR reads a recorded scenario: metrics.om (OpenMetrics, a timestamp on every \
            sample), events.json (kubectl get events -o json) and cluster.json (kubectl get … -o json), \
            the end of the recording being "now".

            With a cluster, every proposal is also sent as a server-side dry run: the report shows the \
            server's answer and the fields that would change (with --replay the cluster must be named \
            explicitly, --kubeconfig or --context). --apply offers each proposal (Apply? [y/N]; --yes \
            for scripts) and applies the accepted ones under remediation's guards, each step in the \
            audit log first (<state-dir>/audit.jsonl; vigil audit reads it); with --replay as well, the \
            recording supplies the evidence and the connected cluster receives the dry runs and changes. \
            Where vigil run's replicas elect a leader (--config's cluster.leader_election, or --lease; \
            given neither, the Lease named vigil-remediation in any namespace, which every vigil run \
            --allow-apply holds), --apply takes their Lease first, claims each change on it and releases \
            it, and refuses (exit 2, nothing sent) while a live leader holds it. \
            The text report is coloured on a terminal, never with NO_COLOR set or into a pipe.

            Exit status: 0 when nothing is found, 1 when incidents are found, 2 on errors — and when \
            Prometheus has no series for the range and scope and nothing is found: that is no evidence \
            of health (with incidents from the cluster, it is a warning).
            """
    )

    @OptionGroup var evidence: EvidenceOptions

    @OptionGroup(title: "Cluster and scope") var scope: ScopeOptions

    @Option(name: [.short, .long], help: "text, json or markdown.")
    var output: OutputFormat = .text

    @OptionGroup var colors: ColorOptions

    @Flag(help: "Where the time went (reading, diagnosing, rendering), on standard error.")
    var timings = false

    @Flag(help: "Offer each proposal for applying (Apply? [y/N]), under remediation's guards; needs a cluster.")
    var apply = false

    @Flag(help: "With --apply: apply every proposal whose dry run the server accepted, without asking.")
    var yes = false

    @Option(
        help: ArgumentHelp(
            "With --apply: the daemon's remediation Lease to take part in (default: --config's cluster.leader_election, else the one Lease named vigil-remediation found); refused while a live leader holds it.",
            valueName: "namespace/name"
        )
    )
    var lease: String?

    @Flag(
        help:
            "With --apply: no Vigil replicas apply fixes in this cluster, so take part in no Lease (without --lease or --config, --apply looks for their Lease, vigil-remediation, in every namespace and refuses when it cannot tell)."
    )
    var noLease = false

    @OptionGroup(title: "Audit log (with --apply)") var location: AuditLocation

    @Flag(
        help:
            "After the report, ask --config's narrator: (an OpenAI-compatible model) to explain each incident, masked; see docs/AI.md."
    )
    var narrate = false

    @Option(
        help: ArgumentHelp(
            "vigil run's configuration: its remediation: guards (namespaces, autonomy, cooldown, rate limit…) apply to --apply (a namespace at autonomy apply is still asked for), and its namespace lists to every dry run (a drain may not evict from a denied namespace). Default: the defaults.",
            valueName: "file"
        )
    )
    var config: String?

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json, markdown
    }

    func validate() throws {
        if evidence.replay != nil, scope.selector != nil {
            throw ValidationError("-l needs a cluster to list pods from: use it with --prometheus")
        }
        if yes, !apply { throw ValidationError("--yes answers --apply's question: give --apply too") }
        if noLease {
            guard apply else { throw ValidationError("--no-lease is about --apply: give --apply too") }
            guard lease == nil else { throw ValidationError("give one of --lease and --no-lease") }
        }
        if let lease {
            guard apply else {
                throw ValidationError("--lease names the Lease --apply takes part in: give --apply too")
            }
            guard Self.leaseLocation(lease) != nil else {
                throw ValidationError("--lease: expected NAMESPACE/NAME, got \"\(lease)\"")
            }
        }
        if narrate, config == nil {
            throw ValidationError("--narrate needs --config FILE with a narrator: section (docs/AI.md)")
        }
    }

    func run() async throws {
        let engine = try evidence.engine()
        let namespace = scope.namespace ?? ""
        let workload = try scope.workloadSubject(namespace: namespace)
        let input: DiagnosisInput
        var kube: KubeClient?
        do {
            if let replay = evidence.replay {
                input = try DiagnosisInput.replay(replay, engine: engine)
            } else {
                (input, kube) = try await readLive(engine: engine, namespace: namespace)
            }
        } catch let error as DiagnosisInput.ReadError {
            Console.error("vigil diagnose: \(error.description)")
            throw ExitCode(2)
        }
        for warning in input.timings.history?.warnings ?? [] {
            Console.error("vigil diagnose: warning: Prometheus warned, the history may have holes: \(warning)")
        }
        let clock = ContinuousClock()
        let diagnosing = clock.now
        let diagnosis = engine.diagnose(history: input.history, cluster: input.cluster, now: input.now)
        let diagnosed = clock.now
        var incidents = diagnosis.incidents
        if let workload {
            incidents = incidents.filter { Self.same($0.subject, workload) }
        }
        if evidence.replay != nil, let only = scope.namespace {
            // A recording holds every namespace it recorded: --namespace scopes it as it scopes a live read,
            // where nodes are read cluster-wide.
            incidents = incidents.filter { $0.subject.namespace == only || $0.subject.namespace.isEmpty }
        }
        if let selector = scope.selector, let kube {
            let chosen = try await subjects(
                ofPodsMatching: selector,
                kube: kube,
                cluster: input.cluster,
                namespace: namespace
            )
            incidents = incidents.filter { chosen.contains($0.subject) }
        }
        if let remediation = try remediation(live: kube != nil) {
            do {
                incidents = try await remediation.run(incidents, cluster: input.cluster)
            } catch {
                Console.error("vigil diagnose: \(error)")
                throw ExitCode(2)
            }
        }
        let narrator = try narrator()
        let report = DiagnosisReport(
            source: input.source,
            now: input.now,
            start: input.start,
            diagnosis: diagnosis,
            incidents: incidents
        )
        // The report is final before any model is asked: its narration is shown beside it, never in it.
        var narrations: [IncidentNarration]?
        if let narrator { narrations = await IncidentNarration.narrate(incidents, with: narrator) }
        let model = narrator?.configuration.model ?? ""
        switch output {
        case .json:
            try Console.current.writeOut(IncidentOutput.json(incidents, now: input.now, narrations: narrations) + "\n")
        case .markdown:
            Console.current.writeOut(MarkdownReport(report: report).render())
            Console.current.writeOut(IncidentNarration.render(narrations ?? [], model: model, markdown: true))
        case .text:
            Console.current.writeOut(TextReport(report: report, style: colors.style).render())
            Console.current.writeOut(IncidentNarration.render(narrations ?? [], model: model, markdown: false))
        }
        if timings {
            Console.error(
                TimingsLine.text(input, diagnosisSeconds: diagnosed - diagnosing, renderSeconds: clock.now - diagnosed)
            )
        }
        // A dry run with no answer is a cluster that could not be reached: an error, as an unreachable
        // cluster is anywhere else here, once the report (which shows each) is out.
        let dryRuns = incidents.flatMap(\.proposals).compactMap(\.dryRun)
        if let unanswered = dryRuns.first(where: \.isUnanswered), case .refused(_, let reason) = unanswered.outcome {
            let count = dryRuns.count { $0.isUnanswered }
            let some = count == dryRuns.count ? "no dry run" : "\(dryRuns.count - count) of \(dryRuns.count) dry runs"
            Console.error(
                "vigil diagnose: the cluster answered \(some) (\(count) of \(dryRuns.count) unanswered): \(reason)"
            )
            throw ExitCode(2)
        }
        if evidence.replay == nil, input.history.series.isEmpty {
            // No series is no evidence of health: a wrong URL, namespace or selector reads as "No incidents".
            let asked = evidence.history.matches.isEmpty ? "the rules' selectors" : "--match"
            let scoped = namespace.isEmpty ? "" : " in namespace \(namespace)"
            Console.error(
                "vigil diagnose: \(incidents.isEmpty ? "" : "warning: ")Prometheus has no series for \(asked)"
                    + "\(scoped) from \(input.start.map(Timestamp.utc) ?? "the start") to \(Timestamp.utc(input.now)): "
                    + "nothing here was judged from metrics; check --prometheus, --namespace and that Prometheus "
                    + "scrapes the exporters the rules read (rules/README.md)"
            )
            if incidents.isEmpty { throw ExitCode(2) }
        }
        if !incidents.isEmpty { throw ExitCode(1) }
    }

    /// History from Prometheus and, when a cluster can be found, its state.
    private func readLive(
        engine: DiagnosisEngine,
        namespace: String
    ) async throws -> (DiagnosisInput, KubeClient?) {
        let history = evidence.history
        let source: PrometheusSource
        let range: (start: Double, end: Double)
        let step: Double
        do {
            source = try history.source(url: history.prometheus ?? "")
            range = try history.range(now: Date().timeIntervalSince1970)
            step = try history.stepSeconds()
        } catch {
            Console.error("vigil diagnose: \(error.message)")
            throw ExitCode(2)
        }
        let transport = CurlHTTPClient()
        var kube: KubeClient?
        if scope.cluster.wanted {
            do {
                kube = KubeClient(connection: try scope.connection(), transport: transport, access: .read)
            } catch {
                Console.error("vigil diagnose: \(error.description)")
                throw ExitCode(2)
            }
        }
        guard kube != nil || scope.selector == nil else {
            Console.error("vigil diagnose: -l needs a cluster to list pods from (--kubeconfig, --context)")
            throw ExitCode(2)
        }
        let selectors =
            history.matches.isEmpty ? SignalRecorder.selectors(of: engine.rules).map { $0.promQL() } : history.matches
        for selector in history.matches {
            do {
                _ = try SeriesSelector(selector)
            } catch {
                Console.error("vigil diagnose: --match \(selector): column \(error.column): \(error.message)")
                throw ExitCode(2)
            }
        }
        let input = try await DiagnosisInput.live(
            prometheus: source,
            selectors: selectors,
            start: range.start,
            end: range.end,
            step: step,
            namespace: namespace,
            kube: kube,
            window: evidence.windowSeconds,
            transport: transport,
            progress: .standardError()
        )
        return (input, kube)
    }

    /// `--narrate`'s narrator, from `--config`'s `narrator:` section.
    private func narrator() throws -> ChatNarrator? {
        guard narrate, let config else { return nil }
        let settings: NarratorConfiguration
        do {
            guard let section = try DaemonConfig.load(file: config).narrator else {
                Console.error("vigil diagnose: --narrate: \(config) has no narrator: section (docs/AI.md)")
                throw ExitCode(2)
            }
            settings = section
        } catch let error as DaemonConfig.Invalid {
            for line in error.errors { Console.error(line) }
            throw ExitCode(2)
        }
        return ChatNarrator(configuration: settings, transport: CurlHTTPClient())
    }

    /// The workloads (or bare pods) of the pods a label selector picks.
    private func subjects(
        ofPodsMatching selector: String,
        kube: KubeClient,
        cluster: ClusterModel,
        namespace: String
    ) async throws -> Set<Subject> {
        let pods: [(namespace: String, name: String)]
        do {
            pods = try await ClusterSnapshot(client: kube, namespace: namespace).pods(matching: selector)
        } catch {
            Console.error("vigil diagnose: -l \(selector): \(error.description)")
            throw ExitCode(2)
        }
        return Set(
            pods.map { pod in
                guard let top = cluster.owners(ofPod: pod.namespace, pod.name).last else {
                    return Subject(kind: "pod", namespace: pod.namespace, name: pod.name)
                }
                return Subject(kind: top.kind, namespace: top.namespace, name: top.name)
            }
        )
    }

    /// The connected cluster's part: dry runs, and with `--apply` the offer to apply. A replay reaches a
    /// cluster only when one is named explicitly, never the current context by accident.
    private func remediation(live: Bool) throws -> ClusterRemediation? {
        guard live || (evidence.replay != nil && scope.cluster.named) else {
            if apply {
                Console.error("vigil diagnose: --apply needs a cluster: --kubeconfig or --context")
                throw ExitCode(2)
            }
            return nil
        }
        let connection: KubeConnection
        do {
            connection = try scope.connection()
        } catch {
            Console.error("vigil diagnose: \(error.description)")
            throw ExitCode(2)
        }
        var daemon = DaemonConfig()
        if let config {
            do {
                daemon = try DaemonConfig.load(file: config)
            } catch {
                for line in error.errors { Console.error(line) }
                throw ExitCode(2)
            }
        }
        if noLease, apply, daemon.cluster.leaderElection != nil {
            Console.error("vigil diagnose: --no-lease, but \(config ?? "--config") has cluster.leader_election")
            throw ExitCode(2)
        }
        return ClusterRemediation(
            connection: connection,
            policy: daemon.remediation,
            apply: apply
                ? ClusterRemediation.Apply(
                    auditLog: location.path,
                    assumeYes: yes,
                    election: election(daemon.cluster.leaderElection),
                    searchLease: !noLease
                ) : nil
        )
    }

    /// The Lease `--apply` takes part in: `--lease`'s, timed as `--config`'s election, else `--config`'s;
    /// none without either. The identity is the command's own (``LeaseTenure``).
    private func election(_ configured: ClusterSettings.LeaderElectionSettings?) -> LeaderElectionConfiguration? {
        guard let lease, let (namespace, name) = Self.leaseLocation(lease) else {
            return configured?.configuration(identity: "")
        }
        var settings = configured ?? ClusterSettings.LeaderElectionSettings()
        settings.namespace = namespace
        settings.leaseName = name
        return settings.configuration(identity: "")
    }

    /// `NAMESPACE/NAME` split; nil unless both are there.
    static func leaseLocation(_ text: String) -> (namespace: String, name: String)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    /// The same workload, the namespace compared only when `--namespace` named one.
    static func same(_ subject: Subject, _ wanted: Subject) -> Bool {
        subject.kind == wanted.kind && subject.name == wanted.name
            && (wanted.namespace.isEmpty || subject.namespace == wanted.namespace)
    }
}
