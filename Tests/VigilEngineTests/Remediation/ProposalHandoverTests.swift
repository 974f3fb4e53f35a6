import Foundation
import Testing
import VigilKube
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// A proposal seen only by a replica that does not lead reaches the leader through the board next to
/// the Lease, and is applied once, by the leader, under its guards. Real electors and a real board
/// against the fake API server; time from a manual clock and the fixture's.
struct ProposalHandoverTests {
    static let deployment = "/apis/apps/v1/namespaces/shop/deployments/web"
    private static let board = "/api/v1/namespaces/shop/configmaps/vigil-remediation-proposals"
    /// The leader's own rules.
    static let playbooks = [RemediationFixture.memoryPlaybook()]

    static func boardEntries(_ fixture: RemediationFixture) async throws -> [String: Any] {
        try await fixture.object(board)["data"] as? [String: Any] ?? [:]
    }

    @Test func aProposalOnlyAFollowerSeesIsAppliedOnceByTheLeader() async throws {
        let fixture = try RemediationFixture()
        try await fixture.limitMemory()
        let clock = ManualClock()
        let leader = try HandoverReplica("vigil-0", fixture, clock)
        let follower = try HandoverReplica("vigil-1", fixture, clock)
        #expect(await leader.elector.tryAcquireOrRenew())
        #expect(await follower.elector.tryAcquireOrRenew() == false)
        let incident = RemediationFixture.memoryIncident()
        let id = incident.proposals[0].id

        // Only the follower sees the incident: it proposes, refuses to apply, and hands the proposal over.
        await follower.remediator.round([incident], cluster: ClusterModel())
        #expect(try follower.records().map(\.step) == [.proposed, .refused])
        #expect(try follower.records().last?.reason == "not-leader")
        #expect(try await Self.boardEntries(fixture).keys.sorted() == [id])
        #expect(try await fixture.changes().filter { $0.path == Self.deployment }.isEmpty)

        // The leader sees nothing of its own, takes the board's proposal and applies it under its guards.
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try leader.records().map(\.step) == [.proposed, .dryRun, .applying, .applied])
        #expect(try leader.records().allSatisfy { $0.proposal == id && $0.incident == incident.id })
        // Exactly one change, after the leader's claim on the Lease (the Lease named the leader).
        let changes = try await fixture.changes()
        #expect(changes.filter { $0.path == Self.deployment }.count == 1)
        let claim = try #require(changes.lastIndex { $0.path.hasSuffix("/leases/vigil-remediation") })
        let patch = try #require(changes.firstIndex { $0.path == Self.deployment })
        #expect(claim < patch)
        #expect(changes[claim].body?.contains(#""holderIdentity":"vigil-0""#) == true)

        // Further rounds on both: never applied again, the follower does not pin it again.
        await follower.remediator.round([incident], cluster: ClusterModel())
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try await fixture.changes().filter { $0.path == Self.deployment }.count == 1)
        #expect(try follower.records().filter { $0.step == .applied }.isEmpty)

        // The incident goes on the follower: it takes its entry back, and the leader judges the fix resolved.
        fixture.advance(30)
        await follower.remediator.round([], cluster: ClusterModel())
        #expect(try await Self.boardEntries(fixture).isEmpty)
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try leader.records().last?.step == .verified)
        #expect(try leader.records().last?.reason == "resolved")
    }

    @Test func whileTheFollowerStillSeesTheIncidentTheLeaderDoesNotCallItResolved() async throws {
        let fixture = try RemediationFixture()
        try await fixture.limitMemory()
        let clock = ManualClock()
        let leader = try HandoverReplica("vigil-0", fixture, clock)
        let follower = try HandoverReplica("vigil-1", fixture, clock)
        #expect(await leader.elector.tryAcquireOrRenew())
        let incident = RemediationFixture.memoryIncident()
        await follower.remediator.round([incident], cluster: ClusterModel())
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        fixture.advance(30)
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try leader.records().map(\.step) == [.proposed, .dryRun, .applying, .applied])
    }

    /// A 403 on the board's ConfigMap (a Role without it) leaves what the leader applied for other replicas
    /// unjudged, never its own fixes: those are judged on its own incidents.
    @Test func itsOwnFixesAreJudgedWhenTheBoardCannotBeRead() async throws {
        let fixture = try RemediationFixture()
        try await fixture.limitMemory()
        let leader = try HandoverReplica("vigil-0", fixture, ManualClock())
        #expect(await leader.elector.tryAcquireOrRenew())
        await leader.remediator.round(
            [RemediationFixture.memoryIncident()],
            cluster: ClusterModel(),
            playbooks: Self.playbooks
        )
        #expect(try leader.records().last?.step == .applied)
        try await fixture.server.control("/__refuse", #"{"path": "\#(Self.board)", "status": 403}"#)
        fixture.advance(30)
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try leader.records().last?.step == .verified)
        #expect(try leader.records().last?.reason == "resolved")
    }

    @Test func anEntryThatIsNotAProposalIsRemovedAndNeverApplied() async throws {
        let fixture = try RemediationFixture()
        let leader = try HandoverReplica("vigil-0", fixture, ManualClock())
        #expect(await leader.elector.tryAcquireOrRenew())
        let board = ProposalBoard(namespace: "shop", name: "vigil-remediation-proposals", client: fixture.kube)
        // Garbage, and a well-formed proposal whose id is not derived from its incident.
        var forged = try #require(
            HandedProposal(
                RemediationFixture.memoryIncident().proposals[0],
                of: RemediationFixture.memoryIncident(),
                proposer: "x",
                at: fixture.now
            )
        )
        forged.id = "0000000000000001"
        #expect(await board.pin("junk", "{not json") == .pinned)
        #expect(await board.pin(forged.id, forged.json) == .pinned)
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try await Self.boardEntries(fixture).isEmpty)
        #expect(try leader.records().isEmpty)
        #expect(try await fixture.changes().filter { $0.path == Self.deployment }.isEmpty)
    }

    @Test func anEntryClaimingMoreAutonomyThanTheLeadersPlaybookWaitsForApproval() async throws {
        let fixture = try RemediationFixture()
        try await fixture.limitMemory()
        let clock = ManualClock()
        let leader = try HandoverReplica("vigil-0", fixture, clock)
        let follower = try HandoverReplica("vigil-1", fixture, clock)
        #expect(await leader.elector.tryAcquireOrRenew())
        // The follower's proposal says apply; the leader's own playbook of that name says approve.
        let incident = RemediationFixture.memoryIncident(autonomy: .apply)
        await follower.remediator.round([incident], cluster: ClusterModel())
        let approve = [RemediationFixture.memoryPlaybook(autonomy: .approve)]
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: approve)
        #expect(try leader.records().map(\.step) == [.proposed, .dryRun, .pending])
        #expect(try await fixture.changes().filter { $0.path == Self.deployment }.isEmpty)
        // A person's approval applies it.
        let approved = await leader.remediator.approve(incident.proposals[0].id, by: "ana", cluster: ClusterModel())
        #expect((try? approved.get()) != nil)
        #expect(try await fixture.changes().filter { $0.path == Self.deployment }.count == 1)
    }

    /// Board entries a writer of the ConfigMap could forge, each with an id derived from its incident,
    /// action and target (so it reads as a proposal).
    static let forgeries: [(why: String, forge: @Sendable (inout HandedProposal) -> Void)] = [
        (
            "its request changes kube-system while its target says shop",
            {
                $0.kubeAction = .setResources(
                    KubeObjectReference(.deployment, namespace: "kube-system", name: "coredns"),
                    container: "app",
                    limits: ["memory": "1Mi"],
                    requests: [:]
                )
            }
        ),
        (
            "its request changes another object in shop",
            {
                $0.kubeAction = .setResources(
                    KubeObjectReference(.deployment, namespace: "shop", name: "db"),
                    container: "app",
                    limits: ["memory": "1Mi"],
                    requests: [:]
                )
            }
        ),
        (
            "its request is not the action it names",
            { $0.kubeAction = .scale(KubeObjectReference(.deployment, namespace: "shop", name: "web"), replicas: 0) }
        ),
        (
            "its name walks out of its path",
            {
                let name = "web/../../../../api/v1/namespaces/kube-system/pods/x"
                $0.kubeAction = .setResources(
                    KubeObjectReference(.deployment, namespace: "shop", name: name),
                    container: "app",
                    limits: ["memory": "1Mi"],
                    requests: [:]
                )
                $0.target = "deployment/\(name)"
            }
        ),
        ("its playbook is not one of the leader's", { $0.rule = "not-mine" }),
        (
            "the leader's playbook does not propose its action",
            {
                $0.action = "restart"
                $0.kubeAction = .restart(KubeObjectReference(.deployment, namespace: "shop", name: "web"))
            }
        ),
    ]

    @Test(arguments: forgeries.indices)
    func anUntrustedEntryIsRefusedOnRecordAndNothingIsSent(_ index: Int) async throws {
        let (why, forge) = Self.forgeries[index]
        let fixture = try RemediationFixture()
        let leader = try HandoverReplica("vigil-0", fixture, ManualClock())
        #expect(await leader.elector.tryAcquireOrRenew())
        let incident = RemediationFixture.memoryIncident()
        var forged = try #require(HandedProposal(incident.proposals[0], of: incident, proposer: "x", at: fixture.now))
        forge(&forged)
        forged.id = Proposal.id(incident: forged.incident.id, action: forged.action, target: forged.target)
        let board = ProposalBoard(namespace: "shop", name: "vigil-remediation-proposals", client: fixture.kube)
        #expect(await board.pin(forged.id, forged.json) == .pinned)
        await leader.remediator.round([], cluster: ClusterModel(), playbooks: Self.playbooks)
        #expect(try leader.records().map(\.step) == [.refused], "\(why)")
        #expect(try leader.records().first?.reason == "untrusted-handover", "\(why)")
        #expect(try await Self.boardEntries(fixture).isEmpty, "\(why)")
        // Not even a read or a dry run: no request names a deployment or kube-system.
        let sent = try await fixture.server.log()
        #expect(!sent.isEmpty)
        #expect(sent.allSatisfy { !$0.path.contains("/deployments") && !$0.path.contains("kube-system") }, "\(why)")
    }

    /// Entries whose request is the playbook's action on the entry's own object, with values no playbook
    /// makes: refused by the leader (each was vouched for before), while the playbook's own values pass.
    static let forgedValues: [(why: String, template: Playbook.ActionTemplate, action: KubeAction, vouched: Bool)] = {
        let web = KubeObjectReference(.deployment, namespace: "shop", name: "web")
        let playbooks = DrainOptions(
            ignoreDaemonSets: true,
            deleteEmptyDirData: true,
            force: false,
            timeout: 300,
            skipWaitForDeleteTimeout: 60
        )
        var forced = playbooks
        forced.force = true
        var endless = playbooks
        endless.timeout = DrainOptions.longestTimeout
        var patient = playbooks
        patient.skipWaitForDeleteTimeout = 0
        let capped = Playbook.ActionTemplate(.scale, maximum: 10)
        return [
            ("a playbook's drain", .init(.drain), .drain(node: "node-1", playbooks), true),
            ("a forced drain", .init(.drain), .drain(node: "node-1", forced), false),
            ("a drain that never gives up", .init(.drain), .drain(node: "node-1", endless), false),
            // As an older replica hands it over, before the skip existed: it waits for every pod.
            ("a drain that waits on pods long deleted", .init(.drain), .drain(node: "node-1", patient), true),
            ("a rollback to the previous revision", .init(.undo), .undo(web, toRevision: nil), true),
            ("a rollback to a chosen revision", .init(.undo), .undo(web, toRevision: 1), false),
            ("a scale within the cap", capped, .scale(web, replicas: 10), true),
            ("a scale to zero", capped, .scale(web, replicas: 0), false),
            ("a scale over the cap", capped, .scale(web, replicas: 11), false),
            ("an HPA maximum over the default cap", .init(.setHPAMax), .setHPAMax(web, maxReplicas: 1001), false),
            (
                "a memory limit with a CPU limit", .init(.setResources),
                .setResources(web, container: "app", limits: ["memory": "768Mi", "cpu": "1m"], requests: [:]), false
            ),
            (
                "a memory limit with requests", .init(.setResources),
                .setResources(web, container: "app", limits: ["memory": "768Mi"], requests: ["memory": "1Ti"]), false
            ),
            (
                "a memory limit over the cap", .init(.setResources, maximum: 1_073_741_824),
                .setResources(web, container: "app", limits: ["memory": "2Gi"], requests: [:]), false
            ),
            (
                "a memory limit capped at a decimal maximum, as the builder writes it (1G: 954Mi)",
                .init(.setResources, maximum: 1e9),
                .setResources(web, container: "app", limits: ["memory": "954Mi"], requests: [:]), true
            ),
            (
                "a memory limit for no container (every container's)", .init(.setResources),
                .setResources(web, container: nil, limits: ["memory": "768Mi"], requests: [:]), false
            ),
            (
                "a memory limit of nothing", .init(.setResources),
                .setResources(web, container: "app", limits: ["memory": "0"], requests: [:]), false
            ),
        ]
    }()

    @Test(arguments: forgedValues.indices)
    func anEntryWithValuesNoPlaybookMakesIsNotVouchedFor(_ index: Int) throws {
        let (why, template, action, vouched) = Self.forgedValues[index]
        let subject =
            action.object.resource == .node
            ? Subject(kind: "node", namespace: "", name: action.object.name)
            : Subject(kind: "deployment", namespace: "shop", name: "web")
        let incident = RemediationFixture.incident(subject, cause: "c", action: action, name: template.action.rawValue)
        let handed = try #require(HandedProposal(incident.proposals[0], of: incident, proposer: "vigil-1", at: 5))
        let playbook = Playbook(name: "c", cause: "c", summary: "c", then: [template], autonomy: .apply)
        let result = handed.vouched(by: [playbook])
        if case .success = result { #expect(vouched, "\(why)") } else { #expect(!vouched, "\(why): \(result)") }
    }

    /// Values a playbook could make from some object but not from this one as it is: a playbook only
    /// raises, by at most its factor (512Mi × 1.5 = 768Mi here). Such an entry was vouched for by its cap
    /// alone, so a memory limit lowered to any value under the cap passed; the leader now judges it again
    /// against the object its dry run read, and refuses it before any change.
    /// The leader's model shows `podLimit` on the pods of deployment/web where given.
    static let raises: [(why: String, objectLimit: String?, podLimit: String?, handed: String, applied: Bool)] = [
        ("the playbook's own raise", "512Mi", nil, "768Mi", true),
        ("a smaller raise", "512Mi", nil, "600Mi", true),
        ("a lower limit", "512Mi", nil, "256Mi", false),
        ("the same limit", "512Mi", nil, "512Mi", false),
        ("a raise past the factor", "512Mi", nil, "1Gi", false),
        ("a limit where there was none", nil, nil, "768Mi", false),
        ("a raise of the LimitRange default the pods run with", nil, "512Mi", "768Mi", true),
        ("a LimitRange default lowered", nil, "512Mi", "400Mi", false),
    ]

    /// A model of deployment/`name` in shop whose pod (of its replicaset) runs container `app` with `limit`.
    static func podsOf(_ name: String, limit: String) -> ClusterModel {
        func owner(_ kind: String, _ name: String) -> [[String: Any]] {
            [["apiVersion": "apps/v1", "kind": kind, "name": name, "uid": "uid-\(name)", "controller": true]]
        }
        var cluster = ClusterModel()
        cluster.load(
            items: [
                ["kind": "Deployment", "metadata": ["name": name, "namespace": "shop", "uid": "uid-\(name)"]],
                [
                    "kind": "ReplicaSet",
                    "metadata": [
                        "name": "\(name)-7f6c", "namespace": "shop", "uid": "uid-\(name)-7f6c",
                        "ownerReferences": owner("Deployment", name),
                    ],
                ],
                [
                    "kind": "Pod",
                    "metadata": [
                        "name": "\(name)-1", "namespace": "shop", "uid": "uid-\(name)-1",
                        "ownerReferences": owner("ReplicaSet", "\(name)-7f6c"),
                    ],
                    "spec": ["containers": [["name": "app", "resources": ["limits": ["memory": limit]]]]],
                    "status": ["containerStatuses": [["name": "app", "ready": true, "restartCount": 0]]],
                ],
            ],
            now: Date(timeIntervalSince1970: 1_800_000_000)
        )
        return cluster
    }

    /// The pods judged are those of the workload the request changes, never of the subject the entry
    /// names: an entry for deployment/web (512Mi) naming deployment/api, whose pods run with 4Gi, as its
    /// subject would otherwise pass a raise of web to 6Gi.
    /// A follower's delete reaches the leader with the UID of the pod it diagnosed, and is judged by it:
    /// the leader's own model may hold the pod made again under the name already. Refused, `replaced`, and
    /// taken off the board (it keeps the UID it was pinned with): the follower pins it afresh.
    @Test func aHandedDeleteIsJudgedByThePodItsProposerDiagnosed() async throws {
        let fixture = try RemediationFixture()
        let leader = try HandoverReplica("vigil-0", fixture, ManualClock())
        #expect(await leader.elector.tryAcquireOrRenew())
        let incident = RemediationFixture.podDeleted("web-1", uid: "uid-web-1-before")
        let entry = try #require(HandedProposal(incident.proposals[0], of: incident, proposer: "x", at: fixture.now))
        let board = ProposalBoard(namespace: "shop", name: "vigil-remediation-proposals", client: fixture.kube)
        #expect(await board.pin(entry.id, entry.json) == .pinned)
        let playbook = Playbook(
            name: "crashloop",
            cause: "crashloop",
            summary: "crashloop",
            then: [Playbook.ActionTemplate(.deletePod)],
            autonomy: .apply
        )
        // The leader's model knows the pod there now, the one the API server has.
        await leader.remediator.round([], cluster: Self.podsOf("web", limit: "512Mi"), playbooks: [playbook])

        let last = try #require(try leader.records().last)
        #expect(last.step == .refused && last.reason == "replaced", "\(last.step) \(last.reason ?? "")")
        #expect(try await Self.boardEntries(fixture).isEmpty)
        // The dry run's DELETE only (its DeleteOptions carry dryRun).
        let deletes = try await fixture.changes().filter { $0.method == "DELETE" }
        #expect(deletes.count == 1 && deletes.allSatisfy { $0.body?.contains("dryRun") == true }, "\(deletes)")
    }

    @Test func thePodsJudgedAreTheRequestsWorkloadsNotTheEntrysSubjects() async throws {
        let fixture = try RemediationFixture()
        try await fixture.limitMemory(to: "512Mi")
        let leader = try HandoverReplica("vigil-0", fixture, ManualClock())
        #expect(await leader.elector.tryAcquireOrRenew())
        let incident = RemediationFixture.memoryIncident(limit: "6Gi")
        var entry = try #require(HandedProposal(incident.proposals[0], of: incident, proposer: "x", at: fixture.now))
        entry.incident.name = "api"
        let board = ProposalBoard(namespace: "shop", name: "vigil-remediation-proposals", client: fixture.kube)
        #expect(await board.pin(entry.id, entry.json) == .pinned)
        await leader.remediator.round([], cluster: Self.podsOf("api", limit: "4Gi"), playbooks: Self.playbooks)
        #expect(try leader.records().last?.reason == "untrusted-handover")
        #expect(try leader.records().last?.message?.contains("no raise") == true)
        #expect(try await fixture.changes().filter { $0.path == Self.deployment }.isEmpty)
    }

    @Test(arguments: raises.indices)
    func anEntryIsAppliedOnlyAsARaiseOfTheObjectAsItIsNow(_ index: Int) async throws {
        let (why, objectLimit, podLimit, handed, applied) = Self.raises[index]
        let fixture = try RemediationFixture()
        if let objectLimit { try await fixture.limitMemory(to: objectLimit) }
        let leader = try HandoverReplica("vigil-0", fixture, ManualClock())
        #expect(await leader.elector.tryAcquireOrRenew())
        let incident = RemediationFixture.memoryIncident(limit: handed)
        let entry = try #require(HandedProposal(incident.proposals[0], of: incident, proposer: "x", at: fixture.now))
        let board = ProposalBoard(namespace: "shop", name: "vigil-remediation-proposals", client: fixture.kube)
        #expect(await board.pin(entry.id, entry.json) == .pinned)
        let cluster = podLimit.map { Self.podsOf("web", limit: $0) } ?? ClusterModel()
        await leader.remediator.round([], cluster: cluster, playbooks: Self.playbooks)
        let records = try leader.records()
        let changes = try await fixture.changes().filter { $0.path == Self.deployment }
        if applied {
            #expect(records.map(\.step) == [.proposed, .dryRun, .applying, .applied], "\(why)")
            #expect(changes.count == 1, "\(why)")
        } else {
            #expect(records.map(\.step) == [.proposed, .dryRun, .refused], "\(why)")
            #expect(records.last?.reason == "untrusted-handover", "\(why)")
            #expect(
                records.last?.message?.contains(
                    objectLimit == nil && podLimit == nil ? "have a memory limit to raise" : "no raise"
                ) == true,
                "\(why)"
            )
            #expect(changes.isEmpty, "\(why)")
            // Off the board, as an entry refused before its dry run is: its proposer pins a fresh one.
            #expect(try await Self.boardEntries(fixture).isEmpty, "\(why)")
        }
    }

    /// A memory limit is raised from the one the workload's pods run with, which can differ from the
    /// template's: a LimitRange's default (no limit in the template), a rollout under way. It must rise
    /// above the template's (the pods' where the template has none), to at most the higher × the factor.
    static let memoryRaises:
        [(why: String, template: String?, pods: Double?, wanted: String, cap: Double?, taken: Bool)] = [
            ("a LimitRange's 512Mi on the pods, raised", nil, 512 * 1_048_576, "768Mi", nil, true),
            ("a LimitRange's 512Mi on the pods, lowered", nil, 512 * 1_048_576, "400Mi", nil, false),
            (
                "pods at 1Gi mid-rollout, template at 512Mi, raised from the pods'", "512Mi", 1_073_741_824, "1536Mi",
                nil, true
            ),
            ("pods at 1Gi, template at 512Mi, lowered", "512Mi", 1_073_741_824, "400Mi", nil, false),
            ("no limit anywhere", nil, nil, "768Mi", nil, false),
            ("capped at a decimal maximum as the builder writes it (1G: 954Mi)", "800Mi", nil, "954Mi", 1e9, true),
            ("past the decimal cap", "800Mi", nil, "955Mi", 1e9, false),
        ]

    @Test(arguments: memoryRaises.indices)
    func aMemoryLimitIsTakenAsARaiseOfWhatThePodsRunWith(_ index: Int) {
        let (why, limit, pods, wanted, cap, taken) = Self.memoryRaises[index]
        let web = KubeObjectReference(.deployment, namespace: "shop", name: "web")
        let resources = limit.map { #""resources": {"limits": {"memory": "\#($0)"}}, "# } ?? ""
        let object = #"{"spec": {"template": {"spec": {"containers": [{\#(resources)"name": "app"}]}}}}"#
        let refusal = HandedProposal.currentValueRefusal(
            .setResources(web, container: "app", limits: ["memory": wanted], requests: [:]),
            current: KubeClient.object(Array(object.utf8)),
            podMemoryLimit: pods,
            template: .init(.setResources, maximum: cap)
        )
        #expect((refusal == nil) == taken, "\(why): \(refusal ?? "taken")")
    }

    /// The same judgement for counts and sizes, on objects as the API server answers them.
    static let countsAndSizes: [(why: String, request: KubeAction, object: String, taken: Bool)] = {
        let web = KubeObjectReference(.deployment, namespace: "shop", name: "web")
        let hpa = KubeObjectReference(.horizontalpodautoscaler, namespace: "shop", name: "web")
        let claim = KubeObjectReference(.persistentvolumeclaim, namespace: "shop", name: "data")
        let four = #"{"spec": {"replicas": 4}}"#
        let ten = #"{"spec": {"maxReplicas": 10}}"#
        let sized =
            #"{"spec": {"resources": {"requests": {"storage": "8Gi"}}}, "status": {"capacity": {"storage": "10Gi"}}}"#
        let requested = #"{"spec": {"resources": {"requests": {"storage": "10Gi"}}}}"#
        return [
            ("4 replicas to 6", .scale(web, replicas: 6), four, true),
            ("4 replicas to 7", .scale(web, replicas: 7), four, false),
            ("4 replicas to 4", .scale(web, replicas: 4), four, false),
            ("4 replicas to 1", .scale(web, replicas: 1), four, false),
            ("no replica count", .scale(web, replicas: 2), "{}", false),
            ("maxReplicas 10 to 15", .setHPAMax(hpa, maxReplicas: 15), ten, true),
            ("maxReplicas 10 to 16", .setHPAMax(hpa, maxReplicas: 16), ten, false),
            ("maxReplicas 10 to 9", .setHPAMax(hpa, maxReplicas: 9), ten, false),
            ("a claim of 10Gi to 15Gi", .expandPVC(claim, size: "15Gi"), sized, true),
            ("a claim of 10Gi to 16Gi", .expandPVC(claim, size: "16Gi"), sized, false),
            ("a claim of 10Gi to its request's 8Gi", .expandPVC(claim, size: "8Gi"), sized, false),
            ("a claim not yet bound, requesting 10Gi, to 15Gi", .expandPVC(claim, size: "15Gi"), requested, true),
            ("a claim of no size", .expandPVC(claim, size: "15Gi"), "{}", false),
            ("a restart has no value", .restart(web), "{}", true),
        ]
    }()

    @Test(arguments: countsAndSizes.indices)
    func countsAndSizesAreTakenOnlyAsTheRaiseAPlaybookMakes(_ index: Int) {
        let (why, request, object, taken) = Self.countsAndSizes[index]
        let current = KubeClient.object(Array(object.utf8))
        let refusal = HandedProposal.currentValueRefusal(request, current: current, template: .init(.scale))
        #expect((refusal == nil) == taken, "\(why): \(refusal ?? "taken")")
    }

    /// A board entry whose drain would wait 1e300 seconds is unreadable, not a trap: the leader's refusal
    /// of it wrote its kubectl line (`--timeout=…s`, a whole number), and that crashed the leader each round.
    @Test func aDrainTimeoutNoClockCanHoldIsUnreadable() throws {
        let drain = KubeAction.drain(node: "node-1", ProposalBuilder.drainOptions)
        let incident = RemediationFixture.incident(
            Subject(kind: "node", namespace: "", name: "node-1"),
            cause: "c",
            action: drain,
            name: "drain"
        )
        let handed = try #require(HandedProposal(incident.proposals[0], of: incident, proposer: "vigil-1", at: 5))
        #expect(handed.json.contains(#""timeout":300"#), "\(handed.json)")
        for timeout in ["1e300", "0", "-5", "86401"] {
            let forged = handed.json.replacingOccurrences(of: #""timeout":300"#, with: "\"timeout\":\(timeout)")
            guard case .failure(let unreadable) = HandedProposal.decode(forged) else {
                Issue.record("a timeout of \(timeout) was read")
                continue
            }
            #expect(unreadable.reason.contains("timeout"), "\(unreadable.reason)")
        }
        #expect((try? HandedProposal.decode(handed.json).get()) == handed)
    }

    @Test func aHandedProposalRoundTripsThroughItsJSON() throws {
        let incident = RemediationFixture.memoryIncident(verify: .init(within: 120, undo: .notResolved))
        let handed = try #require(HandedProposal(incident.proposals[0], of: incident, proposer: "vigil-1", at: 5))
        let back = try HandedProposal.decode(handed.json).get()
        #expect(back == handed)
        // Autonomy and verification are the leader's playbook's, whatever the proposer's said.
        let own = RemediationFixture.memoryPlaybook(autonomy: .approve, verify: .init(within: 300, undo: .never))
        let vouched = try back.vouched(by: [own]).get()
        let (proposal, again) = (vouched.proposal, vouched.incident)
        #expect(proposal.kubeAction == incident.proposals[0].kubeAction)
        #expect(proposal.autonomy == .approve)
        #expect(proposal.verify == own.verify)
        #expect(proposal.id == incident.proposals[0].id)
        #expect(again.subject == incident.subject)
        #expect(again.severity == incident.severity)
    }
}
