import VigilKube

/// Why a change is not applied: a reason for the metric label and the log, and a sentence for a person.
public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// `apply-disabled`, `namespace-denied`, `already-decided`, `in-flight`, `did-not-help`, `cooldown`,
    /// `rate-limit`, `blast-radius`, `dry-run-refused`, `dry-run-inconclusive`, `dry-run-unanswered`,
    /// `not-a-raise`, `replaced`, `audit-log-unwritable`, `untrusted-handover`, `no-cluster`, `busy`; of an approval,
    /// `unknown-proposal`, `autonomy`, `changed`; with leader election `not-leader`, `already-applied`,
    /// `lease-lost`, `already-undone`.
    public var reason: String
    public var message: String

    public var description: String { "\(reason): \(message)" }
}

/// The guard rails checked at apply time, as a pure function of the proposal, the policy, what the audit
/// log says happened (``RemediationLedger``) and the cluster's nodes; and, once the dry run has read the
/// object, whether a rollout (a restart, a resources change, a rollback of serving pods) would take every
/// replica down at once.
/// The first guard that says no is the refusal. Settings change the numbers and the namespace lists;
/// none turns a guard off, and nothing applies without `--allow-apply`.
struct Guardrails {
    let policy: RemediationPolicy

    /// The cluster's nodes as the guards count them.
    struct Nodes {
        var total: Int
        /// The names of the nodes marked unschedulable (cordoned), by anyone.
        var unschedulable: Set<String>
        /// The names of the nodes that take no workload's pods though not cordoned: not ready, or tainted
        /// to keep them off (``NodeSummary/repelsWorkloads``). They leave no room for a drained node's pods.
        var unusable: Set<String> = []
    }

    /// - Parameter subject: the incident's subject (`deployment/web`), which a proposal may change through
    ///   another object (a pod deleted for its workload); its cooldown and "did not help" hold as the
    ///   object's do.
    func refusal(
        _ proposal: Proposal,
        subject: String,
        ledger: RemediationLedger,
        nodes: Nodes,
        now: Double
    ) -> Refusal? {
        func no(_ reason: String, _ message: String) -> Refusal { Refusal(reason: reason, message: message) }
        let (namespace, target) = Self.changed(by: proposal)
        let object = namespace.isEmpty ? target : "\(target) in \(namespace)"
        guard policy.allowApply else {
            return no("apply-disabled", "applying is off: the daemon runs without --allow-apply")
        }
        if let denied = policy.namespaceRefusal(namespace) { return no("namespace-denied", denied) }
        if ledger.settled.contains(proposal.id) {
            return no("already-decided", "proposal \(proposal.id) was already decided; it is never sent twice")
        }
        if ledger.inFlight.values.contains(where: { $0.target == target && $0.namespace == namespace }) {
            return no("in-flight", "another change to \(object) is in flight")
        }
        let cause = ledger.causes[proposal.id] ?? ""
        for changed in Set([target, subject]) {
            let key = RemediationLedger.key(
                action: proposal.action,
                namespace: namespace,
                target: changed,
                cause: cause
            )
            if ledger.unhelpful.contains(key) {
                let on = changed == target ? object : "\(object) (for \(subject))"
                return no("did-not-help", "\(proposal.action) on \(on) did not help before; it is not repeated")
            }
        }
        if let last = ledger.lastTouched(target, namespace: namespace), now - last < policy.cooldown {
            return no(
                "cooldown",
                "\(object) was changed \(Self.duration(now - last)) ago (cooldown \(Self.duration(policy.cooldown)))"
            )
        }
        // Each round may name another object for one subject (the pod in the worst state): the subject
        // cools down too, or only the rate limit would bound deleting its pods one after another.
        if subject != target, let last = ledger.lastChange(action: proposal.action, for: subject, namespace: namespace),
            now - last.at < policy.cooldown
        {
            return no(
                "cooldown",
                "\(proposal.action) was done for \(subject) \(Self.duration(now - last.at)) ago, on \(last.record.target) "
                    + "(cooldown \(Self.duration(policy.cooldown)))"
            )
        }
        let recent = ledger.changes.filter { now - $0.at < policy.actionWindow }.count
        if recent >= policy.maxActions {
            return no(
                "rate-limit",
                "\(recent) changes in the last \(Self.duration(policy.actionWindow)) (at most \(policy.maxActions))"
            )
        }
        if let blast = blastRadius(proposal, namespace, target, object, ledger: ledger, nodes: nodes, now: now) {
            return no("blast-radius", blast)
        }
        return nil
    }

    private func blastRadius(
        _ proposal: Proposal,
        _ namespace: String,
        _ target: String,
        _ object: String,
        ledger: RemediationLedger,
        nodes: Nodes,
        now: Double
    ) -> String? {
        // By the request, not the proposal's text (see ``changed(by:)``).
        switch proposal.kubeAction {
        case .cordon(let node)?, .drain(let node, _)?:
            // Vigil's cordons, and those it may have left, count while their nodes are unschedulable: someone
            // may uncordon one (a cordon that helped is never undone), and then it is not Vigil's to count.
            // `nodes` are read from the API server just before (``Remediator``), not from a model that may lag.
            // The target itself adds nothing it has not already: draining the node Vigil cordoned is allowed.
            let cordoned = ledger.cordoned.union(ledger.possiblyCordoned).intersection(nodes.unschedulable)
                .subtracting([node])
            if cordoned.count >= policy.maxNodesCordoned {
                return "Vigil already has \(cordoned.count) other node(s) cordoned (at most \(policy.maxNodesCordoned))"
            }
            let after = nodes.unschedulable.union([node]).count
            let closed = nodes.unschedulable.union(nodes.unusable)
            if closed.union([node]).count >= nodes.total {
                return "it would leave no node that takes pods (of \(nodes.total): \(nodes.unschedulable.count) "
                    + "unschedulable, \(nodes.unusable.subtracting(nodes.unschedulable).count) more not ready or "
                    + "tainted to keep workloads off)"
            }
            let allowed = max(1, Int((policy.maxUnschedulableShare * Double(nodes.total)).rounded(.down)))
            if after > allowed {
                return "\(after) of \(nodes.total) nodes would be unschedulable (at most \(allowed))"
            }
        case .undo?:
            if let last = ledger.changes.last(where: {
                $0.record.action == "undo" && $0.record.target == target && $0.record.namespace == namespace
            }), now - last.at < policy.rollbackInterval {
                return "\(object) was rolled back \(Self.duration(now - last.at)) ago "
                    + "(at most one rollback per \(Self.duration(policy.rollbackInterval)))"
            }
        default:
            break
        }
        return nil
    }

    /// Whether the proposal's request cordons a node (a cordon, or a drain, which cordons first).
    static func cordons(_ proposal: Proposal) -> Bool {
        switch proposal.kubeAction {
        case .cordon?, .drain?: true
        default: false
        }
    }

    /// The namespace ("" for a cluster-scoped object) and `kind/name` of the object the proposal's request
    /// changes, as the audit log names objects: the guards judge that object, never the proposal's own
    /// text fields (a proposal handed over by another replica could say one thing and send another).
    static func changed(by proposal: Proposal) -> (namespace: String, target: String) {
        guard let object = proposal.kubeAction?.object else { return (proposal.namespace, proposal.target) }
        return (object.resource.isNamespaced ? object.namespace : "", "\(object.resource.rawValue)/\(object.name)")
    }

    /// Why a rolling restart of the workload read as `object` would take every replica down at once
    /// (the Recreate strategy, or maxUnavailable covering every replica), or nil.
    static func restartsEveryReplica(_ object: [String: Any]) -> String? {
        let spec = object["spec"] as? [String: Any] ?? [:]
        if let kind = object["kind"] as? String, ["StatefulSet", "DaemonSet"].contains(kind) {
            return Self.replacesEveryPodAtOnce(kind, spec, object["status"] as? [String: Any] ?? [:])
        }
        let strategy = spec["strategy"] as? [String: Any] ?? [:]
        if strategy["type"] as? String == "Recreate" { return "would stop every replica at once (strategy Recreate)" }
        let replicas = spec["replicas"] as? Int ?? 1
        let rolling = strategy["rollingUpdate"] as? [String: Any] ?? [:]
        let unavailable = Self.count(rolling["maxUnavailable"], of: replicas, roundUp: false) ?? replicas / 4
        if replicas > 0 && unavailable >= replicas {
            return "would stop every replica at once (maxUnavailable \(unavailable) of \(replicas))"
        }
        return nil
    }

    /// The same for a StatefulSet or a DaemonSet (`updateStrategy`): their controllers stop a pod before
    /// its replacement starts (a DaemonSet unless its maxSurge says otherwise), maxUnavailable at a time,
    /// at least one (default 1, a percentage rounded up) — so a StatefulSet of one replica, or a DaemonSet
    /// on one node, is down for the restart. OnDelete restarts nothing.
    private static func replacesEveryPodAtOnce(
        _ kind: String,
        _ spec: [String: Any],
        _ status: [String: Any]
    ) -> String? {
        let strategy = spec["updateStrategy"] as? [String: Any] ?? [:]
        guard strategy["type"] as? String != "OnDelete" else { return nil }
        let pods =
            kind == "StatefulSet"
            ? spec["replicas"] as? Int ?? 1 : status["desiredNumberScheduled"] as? Int ?? 0
        let rolling = strategy["rollingUpdate"] as? [String: Any] ?? [:]
        if kind == "DaemonSet", (Self.count(rolling["maxSurge"], of: pods, roundUp: true) ?? 0) > 0 { return nil }
        let unavailable = max(1, Self.count(rolling["maxUnavailable"], of: pods, roundUp: true) ?? 1)
        guard pods > 0, unavailable >= pods else { return nil }
        return "would stop every replica at once (\(kind) of \(pods), maxUnavailable \(unavailable), no surge)"
    }

    /// An int-or-percent of `replicas`, as the deployment controller resolves it.
    private static func count(_ value: Any?, of replicas: Int, roundUp: Bool) -> Int? {
        if let number = value as? Int { return number }
        guard let text = value as? String, text.hasSuffix("%"), let percent = Double(text.dropLast()) else {
            return nil
        }
        let exact = percent * Double(replicas) / 100
        return Int(roundUp ? exact.rounded(.up) : exact.rounded(.down))
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(max(seconds, 0).rounded())
        if whole >= 3600 && whole % 3600 == 0 { return "\(whole / 3600)h" }
        if whole >= 60 && whole % 60 == 0 { return "\(whole / 60)m" }
        if whole >= 60 { return "\(whole / 60)m\(whole % 60)s" }
        return "\(whole)s"
    }
}

extension Guardrails.Nodes {
    /// The nodes as `nodes` say: the round's model, or a list just read.
    init(_ nodes: some Collection<NodeSummary>) {
        self.init(
            total: nodes.count,
            unschedulable: Set(nodes.filter(\.unschedulable).map(\.name)),
            // A node that reports no Ready condition at all is not judged by it.
            unusable: Set(
                nodes.filter { $0.repelsWorkloads || ($0.conditions["Ready"] ?? "True") != "True" }.map(\.name)
            )
        )
    }
}
