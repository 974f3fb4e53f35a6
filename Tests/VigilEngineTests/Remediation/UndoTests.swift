import Foundation
import Testing
import VigilKube
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// An undo is a change like any other: sent only while the object holds what Vigil's fix set,
/// conditioned on the object as read, and never retried. The fake API server's request log and the
/// audit log are asserted; time from the fixture's clock.
struct UndoTests {
    private static let web = KubeObjectReference(.deployment, namespace: "shop", name: "web")
    private static let hpa = KubeObjectReference(.horizontalpodautoscaler, namespace: "shop", name: "web")
    private static let memory = "spec.template.spec.containers[app].resources.limits.memory"

    /// A fix undone when it does not help, with the field it sets, its value after the fix, and a merge
    /// patch (for the fake server's `/__patch`) by which a person sets that field to another value.
    struct Fix: Sendable, CustomTestStringConvertible {
        var name: String
        var action: KubeAction
        var field: String
        var fixed: String
        var personsPatch: String
        var personsValue: String
        var testDescription: String { name }

        static let all = [
            Fix(
                name: "scale",
                action: .scale(UndoTests.web, replicas: 6),
                field: "spec.replicas",
                fixed: "6",
                personsPatch: #"{"spec": {"replicas": 8}}"#,
                personsValue: "8"
            ),
            Fix(
                name: "set-hpa-max",
                action: .setHPAMax(UndoTests.hpa, maxReplicas: 10),
                field: "spec.maxReplicas",
                fixed: "10",
                personsPatch: #"{"spec": {"maxReplicas": 12}}"#,
                personsValue: "12"
            ),
            Fix(
                name: "set-resources",
                action: .setResources(UndoTests.web, container: "app", limits: ["memory": "768Mi"], requests: [:]),
                field: UndoTests.memory,
                fixed: "768Mi",
                personsPatch:
                    #"{"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "shop/web:1.1", "resources": {"limits": {"memory": "1Gi"}}}]}}}}"#,
                personsValue: "1Gi"
            ),
        ]

        /// The incident this fix is proposed for, undone when it is not resolved within 60 seconds.
        var incident: Incident {
            RemediationFixture.incident(
                Subject(kind: "deployment", namespace: "shop", name: "web"),
                cause: "saturation",
                action: action,
                name: name,
                verify: Playbook.Verification(within: 60, undo: .notResolved)
            )
        }
    }

    /// The fixture with a memory limit to go back to (the deployment has none at first), so that every
    /// fix has an undo plan.
    private static func fixture() async throws -> RemediationFixture {
        let fixture = try RemediationFixture()
        try await fixture.limitMemory(to: "512Mi")
        return fixture
    }

    /// `fix` applied by a remediator on the fixture, its verification window (60 s) then over.
    private static func appliedAndDue(_ fix: Fix) async throws -> (RemediationFixture, Remediator) {
        let fixture = try await Self.fixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([fix.incident], cluster: ClusterModel())
        fixture.advance(61)
        return (fixture, remediator)
    }

    /// Another process's verdict that the fix applied on `fixture` did not help, appended as that process
    /// left it (no undo begun); the records and the writes to the object so far.
    private static func judgedNotToHelp(_ fixture: RemediationFixture) async throws -> (records: Int, writes: Int) {
        var verified = try #require(try fixture.records().last { $0.step == .applied })
        verified.step = .verified
        verified.time = Timestamp.utcMillis(fixture.now)
        verified.reason = "not-resolved"
        try AuditLog(path: fixture.auditPath, environment: [:]).append(verified)
        return (try fixture.records().count, try await Self.writes(fixture, to: Self.web).count)
    }

    /// The logged writes to `object` (its scale subresource included), dry runs left out.
    static func writes(
        _ fixture: RemediationFixture,
        to object: KubeObjectReference
    ) async throws
        -> [FakeAPIServer.Request]
    {
        try await fixture.changes().filter { $0.path == object.path || $0.path == object.path + "/scale" }
    }

    /// The value of `field` (a dotted path, as the audit log names it) in `object`.
    static func value(_ field: String, of object: [String: Any]) -> String? {
        ObjectDiff.changes(before: [:], after: object).first { $0.path == field }?.after
    }

    /// A rollback's undo rolls forward to the revision it left; that patch comes from the replicasets, and
    /// the `undoing` record held the PATCH without it. It holds it now, byte for byte what is sent.
    @Test func aRollbacksUndoRecordsThePatchItSends() async throws {
        let fixture = try RemediationFixture()
        let incident = RemediationFixture.incident(
            Subject(kind: "deployment", namespace: "shop", name: "web"),
            cause: "crashloop-after-rollout",
            action: .undo(Self.web, toRevision: nil),
            name: "rollback",
            verify: Playbook.Verification(within: 60, undo: .notResolved)
        )
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([incident], cluster: ClusterModel())
        let image = { (object: [String: Any]) in Self.value("spec.template.spec.containers[app].image", of: object) }
        #expect(image(try await fixture.object(Self.web.path)) == "shop/web:1")
        fixture.advance(61)
        await remediator.round([incident], cluster: ClusterModel())

        let records = try fixture.records()
        #expect(records.suffix(4).map(\.step) == [.verified, .undoing, .undone, .escalated])
        #expect(records.first { $0.step == .undone }?.reason == "undone")
        let undoing = try #require(records.first { $0.step == .undoing })
        let sent = try #require(try await Self.writes(fixture, to: Self.web).last)
        #expect(undoing.request?.method == "PATCH" && undoing.request?.body != nil)
        #expect(undoing.request?.body == sent.body)
        #expect(sent.body?.contains(#""op":"test","path":"/metadata/resourceVersion""#) == true)
        #expect(image(try await fixture.object(Self.web.path)) == "shop/web:1.1")
    }

    @Test func anUndoIsSentConditionedOnTheObjectAsReadAndPutsTheValueBack() async throws {
        let fixture = try await Self.fixture()
        let fix = Fix.all[0]
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([fix.incident], cluster: ClusterModel())
        // The scale's diff is the replica count alone (the answer is the Scale, not the deployment).
        #expect(
            try fixture.records().first { $0.step == .applying }?.changes == [
                AuditRecord.Change(path: "spec.replicas", before: "3", after: "6")
            ]
        )
        fixture.advance(61)
        let version = try #require(
            (try await fixture.object(Self.web.path)["metadata"] as? [String: Any])?["resourceVersion"] as? String
        )
        await remediator.round([fix.incident], cluster: ClusterModel())

        let records = try fixture.records()
        #expect(records.suffix(4).map(\.step) == [.verified, .undoing, .undone, .escalated])
        let undone = try #require(records.first { $0.step == .undone })
        #expect(undone.reason == "undone")
        let writes = try await Self.writes(fixture, to: Self.web)
        #expect(writes.count == 2)
        // kubectl scale's patch, with the resourceVersion read just before as its one added field.
        #expect(writes.last?.path == Self.web.path + "/scale")
        #expect(writes.last?.contentType == "application/merge-patch+json")
        #expect(writes.last?.body == #"{"metadata":{"resourceVersion":"\#(version)"},"spec":{"replicas":3}}"#)
        #expect(records.first { $0.step == .undoing }?.resourceVersion == version)
        #expect(Self.value("spec.replicas", of: try await fixture.object(Self.web.path)) == "3")
    }

    @Test(arguments: Fix.all)
    func aPersonsChangeSinceTheFixIsNeverUndone(_ fix: Fix) async throws {
        let fixture = try await Self.fixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([fix.incident], cluster: ClusterModel())
        #expect(try fixture.records().last?.step == .applied)
        #expect(Self.value(fix.field, of: try await fixture.object(fix.action.object.path)) == fix.fixed)
        // A person sets the field again after Vigil's fix; the fix then does not help.
        try await fixture.server.control(
            "/__patch",
            #"{"path": "\#(fix.action.object.path)", "patch": \#(fix.personsPatch)}"#
        )
        fixture.advance(61)
        await remediator.round([fix.incident], cluster: ClusterModel())

        let records = try fixture.records()
        #expect(records.suffix(3).map(\.step) == [.verified, .undone, .escalated])
        let undone = try #require(records.first { $0.step == .undone })
        #expect(undone.reason == "changed-since")
        #expect(
            undone.message?.contains("\(fix.field) is \(fix.personsValue) now, the fix set \(fix.fixed)") == true,
            "\(undone.message ?? "")"
        )
        #expect(try await Self.writes(fixture, to: fix.action.object).count == 1, "the fix only, no undo")
        #expect(Self.value(fix.field, of: try await fixture.object(fix.action.object.path)) == fix.personsValue)
    }

    /// The object the fix changed, deleted and made again under its name with the fields the fix set (from
    /// a manifest someone took of it): another object, which the undo leaves as it is.
    @Test(arguments: Fix.all)
    func anObjectMadeAgainUnderTheSameNameIsNeverUndone(_ fix: Fix) async throws {
        let fixture = try await Self.fixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([fix.incident], cluster: ClusterModel())
        let applying = try #require(try fixture.records().first { $0.step == .applying })
        var object = try await fixture.object(fix.action.object.path)
        var metadata = try #require(object["metadata"] as? [String: Any])
        let fixedUID = try #require(metadata["uid"] as? String)
        #expect(applying.undo?.uid == fixedUID)
        metadata["uid"] = fixedUID + "-again"
        object["metadata"] = metadata
        let json = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        try await fixture.server.control("/__create", #"{"object": \#(json)}"#)
        fixture.advance(61)
        await remediator.round([fix.incident], cluster: ClusterModel())

        let records = try fixture.records()
        #expect(records.suffix(3).map(\.step) == [.verified, .undone, .escalated])
        let undone = try #require(records.first { $0.step == .undone })
        #expect(undone.reason == "replaced-since")
        #expect(
            undone.message?.contains("(UID \(fixedUID)-again) is another object") == true,
            "\(undone.message ?? "")"
        )
        #expect(try await Self.writes(fixture, to: fix.action.object).count == 1, "the fix only, no undo")
        #expect(Self.value(fix.field, of: try await fixture.object(fix.action.object.path)) == fix.fixed)
    }

    @Test(arguments: Fix.all)
    func theFixItselfIsConditionedOnTheObjectAsRead(_ fix: Fix) async throws {
        let fixture = try await Self.fixture()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        // Another writer changes the object between the dry run's read and the change.
        try await fixture.server.control("/__race")
        await remediator.round([fix.incident], cluster: ClusterModel())

        let records = try fixture.records()
        #expect(records.map(\.step) == [.proposed, .dryRun, .applying, .conflict])
        let version = try #require(records[2].resourceVersion)
        let sent = try #require(try await Self.writes(fixture, to: fix.action.object).last?.body)
        #expect(sent.contains(#""metadata":{"resourceVersion":"\#(version)"}"#), "\(sent)")
        #expect(Self.value(fix.field, of: try await fixture.object(fix.action.object.path)) != fix.fixed)
    }

    @Test func anUndoThatLosesTheRaceIsRecordedAndNotRetried() async throws {
        let fix = Fix.all[2]
        let (fixture, remediator) = try await Self.appliedAndDue(fix)
        // Another writer changes the deployment between the undo's read and its change.
        try await fixture.server.control("/__race")
        await remediator.round([fix.incident], cluster: ClusterModel())

        let undone = try #require(try fixture.records().first { $0.step == .undone })
        #expect(undone.reason == "conflict")
        #expect(undone.response?.status == 409)
        #expect(try fixture.records().last?.step == .escalated)
        let writes = try await Self.writes(fixture, to: Self.web).count
        #expect(Self.value(Self.memory, of: try await fixture.object(Self.web.path)) == "768Mi")
        fixture.advance(600)
        await remediator.round([fix.incident], cluster: ClusterModel())
        #expect(try await Self.writes(fixture, to: Self.web).count == writes, "not retried")
    }

    /// Where a crash cut the steps after a verdict short: the log's last record, whether the undo had
    /// reached the object, and the steps the restarted remediator adds.
    struct Crash: Sendable, CustomTestStringConvertible {
        var after: AuditRecord.Step
        var undoLanded: Bool
        /// Seconds from the crash to the restarted round.
        var restartAfter: Double = 1
        var allowApply = true
        var resumed: [AuditRecord.Step]
        var undone: String?
        var testDescription: String {
            "after \(after), the undo \(undoLanded ? "landed" : "not landed"), restarted \(Int(restartAfter)) s later"
                + (allowApply ? "" : " without --allow-apply")
        }

        static let all = [
            Crash(after: .verified, undoLanded: false, resumed: [.undoing, .undone, .escalated], undone: "undone"),
            Crash(after: .undoing, undoLanded: true, resumed: [.undone, .escalated], undone: "undone"),
            Crash(after: .undoing, undoLanded: false, resumed: [.undone, .escalated], undone: "undo-failed"),
            Crash(after: .undone, undoLanded: true, resumed: [.escalated], undone: nil),
            // Past the verdict's cooldown, or with applying off, the fix is escalated as it stands.
            Crash(after: .verified, undoLanded: false, restartAfter: 1801, resumed: [.escalated], undone: nil),
            Crash(after: .verified, undoLanded: false, allowApply: false, resumed: [.escalated], undone: nil),
        ]
    }

    /// A crash after a fix was judged not to help: the restarted remediator finishes the steps from the
    /// log and the object, sends the undo at most once in all (an `undoing` is settled by reading the
    /// object, never sent again), escalates, and does nothing more for it later.
    @Test(arguments: Crash.all)
    func stepsAfterAVerdictCutShortByACrashAreFinishedOnce(_ crash: Crash) async throws {
        let fix = Fix.all[0]
        let (fixture, first) = try await Self.appliedAndDue(fix)
        await first.round([fix.incident], cluster: ClusterModel())
        let whole = try fixture.records()
        #expect(whole.suffix(4).map(\.step) == [.verified, .undoing, .undone, .escalated])

        // The log as the crash left it: every record up to `crash.after`; the object as the undo left it.
        let kept = try #require(whole.firstIndex { $0.step == crash.after }) + 1
        let lines = try String(contentsOfFile: fixture.auditPath, encoding: .utf8).split(separator: "\n")
        try (lines.prefix(kept).joined(separator: "\n") + "\n").write(
            toFile: fixture.auditPath,
            atomically: true,
            encoding: .utf8
        )
        if !crash.undoLanded {
            try await fixture.server.control(
                "/__patch",
                #"{"path": "\#(Self.web.path)", "patch": {"spec": {"replicas": 6}}}"#
            )
        }
        let writes = try await Self.writes(fixture, to: Self.web).count

        fixture.advance(crash.restartAfter)
        var policy = RemediationFixture.applying
        policy.allowApply = crash.allowApply
        let restarted = try fixture.remediator(policy)
        await restarted.round([fix.incident], cluster: ClusterModel())
        let resumed = try fixture.records().dropFirst(kept)
        #expect(resumed.map(\.step) == crash.resumed)
        #expect(resumed.first { $0.step == .undone }?.reason == crash.undone)
        let withheld = crash.after == .verified && !crash.resumed.contains(.undoing)
        #expect(resumed.last?.message?.contains("the playbook's undo was not sent") == withheld)
        let sent = crash.resumed.contains(.undoing) ? 1 : 0
        #expect(try await Self.writes(fixture, to: Self.web).count == writes + sent)
        let replicas = crash.undoLanded || sent == 1 ? "3" : "6"
        #expect(Self.value("spec.replicas", of: try await fixture.object(Self.web.path)) == replicas)

        fixture.advance(600)
        await restarted.round([fix.incident], cluster: ClusterModel())
        #expect(try fixture.records().count == kept + crash.resumed.count)
        #expect(try await Self.writes(fixture, to: Self.web).count == writes + sent)
    }

    /// The steps after a verdict are taken within a turn (``RemediationTurn``): while another process
    /// sharing the state directory (`vigil diagnose --apply` beside the daemon) has its turn, it may be in
    /// the middle of them, and a round leaves them, and everything else, to it; once that turn ends, the
    /// next round finishes them, having read what the other appended meanwhile.
    @Test func aVerdictAnotherProcessIsFinishingInItsTurnIsLeftToIt() async throws {
        let fix = Fix.all[0]
        let (fixture, _) = try await Self.appliedAndDue(fix)
        let beside = try fixture.remediator(RemediationFixture.applying)
        // The other process, in its turn, has written `verified` and not yet begun its undo.
        let other = try RemediationTurn(beside: fixture.auditPath)
        #expect(try other.take())
        let (kept, writes) = try await Self.judgedNotToHelp(fixture)

        await beside.round([fix.incident], cluster: ClusterModel())
        #expect(try fixture.records().count == kept)
        #expect(try await Self.writes(fixture, to: Self.web).count == writes)
        other.end()
        await beside.round([fix.incident], cluster: ClusterModel())
        #expect(try fixture.records().dropFirst(kept).map(\.step) == [.undoing, .undone, .escalated])
        #expect(try await Self.writes(fixture, to: Self.web).count == writes + 1)
    }

    /// `vigil diagnose --apply` (a remediator that does not verify) leaves the steps after a verdict, the
    /// undo and the escalation, to the daemon: its person agreed to the fixes it offered, not to undos.
    @Test func aRemediatorThatDoesNotVerifyLeavesTheStepsAfterAVerdict() async throws {
        let fix = Fix.all[0]
        let (fixture, _) = try await Self.appliedAndDue(fix)
        let (kept, writes) = try await Self.judgedNotToHelp(fixture)

        let diagnose = try fixture.remediator(RemediationFixture.applying, verifying: false)
        await diagnose.round([fix.incident], cluster: ClusterModel())
        #expect(try fixture.records().count == kept)
        #expect(try await Self.writes(fixture, to: Self.web).count == writes)
        let daemon = try fixture.remediator(RemediationFixture.applying)
        await daemon.round([fix.incident], cluster: ClusterModel())
        #expect(try fixture.records().dropFirst(kept).map(\.step) == [.undoing, .undone, .escalated])
    }

    /// An undo is a change: a remediator judging a fix without `--allow-apply` (a daemon verifying what
    /// `vigil diagnose --apply` applied) escalates it as it stands, and says why.
    @Test func withoutApplyingAFixThatDidNotHelpIsEscalatedNotUndone() async throws {
        let fix = Fix.all[0]
        let (fixture, _) = try await Self.appliedAndDue(fix)
        let writes = try await Self.writes(fixture, to: Self.web).count
        var watching = RemediationFixture.applying
        watching.allowApply = false
        let kept = try fixture.records().count
        await (try fixture.remediator(watching)).round([fix.incident], cluster: ClusterModel())

        let added = try fixture.records().dropFirst(kept)
        #expect(added.map(\.step) == [.verified, .escalated])
        #expect(added.last?.message?.hasSuffix("(the playbook's undo was not sent: applying is off)") == true)
        #expect(try await Self.writes(fixture, to: Self.web).count == writes)
        #expect(Self.value("spec.replicas", of: try await fixture.object(Self.web.path)) == "6")
    }

    /// The namespace denied since the fix: its undo is not sent, the fix stands, and a person is told.
    @Test func aFixInANamespaceDeniedSinceIsNotUndone() async throws {
        let fix = Fix.all[0]
        let (fixture, _) = try await Self.appliedAndDue(fix)
        let writes = try await Self.writes(fixture, to: Self.web).count
        var denying = RemediationFixture.applying
        denying.denyNamespaces = ["shop"]
        let kept = try fixture.records().count
        await (try fixture.remediator(denying)).round([fix.incident], cluster: ClusterModel())

        let added = Array(try fixture.records().dropFirst(kept))
        #expect(added.map(\.step) == [.verified, .undone, .escalated])
        #expect(added[1].reason == "namespace-denied")
        #expect(added[1].message == "undo of scale on deployment/web not sent: namespace shop is denied")
        #expect(try await Self.writes(fixture, to: Self.web).count == writes)
        #expect(Self.value("spec.replicas", of: try await fixture.object(Self.web.path)) == "6")
    }

    /// An undo sent is a change for the rate limit and the cooldowns, and so is one that got no answer
    /// (status 0) or a 5xx (it may have landed); one not sent, or refused by the server, is not.
    @Test(
        arguments: [
            ("undone", nil, true), ("lease-lost", nil, true), ("undo-failed", 0, true), ("undo-failed", 504, true),
            ("undo-failed", 422, false),
            ("undo-failed", nil, false), ("changed-since", nil, false), ("replaced-since", nil, false),
        ] as [(String, Int?, Bool)]
    )
    func anUndoSentCountsAsAChange(reason: String, status: Int?, counted: Bool) {
        var undone = GuardrailsTests.record(.undone, "scale", ago: 30, proposal: "p1", reason: reason)
        undone.response = status.map { AuditRecord.Exchange(status: $0) }
        let ledger = RemediationLedger(records: [undone])
        #expect(ledger.changes.map(\.record.proposal) == (counted ? ["p1#undo"] : []))
        #expect((ledger.lastTouched("deployment/web", namespace: "shop") != nil) == counted)
    }

}
