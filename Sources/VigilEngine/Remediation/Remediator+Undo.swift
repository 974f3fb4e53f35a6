import Foundation
import Logging
import VigilKube

/// Taking back a fix that did not help (the playbook's `verify.undo`). An undo is a change like any
/// other: it is made only on the object as Vigil's fix left it (a person's change since is never
/// overwritten), claimed on the remediation Lease so that every leader's guards count it and no leader
/// makes it twice, and sent conditioned on the object as read, with the lease asked again after.
extension Remediator {
    /// Undoes `applied` from its undo plan. The steps, each on record: the object read; another object
    /// under the same name (its UID not the plan's) → `undone`, reason `replaced-since`, nothing sent; a
    /// field the fix set holding another value now → `undone`, reason `changed-since`, nothing sent;
    /// `undoing` with the request; the claim (`<proposal>#undo`) refused → `refused`, reason `not-leader` or
    /// `already-undone`, nothing sent; else `undone` with the answer: reason `undone`, `lease-lost` (sent, but the lease
    /// had passed to another replica meanwhile), `conflict` (the object changed between the read and
    /// the change: 409, or 422 for a JSON patch's test) or `undo-failed`. Never retried: the incident is
    /// escalated to a person next.
    func undo(_ applied: AuditRecord) async {
        guard let kube, let plan = applied.undo,
            let action = plan.kubeAction(target: applied.target, namespace: applied.namespace)
        else {
            return closeUndo(applied, .undone, "cannot-undo", "\(applied.action) cannot be undone automatically")
        }
        // A namespace denied (or left out of the allowed ones) since the fix is not changed again, not even
        // back: the person who denied it decides, and the escalation that follows tells them.
        if let denied = policy.namespaceRefusal(applied.namespace) {
            metrics.refused("namespace-denied")
            return closeUndo(
                applied,
                .undone,
                "namespace-denied",
                "undo of \(applied.action) on \(applied.target) not sent: \(denied)"
            )
        }
        guard let fixed = applied.changes, !fixed.isEmpty else {
            return closeUndo(
                applied,
                .undone,
                "cannot-undo",
                "no record of the fields \(applied.action) changed: nothing to check the object against, so "
                    + "it is not undone"
            )
        }
        let read: [UInt8]
        do {
            read = try await kube.send(KubeRequest(method: "GET", path: action.object.path))
        } catch {
            return closeUndo(applied, .undone, "undo-failed", "cannot read \(applied.target): \(error.description)")
        }
        let object = KubeClient.object(read)
        guard let version = Self.resourceVersion(read) else {
            return closeUndo(
                applied,
                .undone,
                "undo-failed",
                "\(applied.target) as read has no resourceVersion to condition the undo on"
            )
        }
        if let fixedUID = plan.uid, let uid = Self.uid(read), uid != fixedUID {
            metrics.refused("replaced-since")
            return closeUndo(
                applied,
                .undone,
                "replaced-since",
                "undo of \(applied.action) on \(applied.target) not sent: \(applied.target) now (UID \(uid)) is "
                    + "another object than the one the fix changed (UID \(fixedUID)), deleted and made again "
                    + "since; it is left as it is"
            )
        }
        let departed = ObjectDiff.departures(from: fixed, in: object)
        guard departed.isEmpty else {
            metrics.refused("changed-since")
            let fields = departed.map {
                "\($0.path) is \($0.after ?? "unset") now, the fix set \($0.before ?? "unset")"
            }
            return closeUndo(
                applied,
                .undone,
                "changed-since",
                "undo of \(applied.action) on \(applied.target) not sent: the object changed since the fix ("
                    + fields.joined(separator: "; ") + "); the change made since is left in place"
            )
        }
        // A roll forward's patch comes from the replicasets: planned here and recorded, and the client sends
        // that one or nothing.
        var rollbackPatch: [UInt8]?
        if case .undo(let deployment, let revision) = action {
            do {
                rollbackPatch = try await kube.rollbackPatch(deployment, toRevision: revision)
            } catch {
                return closeUndo(applied, .undone, "undo-failed", "cannot plan the rollback: \(error.description)")
            }
        }
        let request = action.change(dryRun: false, current: object, rollbackPatch: rollbackPatch)
        var undoing = applied
        undoing.step = .undoing
        undoing.time = Timestamp.utcMillis(wallTime())
        undoing.reason = nil
        undoing.message = action.kubectlCommand(dryRun: false)
        undoing.request = Self.exchange(request.preconditioned(.resourceVersion(version)))
        undoing.response = nil
        undoing.resourceVersion = version
        // On record before the claim, as `applying` is before an apply's: a claim on the Lease is never
        // without its audit record, whatever happens between the two.
        guard write(undoing) else { return }
        if let refusal = await claimUndo(applied, action: plan.action) {
            metrics.refused(refusal.reason)
            logger.notice("undo refused", metadata: ["proposal": "\(applied.proposal)", "reason": "\(refusal.reason)"])
            return closeUndo(applied, .refused, refusal.reason, refusal.message)
        }
        var undone = undoing
        undone.step = .undone
        undone.request = nil
        do {
            let done = try await kube.perform(
                action,
                dryRun: false,
                now: Date(timeIntervalSince1970: wallTime()),
                precondition: .resourceVersion(version),
                rollbackPatch: rollbackPatch
            )
            undone.reason = "undone"
            undone.message = done.summary
            undone.response = AuditRecord.Exchange(status: 200, body: Self.text(done.after))
            if let leadership, !(await leadership.confirm()) {
                // Sent (its precondition held), by a replica that no longer leads: on record, as for an apply.
                undone.reason = "lease-lost"
                undone.message = done.summary + " (the remediation lease was lost while undoing)"
            }
        } catch {
            undone.reason = error.isConflict ? "conflict" : "undo-failed"
            undone.message =
                error.isConflict
                ? "\(error.description): the object changed since it was read; the undo is not retried"
                : error.description
            undone.response = AuditRecord.Exchange(status: error.code, body: error.message)
        }
        metrics.count(applied.action, ["undone", "lease-lost"].contains(undone.reason) ? "undone" : "undo-failed")
        undone.time = Timestamp.utcMillis(wallTime())
        _ = write(undone)
        logger.notice("undo", metadata: ["proposal": "\(applied.proposal)", "outcome": "\(undone.reason ?? "")"])
    }

    /// Claims the undo of `applied` on the Lease, as an apply is claimed (its own claim id, so that it
    /// is made once and the guards that span the cluster count it); the refusal when it may not be made,
    /// nil to go ahead (or without leader election).
    private func claimUndo(_ applied: AuditRecord, action: String) async -> Refusal? {
        guard let leadership else { return nil }
        let claim = LeaseClaim(
            proposal: applied.proposal + "#undo",
            action: action,
            namespace: applied.namespace,
            target: applied.target,
            at: wallTime(),
            subject: applied.subject
        )
        switch await leadership.claim(claim) {
        case .held:
            return nil
        case .lost:
            // A replica that applied as leader and has lost the lease since leaves the fix in place for a
            // person (the incident is escalated next).
            return Refusal(
                reason: "not-leader",
                message:
                    "undo of \(applied.action) on \(applied.target) not sent: this replica no longer holds the "
                    + "remediation lease"
            )
        case .alreadyApplied:
            return Refusal(
                reason: "already-undone",
                message:
                    "undo of \(applied.action) on \(applied.target) not sent: a leader undid it already (the "
                    + "remediation lease lists \(claim.proposal))"
            )
        }
    }

    // MARK: - After a crash

    /// Finishes what a crash (or a full disk) cut short after a fix was judged not to help: from
    /// `verified`, the undo (if the playbook says so) and the escalation; from an `undoing` whose answer
    /// never reached the log, its end read from the object (``reconcileUndo(_:giveUp:)``), then the
    /// escalation; from the undo's end, the escalation. No live process is in the middle of these steps:
    /// each takes them within its turn (``RemediationTurn``). An undo is never sent twice, and a resumed one
    /// is sent only within the cooldown of its verdict and with applying on: later, or without
    /// `--allow-apply`, the fix is escalated as it stands.
    func resumeAfterVerdicts() async {
        let now = wallTime()
        for (id, verified) in ledger.unescalated.sorted(by: { $0.value.time < $1.value.time }) {
            let recent = now - (Timestamp.seconds(verified.time) ?? 0) < policy.cooldown
            if let undoing = ledger.undoInFlight[id] {
                guard await reconcileUndo(undoing, giveUp: !recent) else { continue }
            } else if ledger.latest[id]?.step == .verified {
                await undoAndEscalate(verified, mayUndo: policy.allowApply && recent)
                continue
            }
            escalate(verified)
        }
    }

    /// Settles an `undoing` whose answer never reached the log by reading the object: the fields the fix
    /// changed are back at their values before it → `undone`; otherwise → `undone`, reason `undo-failed`,
    /// and it is not sent again (a person decides). False when the object cannot be read, to try again
    /// next round, unless `giveUp`: then `undo-failed` with the read's error.
    private func reconcileUndo(_ undoing: AuditRecord, giveUp: Bool) async -> Bool {
        guard let kube, let path = undoing.request?.path.map(Self.objectPath) else {
            closeUndo(
                undoing,
                .undone,
                "undo-failed",
                "the undo's request is not on record: not known whether it landed"
            )
            return true
        }
        let object: [String: Any]
        do {
            object = KubeClient.object(try await kube.send(KubeRequest(method: "GET", path: path)))
        } catch {
            logger.warning(
                "cannot reconcile the undo",
                metadata: ["proposal": "\(undoing.proposal)", "error": "\(error)"]
            )
            if giveUp {
                closeUndo(undoing, .undone, "undo-failed", "cannot read \(undoing.target): \(error.description)")
            }
            return giveUp
        }
        let reverted = (undoing.changes ?? []).map {
            AuditRecord.Change(path: $0.path, before: $0.after, after: $0.before)
        }
        if Self.landed(reverted, in: object) {
            closeUndo(undoing, .undone, "undone", "the undo is in the object: it was applied before the restart")
        } else {
            closeUndo(
                undoing,
                .undone,
                "undo-failed",
                "the undo is not in the object: it was not applied before the restart, and is not sent again"
            )
        }
        logger.notice("reconciled the undo", metadata: ["proposal": "\(undoing.proposal)"])
        return true
    }

    /// Records the end of an undo that was not sent, or could not be: `step` with `reason` and `message`.
    private func closeUndo(_ applied: AuditRecord, _ step: AuditRecord.Step, _ reason: String, _ message: String) {
        var entry = applied
        entry.step = step
        entry.time = Timestamp.utcMillis(wallTime())
        entry.reason = reason
        entry.message = message
        entry.request = nil
        entry.response = nil
        _ = write(entry)
    }
}
