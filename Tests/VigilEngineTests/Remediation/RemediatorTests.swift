import Foundation
import MetricsTestKit
import Testing
import VigilKube
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// The remediator against the fake API server, with the server's request log and the audit log asserted.
@Suite struct RemediatorTests {
    let deployment = "/apis/apps/v1/namespaces/shop/deployments/web"

    @Test func proposeSendsOnlyTheDryRunAndShowsTheDiff() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        let answered = await remediator.round(
            [RemediationFixture.memoryIncident(autonomy: .propose)],
            cluster: ClusterModel()
        )

        let log = try await fixture.server.log()
        #expect(
            log.map { "\($0.method) \($0.path) \($0.query)" } == [
                "GET \(deployment) []",
                "PATCH \(deployment) [[\"dryRun\", \"All\"], [\"fieldManager\", \"kubectl-set\"]]",
            ]
        )
        let dryRun = try #require(answered[0].proposals[0].dryRun)
        #expect(dryRun.outcome == .accepted)
        #expect(
            dryRun.changes == [
                DryRun.Change(
                    path: "spec.template.spec.containers[app].resources.limits.memory",
                    before: nil,
                    after: "768Mi"
                )
            ]
        )
        #expect(try fixture.records().map(\.step) == [.proposed, .dryRun])
        // Another round proposes nothing new and sends nothing more.
        await remediator.round([RemediationFixture.memoryIncident(autonomy: .propose)], cluster: ClusterModel())
        #expect(try await fixture.server.log().count == 2)
        #expect(try fixture.records().count == 2)
    }

    /// A dry run is kept while its proposal is proposed, round after round, and forgotten with it: what a
    /// remediator keeps is bounded by the proposals of its last round, not by every one it ever saw, and a
    /// proposal that comes back is dry-run against the object as it is then.
    @Test func aDryRunIsKeptWhileItsProposalIsProposedAndNoLonger() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        let web = RemediationFixture.memoryIncident(autonomy: .propose)
        let api = RemediationFixture.memoryIncident("api", autonomy: .propose)
        func dryRuns() throws -> Int { try fixture.records().count { $0.step == .dryRun } }
        await remediator.round([web], cluster: ClusterModel())
        await remediator.round([web], cluster: ClusterModel())
        #expect(try dryRuns() == 1)
        await remediator.round([api], cluster: ClusterModel())
        #expect(try dryRuns() == 2)
        let again = await remediator.round([web], cluster: ClusterModel())
        #expect(try dryRuns() == 3)
        #expect(again[0].proposals[0].dryRun?.outcome == .accepted)
        #expect(try await fixture.server.log().count { $0.query.contains(["dryRun", "All"]) } == 2)
    }

    @Test func applySendsTheDryRunThenTheChangeConditionedOnTheObjectAsRead() async throws {
        let fixture = try RemediationFixture()
        let before = try await fixture.object(deployment)
        let version = try #require((before["metadata"] as? [String: Any])?["resourceVersion"] as? String)
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())

        let log = try await fixture.server.log()
        #expect(
            log.map { "\($0.method) \($0.query.contains(["dryRun", "All"]) ? "dry-run" : "change")" } == [
                "GET change", "GET change", "PATCH dry-run", "GET change", "PATCH change",
            ]
        )
        // The change is kubectl's set-resources patch with the read resourceVersion as its precondition.
        let sent = try #require(log.last?.body)
        #expect(sent.contains(#""metadata":{"resourceVersion":"\#(version)"}"#))
        #expect(sent.contains(#""limits":{"memory":"768Mi"}"#))
        #expect(log.last?.contentType == "application/strategic-merge-patch+json")
        let records = try fixture.records()
        #expect(records.map(\.step) == [.proposed, .dryRun, .applying, .applied])
        #expect(records[2].resourceVersion == version)
        #expect(records[2].request?.body == String(sent))
        #expect(records[2].undo == nil)  // there was no limit to go back to
        let limits = try await Self.limits(fixture.object(deployment))
        #expect(limits == ["memory": "768Mi"])
        #expect(fixture.counted("vigil_remediations_total", [("action", "set-resources"), ("result", "applied")]) == 1)
    }

    /// A rollback's patch is computed from the replicasets, not from the proposal: its `applying` record
    /// held the PATCH without it. It now holds the patch the dry run checked, conditioned on the
    /// resourceVersion, byte for byte what is sent.
    @Test func aRollbacksRecordHoldsThePatchItSends() async throws {
        let web = KubeObjectReference(.deployment, namespace: "shop", name: "web")
        let incident = RemediationFixture.incident(
            Subject(kind: "deployment", namespace: "shop", name: "web"),
            cause: "crashloop-after-rollout",
            action: .undo(web, toRevision: nil),
            name: "rollback"
        )
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([incident], cluster: ClusterModel())

        let records = try fixture.records()
        #expect(records.map(\.step) == [.proposed, .dryRun, .applying, .applied])
        let sent = try #require(try await fixture.changes().last)
        #expect(sent.method == "PATCH" && sent.path == deployment)
        let recorded = try #require(records[2].request)
        #expect(recorded.method == "PATCH" && recorded.path == deployment)
        #expect(recorded.body == sent.body)
        let operations = try #require(
            try JSONSerialization.jsonObject(with: Data((recorded.body ?? "").utf8)) as? [[String: Any]]
        )
        #expect(
            operations.map { "\($0["op"] ?? "") \($0["path"] ?? "")" } == [
                "test /metadata/resourceVersion", "replace /spec/template", "replace /metadata/annotations",
            ]
        )
        #expect(recorded.body?.contains("shop/web:1\"") == true)
    }

    @Test func aChangeMadeMeanwhileAnswers409AndIsReEvaluatedNeverForced() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        try await fixture.server.control("/__race")
        await remediator.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())

        let records = try fixture.records()
        #expect(records.map(\.step) == [.proposed, .dryRun, .applying, .conflict])
        #expect(records.last?.response?.status == 409)
        #expect(try await Self.limits(fixture.object(deployment)) == [:])
        // The next round decides afresh on the object as it is now, and applies.
        await remediator.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())
        #expect(try fixture.records().suffix(3).map(\.step) == [.dryRun, .applying, .applied])
        #expect(try await fixture.changes().count == 2)
    }

    /// A delete reads nothing first, so it is conditioned on the UID of the pod its dry run found: a pod
    /// its StatefulSet made again under the same name meanwhile is another pod, and is not deleted (it
    /// was: the delete carried no precondition at all).
    @Test func aDeleteIsConditionedOnThePodItsDryRunFound() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        try await fixture.server.control("/__replace", #"{"pod": "web-1"}"#)
        await remediator.round([RemediationFixture.podDeleted("web-1")], cluster: ClusterModel())

        let records = try fixture.records()
        #expect(records.map(\.step) == [.proposed, .dryRun, .applying, .conflict])
        #expect(records.last?.response?.status == 409)
        #expect(records.first { $0.step == .applying }?.request?.body?.contains(#""uid":"uid-web-1""#) == true)
        let pod = try await fixture.object("/api/v1/namespaces/shop/pods/web-1")
        #expect((pod["metadata"] as? [String: Any])?["uid"] as? String == "uid-web-1-again")
        // The next round decides afresh on the pod there now, and deletes it, conditioned on its own UID.
        await remediator.round([RemediationFixture.podDeleted("web-1")], cluster: ClusterModel())
        let again = try fixture.records()
        #expect(again.suffix(3).map(\.step) == [.dryRun, .applying, .applied], "\(again.map(\.step))")
        #expect(again.last { $0.step == .applying }?.request?.body?.contains(#""uid":"uid-web-1-again""#) == true)
    }

    /// The pod a delete's dry run finds must be the one diagnosed: a model minutes old (a snapshot a person
    /// answered, a lagging watch) may name a pod that was made again under the same name since, and the
    /// healthy newcomer was deleted, conditioned on its own UID. Refused, `replaced`, once however many
    /// rounds the model lags (it was recorded and counted every round), nothing deleted; the pod the
    /// diagnosis knows by its UID, or by no UID, is deleted.
    @Test(arguments: ["uid-web-1", ""])
    func aDeleteOfAPodMadeAgainSinceItWasDiagnosedIsRefused(diagnosedLater: String) async throws {
        func diagnosed(uid: String) -> ClusterModel {
            var cluster = ClusterModel()
            cluster.load(
                items: [["kind": "Pod", "metadata": ["name": "web-1", "namespace": "shop", "uid": uid]]],
                now: Date(timeIntervalSince1970: 1_800_000_000)
            )
            return cluster
        }
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        for _ in 0..<2 {
            await remediator.round(
                [RemediationFixture.podDeleted("web-1")],
                cluster: diagnosed(uid: "uid-web-1-before")
            )
            fixture.advance(60)
        }

        let refused = try fixture.records().filter { $0.step == .refused }
        #expect(refused.map(\.reason) == ["replaced"])
        #expect(refused.first?.message?.contains("UID uid-web-1-before") == true, "\(refused)")
        let deletes = try await fixture.changes().filter { $0.method == "DELETE" }
        #expect(deletes.allSatisfy { $0.body?.contains("dryRun") == true }, "\(deletes)")
        #expect(fixture.counted("vigil_remediation_refusals_total", [("reason", "replaced")]) == 1)

        await remediator.round([RemediationFixture.podDeleted("web-1")], cluster: diagnosed(uid: diagnosedLater))
        #expect(try fixture.records().suffix(2).map(\.step) == [.applying, .applied])
    }

    /// The UID a proposal carries is the diagnosed one, before the round's model: a leader applying a
    /// follower's proposal may hold the new pod in its own model already. A delete is proposed with the
    /// UID of the pod diagnosed.
    @Test func aDeleteIsJudgedByTheUIDItsProposalCarries() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        let cluster = ProposalHandoverTests.podsOf("web", limit: "512Mi")
        await remediator.round([RemediationFixture.podDeleted("web-1", uid: "uid-web-1-before")], cluster: cluster)
        #expect(try fixture.records().last?.reason == "replaced")

        let playbook = Playbook(
            name: "crashloop",
            cause: "crashloop",
            summary: "crashloop",
            then: [Playbook.ActionTemplate(.deletePod)]
        )
        let proposal = ProposalBuilder(cluster: cluster).proposal(
            Playbook.ActionTemplate(.deletePod),
            for: RemediationFixture.podDeleted("web-1"),
            playbook: playbook,
            confidence: 0.8
        )
        #expect(
            proposal?.target == "pod/web-1" && proposal?.parameters == ["uid": "uid-web-1"],
            "\(String(describing: proposal))"
        )
    }

    /// A rollout that would stop every replica at once is refused whether a restart or a resources change
    /// starts it: both change the pod template (a memory fix went out on a Recreate deployment, stopping
    /// every replica, where a restart of it was refused).
    @Test(arguments: [false, true])
    func aRolloutThatStopsEveryReplicaAtOnceIsRefused(restart: Bool) async throws {
        let fixture = try RemediationFixture()
        try await fixture.server.control(
            "/__patch",
            #"{"path": "/apis/apps/v1/namespaces/shop/deployments/web", "patch": {"spec": {"strategy": {"type": "Recreate"}}}}"#
        )
        let incident =
            restart
            ? RemediationFixture.incident(
                Subject(kind: "deployment", namespace: "shop", name: "web"),
                cause: "crashloop",
                action: .restart(KubeObjectReference(.deployment, namespace: "shop", name: "web")),
                name: "restart"
            ) : RemediationFixture.memoryIncident()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        // Dry-run afresh every round and refused every round: on record once, the dry run then the refusal
        // (a dry run's record was written every round, and the log grew a line a round for the incident).
        for _ in 0..<3 { await remediator.round([incident], cluster: ClusterModel()) }

        let records = try fixture.records()
        let last = try #require(records.last)
        #expect(last.step == .refused && last.reason == "blast-radius", "\(last.step) \(last.reason ?? "")")
        #expect(last.message?.contains("strategy Recreate") == true, "\(last.message ?? "")")
        #expect(records.map(\.step) == [.proposed, .dryRun, .refused], "\(records.map(\.step))")
        // A person's approval is a decision of its own: its dry run and refusal go on record after it.
        let approved = await remediator.approve(incident.proposals[0].id, by: "alice", cluster: ClusterModel())
        #expect((try? approved.get()) == nil)
        #expect(try fixture.records().map(\.step).suffix(3) == [.approved, .dryRun, .refused])
        #expect(try await fixture.changes().isEmpty)
    }

    /// A cordon refused on the round's model of the nodes (before a dry run), then on the nodes as the API
    /// server lists them after its dry run: both `blast-radius`, two refusals, and the dry run on record.
    @Test func aRefusalAfterADryRunIsAnotherThanTheSameReasonsBeforeIt() async throws {
        let fixture = try RemediationFixture()
        let schedulable = try await fixture.nodes(4)
        var oneCordoned = ClusterModel()
        oneCordoned.load(
            items: (1...4).map {
                ["kind": "Node", "metadata": ["name": "node-\($0)"], "spec": ["unschedulable": $0 == 3]]
                    as [String: Any]
            },
            now: Date(timeIntervalSince1970: fixture.now)
        )
        let cordon = RemediationFixture.incident(
            Subject(kind: "node", namespace: "", name: "node-2"),
            cause: "node-not-ready",
            action: .cordon(node: "node-2"),
            name: "cordon"
        )
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([cordon], cluster: oneCordoned)
        #expect(try fixture.records().map(\.step) == [.proposed, .refused])

        try await fixture.server.control(
            "/__patch",
            #"{"path": "/api/v1/nodes/node-3", "patch": {"spec": {"unschedulable": true}}}"#
        )
        await remediator.round([cordon], cluster: schedulable)
        let records = try fixture.records()
        #expect(records.map(\.step) == [.proposed, .refused, .dryRun, .refused], "\(records.map(\.step))")
        #expect(records.filter { $0.step == .refused }.map(\.reason) == ["blast-radius", "blast-radius"])
        #expect(try await fixture.changes().isEmpty)
    }

    /// A rollback stops every replica of a Recreate deployment too: refused while one is available (a
    /// regression's rollback, whose pods still serve), sent when none is (a crash loop's: it stops nothing
    /// that serves).
    @Test(arguments: [2, 0])
    func aRollbackThatStopsEveryServingReplicaIsRefused(available: Int) async throws {
        let fixture = try RemediationFixture()
        try await fixture.server.control(
            "/__patch",
            #"{"path": "/apis/apps/v1/namespaces/shop/deployments/web", "patch": {"spec": {"strategy": {"type": "Recreate"}}, "status": {"availableReplicas": \#(available)}}}"#
        )
        let incident = RemediationFixture.incident(
            Subject(kind: "deployment", namespace: "shop", name: "web"),
            cause: "regression-after-rollout",
            action: .undo(KubeObjectReference(.deployment, namespace: "shop", name: "web"), toRevision: nil),
            name: "undo"
        )
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([incident], cluster: ClusterModel())

        let last = try #require(try fixture.records().last)
        if available > 0 {
            #expect(last.step == .refused && last.reason == "blast-radius", "\(last.step) \(last.reason ?? "")")
            #expect(last.message?.hasPrefix("rolling back deployment/web would stop every replica") == true)
            #expect(try await fixture.changes().isEmpty)
        } else {
            #expect(last.step == .applied, "\(last.step) \(last.reason ?? "") \(last.message ?? "")")
        }
    }

    /// A delete whose dry run names no UID is not sent unconditioned: refused, nothing deleted.
    @Test func aDeleteWithoutAUIDToConditionItOnIsNotSent() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        try await fixture.server.control(
            "/__patch",
            #"{"path": "/api/v1/namespaces/shop/pods/web-1", "patch": {"metadata": {"uid": null}}}"#
        )
        await remediator.round([RemediationFixture.podDeleted("web-1")], cluster: ClusterModel())
        let last = try #require(try fixture.records().last)
        #expect(last.step == .refused && last.reason == "dry-run-refused", "\(last.step) \(last.reason ?? "")")
        // The dry run's DELETE only (its DeleteOptions carry dryRun).
        let deletes = try await fixture.changes().filter { $0.method == "DELETE" }
        #expect(deletes.allSatisfy { $0.body?.contains("dryRun") == true }, "\(deletes)")
    }

    @Test func aBurstOf100IncidentsHoldsTheCooldownAndTheRateLimit() async throws {
        let fixture = try RemediationFixture()
        try await fixture.apiDeployments(50)
        // 50 incidents of one workload (different causes), then one each for 50 others.
        let incidents =
            (0..<50).map { RemediationFixture.memoryIncident(cause: "cause-\($0)") }
            + (0..<50).map { RemediationFixture.memoryIncident("api-\($0)") }
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round(incidents, cluster: ClusterModel())

        let records = try fixture.records()
        let applied = records.filter { $0.step == .applied }
        #expect(applied.count == 5)  // the default: five changes an hour
        #expect(applied.filter { $0.target == "deployment/web" }.count == 1)
        let refusals = Dictionary(grouping: records.filter { $0.step == .refused }, by: { $0.reason ?? "" })
        #expect(refusals["cooldown"]?.count == 49)
        #expect(refusals["rate-limit"]?.count == 46)
        #expect(try await fixture.changes().count == 5)

        // A refusal that stays the same is recorded once, not every round.
        fixture.advance(60)
        await remediator.round(incidents, cluster: ClusterModel())
        #expect(try fixture.records().filter { $0.step == .refused }.count == 95)
        // Half an hour later nothing more may go: the rate limit counts the last hour.
        fixture.advance(1801)
        await remediator.round(incidents, cluster: ClusterModel())
        #expect(try await fixture.changes().count == 5)
    }

    @Test func aFixThatResolvesIsVerifiedAndKept() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())
        fixture.advance(60)
        await remediator.round([], cluster: ClusterModel())
        let verified = try #require(try fixture.records().last)
        #expect(verified.step == .verified)
        #expect(verified.reason == "resolved")
        #expect(try await Self.limits(fixture.object(deployment)) == ["memory": "768Mi"])
        let outcome = [("action", "set-resources"), ("outcome", "resolved")]
        #expect(fixture.counted("vigil_remediation_verifications_total", outcome) == 1)
        #expect(try fixture.metrics.expectTimer("vigil_remediation_verify_seconds").lastValue == 60_000_000_000)
    }

    /// `vigil diagnose --apply` may see one namespace, one workload or a recording: it judges no fix (to it
    /// every fix outside what it sees would look resolved); the daemon does.
    @Test func aRemediatorThatDoesNotVerifyLeavesEveryFixToTheOneThatDoes() async throws {
        let fixture = try RemediationFixture()
        let daemon = try fixture.remediator(RemediationFixture.applying)
        await daemon.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())
        fixture.advance(60)
        let diagnose = try fixture.remediator(RemediationFixture.applying, verifying: false)
        await diagnose.round([], cluster: ClusterModel())
        #expect(try fixture.records().last?.step == .applied)
        await daemon.round([], cluster: ClusterModel())
        #expect(try fixture.records().last?.step == .verified)
    }

    @Test func aFixThatDidNotHelpIsUndoneEscalatedAndNeverRepeated() async throws {
        let fixture = try RemediationFixture()
        try await fixture.server.control(
            "/__patch",
            #"{"path": "\#(deployment)", "patch": {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "shop/web:1.1", "resources": {"limits": {"memory": "512Mi"}}}]}}}}}"#
        )
        let incident = RemediationFixture.memoryIncident(verify: Playbook.Verification(within: 600, undo: .notResolved))
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([incident], cluster: ClusterModel())
        #expect(try await Self.limits(fixture.object(deployment)) == ["memory": "768Mi"])
        #expect(
            try fixture.records().last?.undo
                == UndoPlan(
                    action: "set-resources",
                    parameters: ["container": "app", "memory_limit": "512Mi"],
                    uid: "uid-web"
                )
        )

        fixture.advance(300)  // within the window, still there: wait
        await remediator.round([incident], cluster: ClusterModel())
        #expect(try fixture.records().last?.step == .applied)
        fixture.advance(301)
        await remediator.round([incident], cluster: ClusterModel())

        let steps = try fixture.records().map(\.step)
        #expect(steps.suffix(4) == [.verified, .undoing, .undone, .escalated])
        #expect(fixture.counted("vigil_remediations_total", [("action", "set-resources"), ("result", "undone")]) == 1)
        #expect(try fixture.records().first { $0.step == .verified }?.reason == "not-resolved")
        #expect(try await Self.limits(fixture.object(deployment)) == ["memory": "512Mi"])
        // Never the same fix again for the same trouble, even after the cooldown (a new proposal id: a
        // new incident of the same workload and cause, a day later).
        fixture.advance(86_400)
        var again = incident
        again.id = "another-onset"
        again.proposals[0].id = "another-proposal"
        let changesBefore = try await fixture.changes().count
        await remediator.round([again], cluster: ClusterModel())
        #expect(try fixture.records().last?.reason == "did-not-help")
        #expect(try await fixture.changes().count == changesBefore)
        #expect(fixture.counted("vigil_remediation_refusals_total", [("reason", "did-not-help")]) == 1)
    }

    @Test func aWorseIncidentIsMadeWorseAndUndoneWhenThePlaybookSaysSo() async throws {
        let fixture = try RemediationFixture()
        try await fixture.server.control(
            "/__patch",
            #"{"path": "\#(deployment)", "patch": {"spec": {"replicas": 3}}}"#
        )
        let subject = Subject(kind: "deployment", namespace: "shop", name: "web")
        let scale = KubeAction.scale(KubeObjectReference(.deployment, namespace: "shop", name: "web"), replicas: 6)
        let verify = Playbook.Verification(within: 300, undo: .madeWorse)
        let incident = RemediationFixture.incident(
            subject,
            cause: "saturation",
            action: scale,
            name: "scale",
            verify: verify
        )
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([incident], cluster: ClusterModel())
        #expect((try await fixture.object(deployment)["spec"] as? [String: Any])?["replicas"] as? Int == 6)

        var worse = incident
        worse.severity = .critical
        fixture.advance(301)
        await remediator.round([worse], cluster: ClusterModel())
        #expect(try fixture.records().first { $0.step == .verified }?.reason == "made-worse")
        #expect((try await fixture.object(deployment)["spec"] as? [String: Any])?["replicas"] as? Int == 3)
    }

    /// A dry run the cluster never answered is no refusal: it is tried afresh every round, on record once
    /// while the cluster stays out of reach, and the proposal waits for a person once one is answered.
    /// (Kept as made, a blip kept an approval-level proposal from ever being pending.)
    @Test func aDryRunTheClusterDidNotAnswerIsTriedAgainEachRound() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        let incident = RemediationFixture.memoryIncident(autonomy: .approve)
        for _ in 0..<2 {
            try await fixture.server.control("/__hangup", #"{"count": 1}"#)
            await remediator.round([incident], cluster: ClusterModel())
            #expect(await remediator.pending.isEmpty)
        }
        var records = try fixture.records()
        #expect(records.map(\.step) == [.proposed, .dryRun])
        #expect(records.last?.reason == "unanswered")
        await remediator.round([incident], cluster: ClusterModel())
        #expect(await remediator.pending.map(\.proposal) == [incident.proposals[0].id])
        records = try fixture.records()
        #expect(records.map(\.step) == [.proposed, .dryRun, .dryRun, .pending])
        #expect(records.dropFirst(2).first?.reason == "accepted")
    }

    /// A dry run the server answered busy (429) or failing (5xx) says nothing of the change either: tried
    /// afresh every round, on record once while the trouble lasts, pending once the server admits it.
    @Test(arguments: [429, 503])
    func aDryRunAnsweredBusyOrFailingIsTriedAgainEachRound(status: Int) async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        let incident = RemediationFixture.memoryIncident(autonomy: .approve)
        let object = "/apis/apps/v1/namespaces/shop/deployments/web"
        try await fixture.server.control("/__refuse", #"{"path": "\#(object)", "status": \#(status)}"#)
        for _ in 0..<2 {
            await remediator.round([incident], cluster: ClusterModel())
            #expect(await remediator.pending.isEmpty)
        }
        // Sent each round, on record once.
        #expect(try await fixture.server.log().filter { $0.method == "GET" && $0.path == object }.count == 2)
        var records = try fixture.records()
        #expect(records.map(\.step) == [.proposed, .dryRun])
        #expect(records.last?.reason == "refused")
        try await fixture.server.control("/__refuse", #"{"path": "/nothing", "status": 403}"#)
        await remediator.round([incident], cluster: ClusterModel())
        #expect(await remediator.pending.map(\.proposal) == [incident.proposals[0].id])
        records = try fixture.records()
        #expect(records.map(\.step) == [.proposed, .dryRun, .dryRun, .pending])
        #expect(records.dropFirst(2).first?.reason == "accepted")
    }

    /// At `apply`, a busy server's answer is its own refusal: not counted as the server refusing the
    /// change, and not hiding the refusal that follows it under the same reason.
    @Test func anApplyWhoseDryRunMetABusyServerIsInconclusive() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        let incident = RemediationFixture.memoryIncident(autonomy: .apply)
        let object = "/apis/apps/v1/namespaces/shop/deployments/web"
        try await fixture.server.control("/__refuse", #"{"path": "\#(object)", "status": 503}"#)
        await remediator.round([incident], cluster: ClusterModel())
        #expect(try fixture.records().last?.reason == "dry-run-inconclusive")
        #expect(fixture.counted("vigil_remediation_refusals_total", [("reason", "dry-run-inconclusive")]) == 1)
        #expect(fixture.counted("vigil_remediation_refusals_total", [("reason", "dry-run-refused")]) == 0)
        // The server now refuses the change itself: news, on record with its dry run.
        try await fixture.server.control("/__refuse", #"{"path": "\#(object)", "status": 403}"#)
        await remediator.round([incident], cluster: ClusterModel())
        let records = try fixture.records()
        #expect(records.suffix(2).map(\.step) == [.dryRun, .refused])
        #expect(records.last?.reason == "dry-run-refused")
        #expect(try await fixture.changes().isEmpty)
    }

    @Test func approveWaitsForAPersonAndRejectSettlesForGood() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        let incident = RemediationFixture.memoryIncident(autonomy: .approve)
        let id = incident.proposals[0].id
        await remediator.round([incident], cluster: ClusterModel())
        #expect(await remediator.pending.map(\.proposal) == [id])
        #expect(try await fixture.changes().isEmpty)
        #expect(try fixture.metrics.expectGauge("vigil_remediation_pending_proposals").lastValue == 1)

        let result = await remediator.approve(id, by: "alice", cluster: ClusterModel())
        #expect((try? result.get()) == "deployment.apps/web resource requirements updated")
        let records = try fixture.records()
        #expect(records.map(\.step) == [.proposed, .dryRun, .pending, .approved, .dryRun, .applying, .applied])
        #expect(records.first { $0.step == .approved }?.actor == "user:alice")
        #expect(await remediator.pending.isEmpty)
        #expect(try fixture.metrics.expectGauge("vigil_remediation_pending_proposals").lastValue == 0)
        // A second approval of the same proposal is refused: it is never sent twice.
        guard case .failure(let refusal) = await remediator.approve(id, by: "bob", cluster: ClusterModel()) else {
            Issue.record("approved twice")
            return
        }
        #expect(refusal.reason == "already-decided")

        let other = RemediationFixture.memoryIncident("web", cause: "other", autonomy: .approve)
        await remediator.round([other], cluster: ClusterModel())
        #expect(
            await remediator.reject(other.proposals[0].id, by: "bob", reason: "not now")
                == .success("proposal \(other.proposals[0].id) rejected")
        )
        await remediator.round([other], cluster: ClusterModel())
        #expect(await remediator.pending.isEmpty)
    }

    /// A person approves the command they were shown: a later round made the proposal afresh with another
    /// value (someone raised the limit, so 1.5 × it is more), and an approval of the old one applies nothing.
    @Test func anApprovalOfWhatAProposalNoLongerIsAppliesNothing() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        let shown = RemediationFixture.memoryIncident(autonomy: .approve)
        await remediator.round([shown], cluster: ClusterModel())
        let now = RemediationFixture.memoryIncident(limit: "1536Mi", autonomy: .approve)
        try #require(
            now.proposals[0].id == shown.proposals[0].id && now.proposals[0].kubectl != shown.proposals[0].kubectl
        )
        await remediator.round([now], cluster: ClusterModel())
        let id = shown.proposals[0].id
        // Shown with the dry run of its request as it is now, not the one made of the old.
        let dryRun = await remediator.proposal(id: id)?.proposal.dryRun
        #expect(dryRun?.changes.map(\.after) == ["1536Mi"], "\(String(describing: dryRun))")
        guard
            case .failure(let refusal) = await remediator.approve(
                id,
                by: "alice",
                cluster: ClusterModel(),
                seen: shown.proposals[0].kubectl
            )
        else {
            Issue.record("applied what was not shown")
            return
        }
        #expect(refusal.reason == "changed")
        #expect(refusal.message.contains("now `\(now.proposals[0].kubectl)`"), "\(refusal.message)")
        #expect(try await fixture.changes().isEmpty)
        #expect(try !fixture.records().contains { $0.step == .approved })
        // On record under her name, and counted: the log tells why her approval applied nothing.
        let refused = try fixture.records().last
        #expect(refused?.step == .refused && refused?.reason == "changed" && refused?.actor == "user:alice")
        #expect(fixture.counted("vigil_remediation_refusals_total", [("reason", "changed")]) == 1)
        // Still waiting for a person, with the refusal as its latest word.
        let shownNow = await remediator.proposalState(id: id)
        #expect(shownNow?.state == "pending" && shownNow?.reason == "changed", "\(String(describing: shownNow))")

        let approved = await remediator.approve(
            id,
            by: "alice",
            cluster: ClusterModel(),
            seen: now.proposals[0].kubectl
        )
        #expect((try? approved.get()) == "deployment.apps/web resource requirements updated")
        #expect(try await Self.limits(fixture.object(deployment)) == ["memory": "1536Mi"])
    }

    /// A proposal whose level is propose (or explain) is shown, never applied through an approval.
    @Test func anApprovalOfAProposeLevelProposalIsRefused() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        let incident = RemediationFixture.memoryIncident(autonomy: .propose)
        await remediator.round([incident], cluster: ClusterModel())
        guard case .failure(let refusal) = await remediator.approve(incident.proposals[0].id, by: "alice", seen: nil)
        else {
            Issue.record("a propose-level proposal was applied")
            return
        }
        #expect(refusal.reason == "autonomy")
        #expect(try await fixture.changes().isEmpty)
        let refused = try fixture.records().last
        #expect(refused?.step == .refused && refused?.reason == "autonomy" && refused?.actor == "user:alice")
        #expect(fixture.counted("vigil_remediation_refusals_total", [("reason", "autonomy")]) == 1)
    }

    /// Two rounds at once (the timer's and a webhook's) apply no more than the rate limit allows.
    @Test func concurrentRoundsStillHoldTheRateLimit() async throws {
        let fixture = try RemediationFixture()
        for index in 0..<10 {
            try await fixture.server.control(
                "/__create",
                #"{"object": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api-\#(index)", "namespace": "shop"}, "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "app", "image": "api:1"}]}}}, "status": {}}}"#
            )
        }
        var policy = RemediationFixture.applying
        policy.maxActions = 3
        let remediator = try fixture.remediator(policy)
        let incidents = (0..<10).map { RemediationFixture.memoryIncident("api-\($0)") }
        async let first: [Incident] = remediator.round(incidents, cluster: ClusterModel())
        async let second: [Incident] = remediator.round(incidents.reversed(), cluster: ClusterModel())
        _ = await (first, second)
        #expect(try await fixture.changes().count == 3)
        #expect(try fixture.records().filter { $0.step == .applied }.count == 3)
    }

    @Test func withoutAllowApplyAnApplyPlaybookOnlyProposes() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationPolicy())
        await remediator.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())
        #expect(try fixture.records().map(\.step) == [.proposed, .refused])
        #expect(try fixture.records().last?.reason == "apply-disabled")
        #expect(try await fixture.server.log().isEmpty)
    }

    @Test func aFullDiskStopsApplying() async throws {
        let fixture = try RemediationFixture()
        // The log a full disk: writes fail with ENOSPC (the turn's lock file beside it is not on it).
        try FileManager.default.createSymbolicLink(atPath: fixture.auditPath, withDestinationPath: "/dev/full")
        let full = try AuditLog(path: fixture.auditPath, environment: [:])
        let remediator = try fixture.remediator(RemediationFixture.applying, audit: full)
        await remediator.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())
        #expect(try await fixture.changes().isEmpty)
        let incident = RemediationFixture.memoryIncident(autonomy: .approve)
        await remediator.round([incident], cluster: ClusterModel())
        guard
            case .failure(let refusal) = await remediator.approve(
                incident.proposals[0].id,
                by: "alice",
                cluster: ClusterModel()
            )
        else {
            Issue.record("applied without an audit record")
            return
        }
        #expect(refusal.reason == "audit-log-unwritable")
        #expect(try await fixture.changes().isEmpty)
        #expect(try fixture.metrics.expectGauge("vigil_audit_log_writable").lastValue == 0)
        #expect(fixture.counted("vigil_remediation_refusals_total", [("reason", "audit-log-unwritable")]) >= 1)
    }

    /// A proposal made afresh with other values and refused for the same reason after its dry run is news:
    /// the new request's dry run and refusal go on record.
    @Test func aProposalMadeAfreshIsRefusedOnRecordAfresh() async throws {
        let fixture = try RemediationFixture()
        try await fixture.server.control(
            "/__patch",
            #"{"path": "/apis/apps/v1/namespaces/shop/deployments/web", "patch": {"spec": {"strategy": {"type": "Recreate"}}}}"#
        )
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([RemediationFixture.memoryIncident()], cluster: ClusterModel())
        await remediator.round([RemediationFixture.memoryIncident(limit: "1Gi")], cluster: ClusterModel())
        let records = try fixture.records()
        #expect(records.map(\.step) == [.proposed, .dryRun, .refused, .dryRun, .refused], "\(records.map(\.step))")
        #expect(records.filter { $0.step == .dryRun }.compactMap { $0.changes?.first?.after } == ["768Mi", "1Gi"])
    }

    @Test(arguments: [true, false])
    func anApplyWhoseAnswerWasLostIsReconciledByReadingTheObjectAndNeverResent(landed: Bool) async throws {
        let fixture = try RemediationFixture()
        let incident = RemediationFixture.memoryIncident()
        // A crash after `applying` was on disk: the change may or may not have reached the server.
        try AuditLog(path: fixture.auditPath, environment: [:]).append(fixture.unansweredApply(of: incident))
        if landed { try await fixture.landUnansweredApply() }
        let restarted = try fixture.remediator(RemediationFixture.applying)
        await restarted.round([incident], cluster: ClusterModel())

        let records = try fixture.records()
        #expect(records[1].step == .reconciled)
        #expect(records[1].reason == (landed ? "applied" : "not-applied"))
        // Applied: settled, never sent again, not even as a dry run. Not applied: held for the cooldown.
        #expect(try await fixture.changes().isEmpty)
        if landed {
            #expect(try await fixture.server.log().filter { $0.method != "GET" }.isEmpty)
            #expect(records.count == 2)
        } else {
            #expect(records.last?.reason == "cooldown")
            fixture.advance(1801)
            await restarted.round([incident], cluster: ClusterModel())
            #expect(try fixture.records().last?.step == .applied)
            #expect(try await fixture.changes().count == 1)
        }
    }

    /// A drain that failed after its cordon left the node cordoned: while the node is still unschedulable
    /// (as the API server says, whatever the round's model shows) it counts towards `max_nodes_cordoned`
    /// (1), so no second node is cordoned; once someone uncordons it, it does not.
    @Test(arguments: [true, false])
    func aDrainThatFailedCountsItsNodeWhileItStaysCordoned(stillCordoned: Bool) async throws {
        let fixture = try RemediationFixture()
        try AuditLog(path: fixture.auditPath, environment: [:]).append(
            AuditRecord(
                time: Timestamp.utcMillis(fixture.now - 7200),
                step: .failed,
                proposal: "drain-node-9",
                incident: "node-9-not-ready",
                subject: "node/node-9",
                cause: "node-not-ready",
                action: "drain",
                target: "node/node-9",
                namespace: "",
                actor: "vigil"
            )
        )
        // The API server holds twenty nodes, node-9 cordoned or not; the round's model shows none cordoned
        // (a watch that lags): the guards count on the server's.
        let cluster = try await fixture.nodes(20)
        if stillCordoned {
            try await fixture.server.control(
                "/__patch",
                #"{"path": "/api/v1/nodes/node-9", "patch": {"spec": {"unschedulable": true}}}"#
            )
        }
        let incident = RemediationFixture.incident(
            Subject(kind: "node", namespace: "", name: "node-1"),
            cause: "node-not-ready",
            action: .cordon(node: "node-1"),
            name: "cordon"
        )
        try await fixture.remediator(RemediationFixture.applying).round([incident], cluster: cluster)

        let last = try #require(try fixture.records().last)
        if stillCordoned {
            #expect(last.step == .refused)
            #expect(last.reason == "blast-radius")
            #expect(
                last.message?.hasPrefix("Vigil already has 1 other node(s) cordoned") == true,
                "\(last.message ?? "")"
            )
            #expect(try await fixture.changes().isEmpty)
        } else {
            #expect(last.step == .applied, "\(last.step) \(last.reason ?? "") \(last.message ?? "")")
        }
    }

    /// A cordon's guards count on the nodes listed after its dry run, just before the change (a drain's dry
    /// run may wait minutes on disruption budgets): one whose dry run is refused never lists them.
    @Test func theNodesAreListedAfterTheDryRunJustBeforeTheChange() async throws {
        let fixture = try RemediationFixture()
        let cluster = try await fixture.nodes(4)
        func cordon(_ node: String) -> Incident {
            RemediationFixture.incident(
                Subject(kind: "node", namespace: "", name: node),
                cause: "node-not-ready",
                action: .cordon(node: node),
                name: "cordon"
            )
        }
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([cordon("node-9")], cluster: cluster)
        #expect(try fixture.records().last?.reason == "dry-run-refused")
        #expect(try await !fixture.server.log().contains { $0.path == "/api/v1/nodes" })

        await remediator.round([cordon("node-2")], cluster: cluster)
        #expect(try fixture.records().last?.step == .applied)
        let sent = try await fixture.server.log().filter { $0.path.hasPrefix("/api/v1/nodes") }
        let steps = sent.map { "\($0.method) \($0.path)\($0.query.contains(["dryRun", "All"]) ? " dry run" : "")" }
        let dryRun = try #require(steps.firstIndex(of: "PATCH /api/v1/nodes/node-2 dry run"))
        let listed = try #require(steps.firstIndex(of: "GET /api/v1/nodes"))
        let change = try #require(steps.firstIndex(of: "PATCH /api/v1/nodes/node-2"))
        #expect(dryRun < listed && listed < change, "\(steps)")
    }

    /// The guards hear of the incident's subject: a pod of `deployment/web` deleted, another pod of it
    /// proposed next is refused for the workload's cooldown (before any request for it is sent).
    @Test func aSecondPodOfOneWorkloadWaitsForTheWorkloadsCooldown() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([RemediationFixture.podDeleted("web-1")], cluster: ClusterModel())
        #expect(try fixture.records().last?.step == .applied)
        // Within the first fix's verification window (600 s): no verdict yet.
        fixture.advance(300)
        let requests = try await fixture.server.log().count
        await remediator.round([RemediationFixture.podDeleted("web-2")], cluster: ClusterModel())

        let last = try #require(try fixture.records().last)
        #expect(last.target == "pod/web-2")
        #expect(last.reason == "cooldown", "\(last.step) \(last.message ?? "")")
        #expect(last.message?.hasPrefix("delete-pod was done for deployment/web 5m ago, on pod/web-1") == true)
        #expect(try await fixture.server.log().count == requests)
    }

    /// A drain whose node runs pods of a denied namespace is refused by its dry run, the pods named, and
    /// nothing is cordoned or evicted.
    @Test func aDrainThatWouldEvictFromADeniedNamespaceIsRefusedByItsDryRun() async throws {
        let fixture = try RemediationFixture()
        var policy = RemediationFixture.applying
        policy.denyNamespaces = ["shop"]
        let remediator = try fixture.remediator(policy)
        let cluster = try await fixture.nodes(20)
        let drain = RemediationFixture.nodeDrained()
        await remediator.round([drain], cluster: cluster)
        let last = try #require(try fixture.records().last)
        #expect(last.reason == "dry-run-refused", "\(last.step) \(last.message ?? "")")
        #expect(last.message?.contains("cannot evict Pods in a namespace Vigil may not change") == true)
        #expect(last.message?.contains("shop/web-1") == true, "\(last.message ?? "")")
        #expect(try await fixture.changes().isEmpty)
    }

    /// A drain's evictions are on record before they are sent: its `applying` holds the cordon only, and
    /// the pods it evicts were listed on no record of the change (only the dry run's, which may be minutes
    /// older). The `evicting` record between the cordon and the evictions names them.
    @Test func aDrainsEvictionsAreOnRecordBeforeTheyAreSent() async throws {
        let fixture = try RemediationFixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        let cluster = try await fixture.nodes(20)
        let drain = RemediationFixture.nodeDrained(
            DrainOptions(ignoreDaemonSets: true, deleteEmptyDirData: true, force: true)
        )
        await remediator.round([drain], cluster: cluster)
        let records = try fixture.records()
        #expect(records.map(\.step) == [.proposed, .dryRun, .applying, .evicting, .applied])
        #expect(records[2].request?.path == "/api/v1/nodes/node-1")
        let evicting = try #require(records[3].message?.split(separator: "\n").map(String.init))
        #expect(
            Set(evicting) == ["evicting pod shop/web-1", "evicting pod shop/debug-shell", "evicting pod shop/cache-1"]
        )
        let evicted = try await fixture.changes().filter { $0.path.hasSuffix("/eviction") }.map(\.path)
        #expect(
            Set(evicted)
                == Set(["web-1", "debug-shell", "cache-1"].map { "/api/v1/namespaces/shop/pods/\($0)/eviction" })
        )
    }

    /// A drain cut short by a restart is reconciled from its cordon, which the node shows; the record says
    /// what no read of the node tells: whether its evictions had begun (an `evicting` on record).
    @Test(arguments: [true, false])
    func aDrainCutShortSaysWhetherItsEvictionsHadBegun(_ evicting: Bool) async throws {
        let fixture = try RemediationFixture()
        let drain = RemediationFixture.nodeDrained()
        var applying = fixture.applyingRecord(of: drain)
        (applying.subject, applying.cause, applying.action) = ("node/node-1", "node-failure", "drain")
        (applying.target, applying.namespace) = ("node/node-1", "")
        applying.request = AuditRecord.Exchange(method: "PATCH", path: "/api/v1/nodes/node-1")
        applying.changes = [AuditRecord.Change(path: "spec.unschedulable", before: nil, after: "true")]
        let log = try AuditLog(path: fixture.auditPath, environment: [:])
        try log.append(applying)
        if evicting {
            var named = applying
            (named.step, named.request, named.changes) = (.evicting, nil, nil)
            named.message = "evicting pod shop/web-1"
            try log.append(named)
        }
        try await fixture.server.control(
            "/__patch",
            #"{"path": "/api/v1/nodes/node-1", "patch": {"spec": {"unschedulable": true}}}"#
        )

        let restarted = try fixture.remediator(RemediationFixture.applying)
        fixture.advance(60)
        await restarted.round([], cluster: ClusterModel())
        let settled = try #require(try fixture.records().last { $0.step == .reconciled })
        #expect(settled.reason == "applied")
        let says = evicting ? "its evictions were under way" : "the process stopped before its evictions"
        #expect(settled.message?.contains(says) == true, "\(settled.message ?? "")")
    }

    /// What became of the pod a crashed delete named, and whether the delete landed.
    enum PodAfterTheCrash: String, CaseIterable, Sendable {
        case gone, terminating, recreated, untouched
    }

    /// A crash after a pod's delete was sent and before its answer was on record. The pod gone, terminating
    /// or made again under its name (a StatefulSet's) after the delete: the entry is settled as applied (a
    /// GET answering 404 used to leave it in flight for ever, counted by no cooldown), and another pod of
    /// the same workload waits for the workload's cooldown. The pod untouched: not applied, only it is held.
    @Test(arguments: PodAfterTheCrash.allCases)
    func aDeleteIsReconciledFromWhatBecameOfItsPod(_ pod: PodAfterTheCrash) async throws {
        let fixture = try RemediationFixture()
        let crashed = RemediationFixture.podDeleted("web-1")
        var applying = fixture.applyingRecord(of: crashed)
        (applying.cause, applying.action, applying.target) = ("crashloop", "delete-pod", "pod/web-1")
        applying.request = AuditRecord.Exchange(method: "DELETE", path: "/api/v1/namespaces/shop/pods/web-1")
        try AuditLog(path: fixture.auditPath, environment: [:]).append(applying)
        let path = "/api/v1/namespaces/shop/pods/web-1"
        func metadata(_ field: String, _ seconds: Double) async throws {
            let time = Date(timeIntervalSince1970: fixture.now + seconds).ISO8601Format()
            try await fixture.server.control(
                "/__patch",
                #"{"path": "\#(path)", "patch": {"metadata": {"\#(field)": "\#(time)"}}}"#
            )
        }
        switch pod {
        case .gone: try await fixture.server.control("/__delete", #"{"path": "\#(path)"}"#)
        case .terminating: try await metadata("deletionTimestamp", 1)
        case .recreated: try await metadata("creationTimestamp", 5)
        case .untouched: try await metadata("creationTimestamp", -3600)
        }

        let restarted = try fixture.remediator(RemediationFixture.applying)
        fixture.advance(60)
        await restarted.round([RemediationFixture.podDeleted("cache-1")], cluster: ClusterModel())

        let records = try fixture.records()
        #expect(records[1].step == .reconciled)
        #expect(records[1].reason == (pod == .untouched ? "not-applied" : "applied"))
        if pod == .gone { #expect(records[1].message == "the object is gone: it was deleted before the restart") }
        #expect(records.last?.target == "pod/cache-1")
        if pod == .untouched {
            // Only the pod named is held: the workload's other pod may go.
            #expect(records.last?.step == .applied, "\(records.map(\.step))")
        } else {
            #expect(records.last?.reason == "cooldown", "\(records.map(\.step))")
            #expect(try await fixture.changes().isEmpty)
        }
    }

    /// A delete conditioned on a UID is reconciled by it, not by the creation time, which compares two
    /// machines' clocks: the pod of that UID still there was not deleted (one made, by the API server's
    /// clock, within the minute before the delete was taken as made again since, and the delete as
    /// applied), and a pod of another UID was made since, whatever its clock says (one an hour old by a
    /// clock behind Vigil's was taken as the pod named, still there).
    @Test(arguments: [false, true])
    func aConditionedDeleteIsReconciledByItsUID(replaced: Bool) async throws {
        let fixture = try RemediationFixture()
        var applying = fixture.applyingRecord(of: RemediationFixture.podDeleted("web-1"))
        (applying.cause, applying.action, applying.target) = ("crashloop", "delete-pod", "pod/web-1")
        let path = "/api/v1/namespaces/shop/pods/web-1"
        applying.request = AuditRecord.Exchange(
            method: "DELETE",
            path: path,
            body: #"{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"uid-web-1"}}"#
        )
        try AuditLog(path: fixture.auditPath, environment: [:]).append(applying)
        let created = Date(timeIntervalSince1970: fixture.now + (replaced ? -3600 : 5)).ISO8601Format()
        let uid = replaced ? "uid-web-1-again" : "uid-web-1"
        try await fixture.server.control(
            "/__patch",
            #"{"path": "\#(path)", "patch": {"metadata": {"creationTimestamp": "\#(created)", "uid": "\#(uid)"}}}"#
        )

        let restarted = try fixture.remediator(RemediationFixture.applying)
        fixture.advance(60)
        await restarted.round([], cluster: ClusterModel())

        let settled = try #require(try fixture.records().first { $0.step == .reconciled })
        #expect(settled.reason == (replaced ? "applied" : "not-applied"))
    }

    static func limits(_ object: [String: Any]) -> [String: String] {
        let container = KubeAction.containers(of: object).first
        return (container?["resources"] as? [String: Any])?["limits"] as? [String: String] ?? [:]
    }
}
