import Foundation
import VigilCore
import VigilKube
import VigilRules
import VigilYAML

/// The thinking half of Vigil: from signals, findings and events to incidents, each with one cause
/// ranked on evidence and the fixes its playbook proposes. A pure function of its inputs — the daemon,
/// `vigil diagnose` and the webhook share it, and every scenario is a deterministic test.
public struct DiagnosisEngine: Sendable {
    public var rules: RuleSet
    public var analyzers: [any CauseAnalyzer]
    public var narrator: any Narrator
    /// How far back evidence counts, before `now`.
    public var window: Double
    /// A rollout counts as the cause when its trouble (a finding or an anomaly) began at most this long
    /// after it, or at most ``rolloutGrace`` before it.
    public var rolloutLead: Double
    public var rolloutGrace: Double
    /// How long an anomaly's baseline is handed from one diagnosis to the next (``Diagnosis/baselines``):
    /// an outage is judged against the level before it for this long; past it, the level it holds is taken
    /// as the new normal, as a launch that doubled the traffic for good would be.
    public var baselineCarry: Double = 6 * 3600

    public static let defaultAnalyzers: [any CauseAnalyzer] = [
        PodAnalyzer(), WorkloadAnalyzer(), NodeAnalyzer(), AutoscalerAnalyzer(), VolumeAnalyzer(), JobAnalyzer(),
        SaturationAnalyzer(),
    ]

    public init(
        rules: RuleSet,
        analyzers: [any CauseAnalyzer] = DiagnosisEngine.defaultAnalyzers,
        narrator: any Narrator = EvidenceNarrator(),
        window: Double = 3600,
        rolloutLead: Double = 3600,
        rolloutGrace: Double = 600
    ) {
        self.rules = rules
        self.analyzers = analyzers
        self.narrator = narrator
        self.window = window
        self.rolloutLead = rolloutLead
        self.rolloutGrace = rolloutGrace
    }

    /// What the engine saw, beside the incidents: for reports and tests.
    public struct Diagnosis: Sendable {
        public var incidents: [Incident]
        public var signals: [String: [Signal]]
        public var anomalies: [SignalAnomaly]
        public var findings: [Finding]
        /// The baselines of the anomalies going on, by signal (``SignalWatch/Key``): what the next
        /// diagnosis of the same signals is given, so an outage longer than the history stays one.
        public var baselines: [SignalWatch.Key: SignalWatch.Baseline]
    }

    /// Diagnoses the cluster at `now` (seconds since the epoch) from `history`, the cluster's state and
    /// the firing Alertmanager alerts (each one evidence of the workload its labels name, and each one in
    /// an incident).
    /// `baselines` are the last diagnosis's (``Diagnosis/baselines``), for the daemon's rounds.
    public func diagnose(
        history: MetricHistory,
        cluster: ClusterModel,
        alerts: [Alert] = [],
        now: Double,
        baselines: [SignalWatch.Key: SignalWatch.Baseline] = [:]
    ) -> Diagnosis {
        let history = Self.withWorkloads(history, Topology(cluster: cluster))
        var signals: [String: [Signal]] = [:]
        var anomalies: [SignalAnomaly] = []
        var ongoing: [SignalWatch.Key: SignalWatch.Baseline] = [:]
        for rule in rules.signals {
            let derived = Signal.derive(rule, from: history)
            signals[rule.name] = derived
            for signal in derived {
                let key = SignalWatch.Key(of: signal)
                let found = SignalWatch.anomalies(in: signal, rule: rule, baseline: baselines[key])
                    .filter { $0.lastSeenAt >= now - window }
                if let last = found.last, last.ongoing, now - last.startedAt < baselineCarry {
                    ongoing[key] = SignalWatch.Baseline(of: last)
                }
                anomalies += found
            }
        }
        let context = AnalysisContext(
            cluster: cluster,
            signals: signals,
            now: now,
            window: window,
            rolloutWindow: window + rolloutLead
        )
        let findings = analyzers.flatMap { $0.findings(in: context) }
        let incidents = incidents(anomalies: anomalies, findings: findings, alerts: alerts, cluster: cluster, now: now)
        return Diagnosis(
            incidents: incidents,
            signals: signals,
            anomalies: anomalies,
            findings: findings,
            baselines: ongoing
        )
    }

    /// Whether any signal rule reads a series with these labels (as numerator, denominator or bucket).
    public func selects(_ labels: [String: String]) -> Bool {
        rules.signals.contains { rule in
            if rule.selector.matches(labels) { return true }
            if case .ratio(let denominator) = rule.transform { return denominator.matches(labels) }
            return false
        }
    }

    /// Every series with `namespace` and `pod` labels gains `workload` (`deployment/web`), its pod's
    /// top-level controller, as a join with kube-state-metrics' `kube_pod_owner` would give it: a
    /// rollout replaces pods, so only a workload-wide signal has a baseline that spans it.
    static func withWorkloads(_ history: MetricHistory, _ topology: Topology) -> MetricHistory {
        var cache: [String: String] = [:]
        var enriched = MetricHistory()
        for var series in history.series {
            if series.labels["workload"] == nil, let namespace = series.labels["namespace"],
                let pod = series.labels["pod"], !pod.isEmpty
            {
                let key = "\(namespace)/\(pod)"
                let workload = cache[key] ?? topology.subject(ofPod: namespace, pod).description
                cache[key] = workload
                series.labels["workload"] = workload
            }
            enriched.append(series)
        }
        return enriched
    }

    /// Groups evidence per subject and names each group's cause.
    func incidents(
        anomalies: [SignalAnomaly],
        findings: [Finding],
        alerts: [Alert] = [],
        cluster: ClusterModel,
        now: Double
    ) -> [Incident] {
        let topology = Topology(cluster: cluster)
        let failedNodes = Set(findings.filter { $0.reason == "NodeNotReady" }.map(\.object.name))
        var grouped: [Subject: [Evidence]] = [:]

        // Trouble of a pod on a failed node is the node's, not its workload's.
        func subject(ofPod namespace: String, _ pod: String) -> Subject {
            if let node = topology.node(ofPod: namespace, pod), failedNodes.contains(node) {
                return Subject(kind: "node", namespace: "", name: node)
            }
            return topology.subject(ofPod: namespace, pod)
        }

        for finding in findings {
            let object = finding.object
            let owner: Subject =
                switch object.kind {
                case "pod": subject(ofPod: object.namespace, object.name)
                case "node", "persistentvolumeclaim", "job": object
                default: topology.subject(kind: object.kind, namespace: object.namespace, name: object.name)
                }
            grouped[owner, default: []].append(
                Evidence(
                    kind: .finding,
                    name: finding.reason,
                    object: object.description,
                    message: finding.message,
                    at: finding.since,
                    severity: finding.severity
                )
            )
        }
        for anomaly in anomalies {
            guard let owner = Self.subject(of: anomaly.labels, topology: topology, podSubject: subject) else {
                continue
            }
            grouped[owner, default: []].append(Self.evidence(anomaly))
        }
        for alert in alerts where alert.status == .firing {
            grouped[Self.subject(of: alert, topology: topology, podSubject: subject), default: []].append(
                Evidence(
                    kind: .alert,
                    name: alert.name,
                    object: "alert/\(alert.fingerprint)",
                    message: alert.message,
                    at: alert.startsAt,
                    severity: max(alert.severity, .warning)
                )
            )
        }
        // Routine events (Pulled, Created, Scheduled…) are noise unless a playbook asks for them.
        let conditions: [Playbook.Condition] = rules.playbooks.flatMap { $0.all + $0.any + $0.none }
        let namedEvents = Set(conditions.filter { $0.kind == .event }.map(\.name))
        let recentEvents = cluster.events.filter { $0.lastSeen.timeIntervalSince1970 >= now - window }
        for event in recentEvents where event.type == "Warning" || namedEvents.contains(event.reason) {
            let owner: Subject =
                event.involvedKind == "Pod"
                ? subject(ofPod: event.namespace, event.involvedName)
                : topology.subject(kind: event.involvedKind, namespace: event.namespace, name: event.involvedName)
            grouped[owner, default: []].append(
                Evidence(
                    kind: .event,
                    name: event.reason,
                    object: "\(event.involvedKind.lowercased())/\(event.involvedName)",
                    message: "\(event.reason): \(event.message)",
                    at: event.firstSeen.timeIntervalSince1970,
                    severity: event.type == "Warning" ? .warning : .info,
                    count: event.count
                )
            )
        }
        let builder = ProposalBuilder(cluster: cluster)
        return grouped.compactMap { subject, evidence in
            incident(subject, Self.deduplicated(evidence), builder: builder, now: now)
        }
        .sorted { lhs, rhs in
            let left = (lhs.cause != "unknown" ? 1 : 0, lhs.severity, lhs.confidence)
            let right = (rhs.cause != "unknown" ? 1 : 0, rhs.severity, rhs.confidence)
            if left != right { return left > right }
            return lhs.subject < rhs.subject
        }
    }

    /// One incident for a subject, or nil when its evidence is too weak to be one.
    private func incident(
        _ subject: Subject,
        _ evidence: [Evidence],
        builder: ProposalBuilder,
        now: Double
    )
        -> Incident?
    {
        // The onset: the earliest trouble, rollouts and routine events aside (now, when none is dated).
        let trouble = evidence.filter { $0.severity >= .warning || $0.kind == .anomaly }
        guard !trouble.isEmpty else { return nil }
        let onset = trouble.compactMap(\.at).min() ?? now
        let matches = rules.playbooks.enumerated().compactMap { index, playbook -> (Int, Playbook, Double)? in
            score(playbook, evidence).map { (index, playbook, $0) }
        }
        let best = matches.max { ($0.2, -$0.0) < ($1.2, -$1.0) }
        let severity = trouble.map(\.severity).max() ?? .info
        let weight = trouble.reduce(0.0) { total, item in
            total + (Playbook.Condition.Kind(rawValue: item.kind.rawValue).map(Playbook.Condition.defaultWeight) ?? 1)
        }
        // No playbook: an incident only on strong evidence (a warning finding and more, or an alert someone's
        // rule fired), cause unknown.
        guard
            best != nil || evidence.contains(where: { $0.kind == .alert })
                || (evidence.contains { $0.kind == .finding && $0.severity >= .warning } && weight >= 4)
        else { return nil }
        let confidence = best.map { ($0.2 / ($0.2 + 2) * 100).rounded() / 100 } ?? 0
        let cause = best?.1.cause ?? "unknown"
        var incident = Incident(
            id: Self.id(subject, cause: cause, onset: onset),
            subject: subject,
            startedAt: onset,
            cause: cause,
            summary: best?.1.summary ?? "cause unknown: no playbook matches the evidence; nothing is proposed",
            playbook: best?.1.name,
            confidence: confidence,
            severity: severity,
            evidence: evidence.sorted { ($0.at ?? .infinity, $0.name) < ($1.at ?? .infinity, $1.name) },
            proposals: [],
            explanation: ""
        )
        if let playbook = best?.1 {
            incident.proposals = playbook.then.compactMap {
                builder.proposal($0, for: incident, playbook: playbook, confidence: confidence)
            }
        }
        incident.explanation = narrator.explain(incident, template: best?.1.explain ?? "")
        return incident
    }

    /// The playbook's score on this evidence, or nil when it does not match: every `all`, at least one
    /// `any` (when given), no `none`. A rollout counts only when the trouble — a finding or an anomaly,
    /// not an event (a readiness blip before it must not hide it) — began within ``rolloutLead`` after it
    /// (or ``rolloutGrace`` before: the scrape may lag the rollout's record): none of it before (trouble
    /// that was there already is not the rollout's, though it goes on in the new pods: a limit raised by
    /// a rollout while the pods still run out of memory, where undoing the rollout undoes the fix; on
    /// doubt no undo is proposed), and some of what goes on now, where anything does, in that lead (a
    /// blip after a healthy rollout does not make it the cause of a crash that came an hour later).
    func score(_ playbook: Playbook, _ evidence: [Evidence]) -> Double? {
        let trouble = evidence.filter { $0.kind == .anomaly || ($0.kind == .finding && $0.severity >= .warning) }
        let firstTrouble = trouble.compactMap(\.at).min()
        let current = trouble.filter { $0.ended == nil }
        let currentStarts = (current.isEmpty ? trouble : current).compactMap(\.at)
        func holds(_ condition: Playbook.Condition) -> Bool {
            evidence.contains { item in
                guard item.kind.rawValue == condition.kind.rawValue, item.name == condition.name else { return false }
                if item.name == "RecentRollout", let at = item.at {
                    guard let firstTrouble, firstTrouble >= at - rolloutGrace else { return false }
                    return currentStarts.contains { $0 >= at - rolloutGrace && $0 <= at + rolloutLead }
                }
                return true
            }
        }
        guard playbook.all.allSatisfy(holds), !playbook.none.contains(where: holds) else { return nil }
        let anyHeld = playbook.any.filter(holds)
        guard playbook.any.isEmpty || !anyHeld.isEmpty else { return nil }
        return (playbook.all + anyHeld).reduce(0) { $0 + $1.weight }
    }

    /// The subject a signal's labels name: its pod's workload, its volume claim, its workload label, or
    /// its node.
    static func subject(
        of labels: [String: String],
        topology: Topology,
        podSubject: (String, String) -> Subject
    ) -> Subject? {
        let namespace = labels["namespace"] ?? labels["exported_namespace"] ?? ""
        if let workload = labels["workload"], let slash = workload.firstIndex(of: "/"), !namespace.isEmpty {
            let kind = String(workload[..<slash])
            let name = String(workload[workload.index(after: slash)...])
            return kind == "pod" ? podSubject(namespace, name) : Subject(kind: kind, namespace: namespace, name: name)
        }
        if let pod = labels["pod"] ?? labels["exported_pod"], !namespace.isEmpty { return podSubject(namespace, pod) }
        if let claim = labels["persistentvolumeclaim"] {
            return Subject(kind: "persistentvolumeclaim", namespace: namespace, name: claim)
        }
        for kind in ["deployment", "statefulset", "daemonset"] {
            if let name = labels[kind] { return topology.workload(Topology.kindName(kind), namespace, name) }
        }
        if let hpa = labels["horizontalpodautoscaler"] {
            return topology.subject(kind: "HorizontalPodAutoscaler", namespace: namespace, name: hpa)
        }
        if let node = labels["node"] { return Subject(kind: "node", namespace: "", name: node) }
        return nil
    }

    /// The subject an alert's labels name (``subject(of:topology:podSubject:)``); else its namespace, else
    /// the alert itself: every firing alert belongs to some incident.
    static func subject(of alert: Alert, topology: Topology, podSubject: (String, String) -> Subject) -> Subject {
        if let subject = subject(of: alert.labels, topology: topology, podSubject: podSubject) { return subject }
        if let namespace = alert.labels["namespace"], !namespace.isEmpty {
            return Subject(kind: "namespace", namespace: namespace, name: namespace)
        }
        return Subject(kind: "alert", namespace: "", name: alert.name)
    }

    static func evidence(_ anomaly: SignalAnomaly) -> Evidence {
        let keys = anomaly.labels["pod"] == nil ? ["workload", "persistentvolumeclaim", "node"] : ["pod", "container"]
        let where_ = keys.compactMap { anomaly.labels[$0] }.joined(separator: "/")
        // In the words the daemon's anomalies use: the baseline here is the signal's recent level.
        let message = AnomalyReport.summary(
            name: "\(anomaly.rule) of \(where_)",
            observed: anomaly.peak,
            expected: anomaly.expected,
            spread: anomaly.spread,
            basis: .level,
            startedAt: anomaly.startedAt,
            ongoing: anomaly.ongoing,
            rate: false
        )
        return Evidence(
            kind: .anomaly,
            name: anomaly.rule,
            object: where_,
            message: message,
            at: anomaly.startedAt,
            severity: anomaly.severity,
            ended: anomaly.ongoing ? nil : anomaly.lastSeenAt
        )
    }

    /// Repeated evidence — the same event reason on many pods, the same finding on every replica —
    /// folded into one item with a count. The earliest item speaks for the group (ties broken by object
    /// and message): analyzers walk dictionaries, whose order changes from run to run, and the report,
    /// the JSON and the explanation must not. A signal's anomalies that are over fold apart from the one
    /// going on (a blip an hour ago is not the start of today's trouble: ``score(_:_:)``).
    static func deduplicated(_ evidence: [Evidence]) -> [Evidence] {
        var folded: [String: Evidence] = [:]
        var order: [String] = []
        let earliestFirst = evidence.sorted {
            ($0.at ?? .infinity, $0.object, $0.message) < ($1.at ?? .infinity, $1.object, $1.message)
        }
        for item in earliestFirst {
            let key =
                item.kind == .anomaly
                ? "\(item.kind)|\(item.name)|\(item.object)|\(item.ended == nil)" : "\(item.kind)|\(item.name)"
            if var existing = folded[key] {
                existing.count += item.count
                if let at = item.at, at < existing.at ?? .infinity {
                    existing.at = at
                }
                if let ended = item.ended { existing.ended = max(existing.ended ?? ended, ended) }
                existing.severity = max(existing.severity, item.severity)
                folded[key] = existing
            } else {
                folded[key] = item
                order.append(key)
            }
        }
        return order.compactMap { folded[$0] }
    }

    static func id(_ subject: Subject, cause: String, onset: Double) -> String {
        let key = "\(subject.namespace)|\(subject)|\(cause)|\(Int((onset / 3600).rounded(.down)))"
        return stableID(key)
    }

    static func number(_ value: Double) -> String {
        if abs(value) >= 1_048_576 { return Quantity.bytes(value) }
        if abs(value) >= 100 { return String(Int(value.rounded())) }
        if abs(value) >= 1 { return String((value * 100).rounded() / 100) }
        return String((value * 10000).rounded() / 10000)
    }
}
