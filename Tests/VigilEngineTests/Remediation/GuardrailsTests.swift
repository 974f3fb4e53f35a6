import Testing
import VigilKube
import VigilRules

@testable import VigilEngine

/// Every guard refuses when it should, and only then (a pure function: no server, no clock).
@Suite struct GuardrailsTests {
    static let now = 1_800_000_000.0

    /// A record of `step` for `action` on `target` in shop (for the incident subject `subject`, by default
    /// the target itself), `ago` seconds before now.
    static func record(
        _ step: AuditRecord.Step,
        _ action: String = "set-resources",
        _ target: String = "deployment/web",
        namespace: String = "shop",
        subject: String? = nil,
        ago: Double = 60,
        proposal: String = "earlier",
        reason: String? = nil
    ) -> AuditRecord {
        var record = AuditRecord(
            time: Timestamp.utcMillis(now - ago),
            step: step,
            proposal: proposal,
            incident: "i",
            subject: subject ?? target,
            cause: "memory-limit",
            action: action,
            target: target,
            namespace: namespace,
            actor: "vigil"
        )
        record.reason = reason
        return record
    }

    /// `record` as a request that got no answer (status 0: it may have landed), or `status`.
    static func unanswered(_ record: AuditRecord, status: Int = 0) -> AuditRecord {
        var record = record
        record.response = AuditRecord.Exchange(status: status)
        return record
    }

    static func proposal(
        _ action: String = "set-resources",
        _ target: String = "deployment/web",
        namespace: String = "shop"
    )
        -> Proposal
    {
        Proposal(
            id: "p",
            action: action,
            target: target,
            namespace: namespace,
            parameters: [:],
            kubectl: "",
            kubeAction: request(action, target, namespace: namespace),
            rule: "r",
            confidence: 1,
            rationale: "",
            autonomy: .apply,
            verify: Playbook.Verification(),
            dryRun: nil
        )
    }

    /// What `action` on `target` sends, for the guards that judge a request by its kind; nil for the rest,
    /// which judge the object by the text fields when there is no request.
    static func request(_ action: String, _ target: String, namespace: String) -> KubeAction? {
        let name = String(target.split(separator: "/").last ?? "")
        switch action {
        case "cordon": return .cordon(node: name)
        case "drain": return .drain(node: name, DrainOptions(ignoreDaemonSets: true, deleteEmptyDirData: true))
        case "undo": return .undo(KubeObjectReference(.deployment, namespace: namespace, name: name), toRevision: nil)
        default: return nil
        }
    }

    /// `proposal()`'s text fields (set-resources on deployment/web in shop) with a request that changes
    /// `object`: the guards must judge the object the request changes.
    static func sending(to object: KubeObjectReference) -> Proposal {
        var proposal = proposal()
        proposal.kubeAction = .setResources(object, container: "app", limits: ["memory": "1Gi"], requests: [:])
        return proposal
    }

    /// A node as the API server lists it: its Ready condition and its taints (key, effect).
    static func node(_ name: String, ready: String = "True", taints: [(String, String)] = []) -> NodeSummary {
        NodeSummary([
            "metadata": ["name": name],
            "spec": ["taints": taints.map { ["key": $0.0, "effect": $0.1] }],
            "status": ["conditions": [["type": "Ready", "status": ready]]],
        ])!
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var why: String
        var proposal: Proposal
        var history: [AuditRecord] = []
        var policy: (@Sendable (inout RemediationPolicy) -> Void)?
        var nodes = Guardrails.Nodes(total: 20, unschedulable: [])
        /// The incident's subject; nil: the proposal's target.
        var subject: String?
        var refused: String?
        var testDescription: String { why }
    }

    static let cases: [Case] = [
        Case(why: "allowed: nothing in the way", proposal: proposal()),
        Case(
            why: "the request changes an object in kube-system, whatever the proposal's namespace says",
            proposal: sending(to: KubeObjectReference(.deployment, namespace: "kube-system", name: "coredns")),
            refused: "namespace-denied"
        ),
        Case(
            why: "the request changes an object in its cooldown, whatever the proposal's target says",
            proposal: sending(to: KubeObjectReference(.deployment, namespace: "shop", name: "db")),
            history: [record(.applied, "restart", "deployment/db", ago: 600)],
            refused: "cooldown"
        ),
        Case(
            why: "--allow-apply is off",
            proposal: proposal(),
            policy: { $0.allowApply = false },
            refused: "apply-disabled"
        ),
        Case(
            why: "kube-system is denied by default",
            proposal: proposal(namespace: "kube-system"),
            refused: "namespace-denied"
        ),
        Case(
            why: "outside the allowed namespaces",
            proposal: proposal(),
            policy: { $0.allowNamespaces = ["payments"] },
            refused: "namespace-denied"
        ),
        Case(
            why: "nodes are not namespaced",
            proposal: proposal("cordon", "node/n1", namespace: ""),
            policy: { $0.allowNamespaces = ["payments"] }
        ),
        Case(
            why: "decided already",
            proposal: proposal(),
            history: [record(.rejected, proposal: "p")],
            refused: "already-decided"
        ),
        Case(
            why: "a change in flight",
            proposal: proposal("restart"),
            history: [record(.applying)],
            refused: "in-flight"
        ),
        Case(
            why: "the same fix did not help",
            proposal: proposal(),
            history: [record(.proposed, proposal: "p"), record(.verified, ago: 7200, reason: "not-resolved")],
            refused: "did-not-help"
        ),
        Case(
            why: "within the cooldown",
            proposal: proposal("restart"),
            history: [record(.applied)],
            refused: "cooldown"
        ),
        Case(why: "after the cooldown", proposal: proposal("restart"), history: [record(.applied, ago: 1801)]),
        Case(
            why: "five changes in the last hour",
            proposal: proposal(),
            history: (0..<5).map { record(.applied, "restart", "deployment/api-\($0)", ago: 3000) },
            refused: "rate-limit"
        ),
        Case(
            why: "five changes, one of them over an hour ago",
            proposal: proposal(),
            history: (0..<5).map { record(.applied, "restart", "deployment/api-\($0)", ago: $0 == 0 ? 3601 : 3000) }
        ),
        Case(
            why: "a second node cordoned by Vigil",
            proposal: proposal("cordon", "node/n2", namespace: ""),
            history: [record(.applied, "cordon", "node/n1", namespace: "", ago: 7200)],
            nodes: Guardrails.Nodes(total: 20, unschedulable: ["n1"]),
            refused: "blast-radius"
        ),
        Case(
            why: "draining the node Vigil cordoned (the playbook's next step) cordons no other",
            proposal: proposal("drain", "node/n1", namespace: ""),
            history: [record(.applied, "cordon", "node/n1", namespace: "", ago: 7200)],
            nodes: Guardrails.Nodes(total: 20, unschedulable: ["n1", "n2"])
        ),
        Case(
            why: "cordoning a node already cordoned adds none to the unschedulable share (10% of 20 = 2)",
            proposal: proposal("cordon", "node/n2", namespace: ""),
            nodes: Guardrails.Nodes(total: 20, unschedulable: ["n1", "n2"])
        ),
        Case(
            why: "a worker beside a tainted control plane: its cordon would leave no node that takes pods",
            proposal: proposal("cordon", "node/worker", namespace: ""),
            nodes: Guardrails.Nodes(
                [
                    node("control-plane", taints: [("node-role.kubernetes.io/control-plane", "NoSchedule")]),
                    node("worker"),
                ]
            ),
            refused: "blast-radius"
        ),
        Case(
            why: "the only other node is not ready: the drain of this one would leave none that takes pods",
            proposal: proposal("drain", "node/n1", namespace: ""),
            nodes: Guardrails.Nodes([node("n1"), node("n2", ready: "Unknown")]),
            refused: "blast-radius"
        ),
        Case(
            why: "the other worker is under disk pressure: Kubernetes keeps pods off it though it is ready",
            proposal: proposal("drain", "node/n1", namespace: ""),
            nodes: Guardrails.Nodes([
                node("n1"), node("n2", taints: [("node.kubernetes.io/disk-pressure", "NoSchedule")]),
            ]),
            refused: "blast-radius"
        ),
        Case(
            why: "the not-ready node itself drained, beside a ready one of a pool its pods may tolerate",
            proposal: proposal("drain", "node/n2", namespace: ""),
            nodes: Guardrails.Nodes(
                [
                    node("n1", taints: [("kubernetes.azure.com/scalesetpriority", "NoSchedule")]),
                    node("n2", ready: "False"),
                ]
            )
        ),
        Case(
            why: "someone has uncordoned the node Vigil cordoned (a fix that helped, so never undone)",
            proposal: proposal("cordon", "node/n2", namespace: ""),
            history: [record(.applied, "cordon", "node/n1", namespace: "", ago: 7200)]
        ),
        Case(
            why: "the cordoned node was uncordoned since (and is cordoned again, by someone else)",
            proposal: proposal("cordon", "node/n2", namespace: ""),
            history: [
                record(.applied, "cordon", "node/n1", namespace: "", ago: 7200),
                record(.undone, "cordon", "node/n1", namespace: "", ago: 3600, reason: "undone"),
            ],
            nodes: Guardrails.Nodes(total: 20, unschedulable: ["n1"])
        ),
        Case(
            why: "another pod of the workload deleted within the cooldown",
            proposal: proposal("delete-pod", "pod/web-2"),
            history: [record(.applied, "delete-pod", "pod/web-1", subject: "deployment/web", ago: 600)],
            subject: "deployment/web",
            refused: "cooldown"
        ),
        Case(
            why: "another pod of the workload deleted after the cooldown",
            proposal: proposal("delete-pod", "pod/web-2"),
            history: [record(.applied, "delete-pod", "pod/web-1", subject: "deployment/web", ago: 1801)],
            subject: "deployment/web"
        ),
        Case(
            why: "a pod of another workload deleted within the cooldown",
            proposal: proposal("delete-pod", "pod/web-2"),
            history: [record(.applied, "delete-pod", "pod/api-1", subject: "deployment/api", ago: 600)],
            subject: "deployment/web"
        ),
        Case(
            why: "the workload changed otherwise within the cooldown (its own object's cooldown covers it)",
            proposal: proposal("delete-pod", "pod/web-2"),
            history: [record(.applied, "set-resources", "deployment/web", ago: 600)],
            subject: "deployment/web"
        ),
        Case(
            why: "deleting another pod of the workload did not help",
            proposal: proposal("delete-pod", "pod/web-2"),
            history: [
                record(.proposed, "delete-pod", "pod/web-2", subject: "deployment/web", proposal: "p"),
                record(
                    .verified,
                    "delete-pod",
                    "pod/web-1",
                    subject: "deployment/web",
                    ago: 7200,
                    reason: "not-resolved"
                ),
            ],
            subject: "deployment/web",
            refused: "did-not-help"
        ),
        Case(
            why: "a drain that failed part-way left its node cordoned",
            proposal: proposal("cordon", "node/n2", namespace: ""),
            history: [record(.failed, "drain", "node/n1", namespace: "", ago: 7200)],
            nodes: Guardrails.Nodes(total: 20, unschedulable: ["n1"]),
            refused: "blast-radius"
        ),
        Case(
            why: "a failed drain's node was uncordoned since",
            proposal: proposal("cordon", "node/n2", namespace: ""),
            history: [record(.failed, "drain", "node/n1", namespace: "", ago: 7200)],
            nodes: Guardrails.Nodes(total: 20, unschedulable: [])
        ),
        Case(
            why: "the cordon's undo failed: the node is still cordoned",
            proposal: proposal("cordon", "node/n2", namespace: ""),
            history: [
                record(.applied, "cordon", "node/n1", namespace: "", ago: 7200),
                record(.undone, "cordon", "node/n1", namespace: "", ago: 3600, reason: "undo-failed"),
            ],
            nodes: Guardrails.Nodes(total: 20, unschedulable: ["n1"]),
            refused: "blast-radius"
        ),
        Case(
            why: "the cordon's undo was not sent, and someone has uncordoned the node since",
            proposal: proposal("cordon", "node/n2", namespace: ""),
            history: [
                record(.applied, "cordon", "node/n1", namespace: "", ago: 7200),
                record(.undone, "cordon", "node/n1", namespace: "", ago: 3600, reason: "changed-since"),
            ]
        ),
        Case(
            why: "the cordon's undo was not sent: the node was deleted and one of its name registered again since",
            proposal: proposal("cordon", "node/n2", namespace: ""),
            history: [
                record(.applied, "cordon", "node/n1", namespace: "", ago: 7200),
                record(.undone, "cordon", "node/n1", namespace: "", ago: 3600, reason: "replaced-since"),
            ],
            nodes: Guardrails.Nodes(total: 20, unschedulable: ["n1"])
        ),
        Case(
            why: "a failed cordon left nothing cordoned",
            proposal: proposal("cordon", "node/n2", namespace: ""),
            history: [record(.failed, "cordon", "node/n1", namespace: "", ago: 7200)],
            nodes: Guardrails.Nodes(total: 20, unschedulable: ["n1"])
        ),
        Case(
            why: "a cordon that failed with no answer may have landed: its node counts while unschedulable",
            proposal: proposal("cordon", "node/n2", namespace: ""),
            history: [unanswered(record(.failed, "cordon", "node/n1", namespace: "", ago: 7200))],
            nodes: Guardrails.Nodes(total: 20, unschedulable: ["n1"]),
            refused: "blast-radius"
        ),
        Case(
            why:
                "a cordon answered 504 (the server gave up waiting on its store, which may still write it) may have landed",
            proposal: proposal("cordon", "node/n2", namespace: ""),
            history: [unanswered(record(.failed, "cordon", "node/n1", namespace: "", ago: 7200), status: 504)],
            nodes: Guardrails.Nodes(total: 20, unschedulable: ["n1"]),
            refused: "blast-radius"
        ),
        Case(
            why: "a restart answered 500 may have landed: it counts for the cooldown",
            proposal: proposal("restart"),
            history: [unanswered(record(.failed, "restart", ago: 600), status: 500)],
            refused: "cooldown"
        ),
        Case(
            why: "a restart refused 422 did not land",
            proposal: proposal("restart"),
            history: [unanswered(record(.failed, "restart", ago: 600), status: 422)]
        ),
        Case(
            why: "the last schedulable node",
            proposal: proposal("drain", "node/n2", namespace: ""),
            nodes: Guardrails.Nodes(total: 2, unschedulable: ["n1"]),
            refused: "blast-radius"
        ),
        Case(
            why: "over the unschedulable share (10% of 20 = 2)",
            proposal: proposal("cordon", "node/n3", namespace: ""),
            nodes: Guardrails.Nodes(total: 20, unschedulable: ["n1", "n2"]),
            refused: "blast-radius"
        ),
        Case(
            why: "a single node of two may always be cordoned",
            proposal: proposal("cordon", "node/n1", namespace: ""),
            nodes: Guardrails.Nodes(total: 2, unschedulable: [])
        ),
        Case(
            why: "a second rollback within the hour (cooldown widened away)",
            proposal: proposal("undo"),
            history: [record(.applied, "undo", ago: 1200)],
            policy: { $0.cooldown = 60 },
            refused: "blast-radius"
        ),
    ]

    @Test(arguments: cases)
    func guards(_ check: Case) {
        var policy = RemediationPolicy()
        policy.allowApply = true
        check.policy?(&policy)
        let refusal = Guardrails(policy: policy).refusal(
            check.proposal,
            subject: check.subject ?? check.proposal.target,
            ledger: RemediationLedger(records: check.history),
            nodes: check.nodes,
            now: Self.now
        )
        #expect(refusal?.reason == check.refused, "\(refusal?.message ?? "allowed")")
    }

    /// The node guards judge the request: a proposal whose text says it sets resources but whose request
    /// cordons a node is judged as the cordon it is.
    @Test func aCordonIsJudgedAsOneWhateverItsTextSays() {
        var policy = RemediationPolicy()
        policy.allowApply = true
        var proposal = Self.proposal()
        proposal.kubeAction = .cordon(node: "n2")
        #expect(Guardrails.cordons(proposal))
        let refusal = Guardrails(policy: policy).refusal(
            proposal,
            subject: "node/n2",
            ledger: RemediationLedger(records: [Self.record(.applied, "cordon", "node/n1", namespace: "", ago: 7200)]),
            nodes: Guardrails.Nodes(total: 20, unschedulable: ["n1"]),
            now: Self.now
        )
        #expect(refusal?.reason == "blast-radius", "\(refusal?.message ?? "allowed")")
    }

    /// Another leader's cordon, known from its claim on the Lease, counts towards `max_nodes_cordoned`
    /// while its node is unschedulable, as this replica's own do.
    @Test(arguments: [true, false])
    func aCordonAnotherLeaderClaimedCountsWhileItsNodeIsUnschedulable(stillCordoned: Bool) {
        let refusal = Self.refusal(
            Self.proposal("cordon", "node/n2", namespace: ""),
            subject: "node/n2",
            afterAnotherLeaders: Self.claim("cordon", "node/n1", namespace: "", subject: "node/n1"),
            nodes: Guardrails.Nodes(total: 20, unschedulable: stillCordoned ? ["n1"] : [])
        )
        #expect(refusal?.reason == (stillCordoned ? "blast-radius" : nil), "\(refusal?.message ?? "allowed")")
    }

    @Test(arguments: [
        (#"{"spec": {"replicas": 3, "strategy": {"type": "Recreate"}}}"#, true),
        (
            #"{"spec": {"replicas": 3, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "100%"}}}}"#,
            true
        ),
        (
            #"{"spec": {"replicas": 2, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}}}}"#,
            true
        ),
        (
            #"{"spec": {"replicas": 1, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%"}}}}"#,
            false
        ),
        (#"{"spec": {"replicas": 4}}"#, false),
        // A StatefulSet stops each pod before its replacement starts: one replica is down for the restart.
        (#"{"kind": "StatefulSet", "spec": {"replicas": 1}}"#, true),
        (#"{"kind": "StatefulSet", "spec": {"replicas": 3}}"#, false),
        (
            #"{"kind": "StatefulSet", "spec": {"replicas": 3, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "100%"}}}}"#,
            true
        ),
        (#"{"kind": "StatefulSet", "spec": {"replicas": 1, "updateStrategy": {"type": "OnDelete"}}}"#, false),
        // A DaemonSet's replicas are its nodes; with a surge the new pod starts first.
        (#"{"kind": "DaemonSet", "spec": {}, "status": {"desiredNumberScheduled": 1}}"#, true),
        (#"{"kind": "DaemonSet", "spec": {}, "status": {"desiredNumberScheduled": 5}}"#, false),
        (
            #"{"kind": "DaemonSet", "spec": {"updateStrategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}}, "status": {"desiredNumberScheduled": 1}}"#,
            false
        ),
    ])
    func aRestartNeverStopsEveryReplicaAtOnce(object: String, refused: Bool) {
        #expect((Guardrails.restartsEveryReplica(KubeClient.object(Array(object.utf8))) != nil) == refused)
    }

    /// A pod another leader deleted for `deployment/web` (its claim on the Lease names the subject) cools
    /// the workload down here too: deleting another of its pods waits. A claim written before claims named
    /// their subject cools its pod down only.
    @Test(arguments: [true, false])
    func aPodAnotherLeaderDeletedForAWorkloadCoolsTheWorkloadDown(subjectOnTheClaim: Bool) {
        let refusal = Self.refusal(
            Self.proposal("delete-pod", "pod/web-2"),
            subject: "deployment/web",
            afterAnotherLeaders: Self.claim(
                "delete-pod",
                "pod/web-1",
                namespace: "shop",
                subject: subjectOnTheClaim ? "deployment/web" : nil
            ),
            nodes: Guardrails.Nodes(total: 3, unschedulable: [])
        )
        #expect(refusal?.reason == (subjectOnTheClaim ? "cooldown" : nil), "\(refusal?.message ?? "allowed")")
    }

    /// Another leader's claim on the Lease, a minute ago.
    static func claim(_ action: String, _ target: String, namespace: String, subject: String?) -> LeaseClaim {
        LeaseClaim(
            proposal: "other",
            action: action,
            namespace: namespace,
            target: target,
            at: now - 60,
            subject: subject
        )
    }

    /// The guards' answer (applying on) to `proposal` for `subject` when the one change known is another
    /// leader's `claim` on the Lease.
    static func refusal(
        _ proposal: Proposal,
        subject: String,
        afterAnotherLeaders claim: LeaseClaim,
        nodes: Guardrails.Nodes
    ) -> Refusal? {
        var policy = RemediationPolicy()
        policy.allowApply = true
        return Guardrails(policy: policy).refusal(
            proposal,
            subject: subject,
            ledger: RemediationLedger().including([claim]),
            nodes: nodes,
            now: Self.now
        )
    }
}
