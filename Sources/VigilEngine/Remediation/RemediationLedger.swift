import VigilKube

/// What the audit log says has happened, folded into what the guards need: the changes made (when, to
/// what), the proposals decided, the ones waiting for a person, the applies whose answer never came, and
/// the fixes that did not help. Rebuilt from the log at start, so cooldowns, rate limits and "never twice"
/// survive a restart.
public struct RemediationLedger: Sendable {
    /// A change that was stored (or reconciled as stored).
    public struct Change: Sendable, Equatable {
        public var record: AuditRecord
        public var at: Double
        /// `at` on the monotonic clock of the process that put the record on, when that is this process;
        /// nil for what it read (the log at start, another process's records, the Lease's claims).
        var monotonicAt: Double? = nil

        /// This change as judged at `wall`, `monotonic` on the clock of ``monotonicAt``: aged by the smaller
        /// of the two clocks' elapsed times. A wall clock stepped forward (an NTP correction of hours on a
        /// node that booted with a bad clock) must not expire at once every cooldown, the rate limit's
        /// window and every verification window of what this process did; one stepped back makes its
        /// changes younger, which errs on the side of waiting.
        func judged(at wall: Double, monotonic: Double) -> Change {
            guard let monotonicAt else { return self }
            var judged = self
            judged.at = max(at, wall - (monotonic - monotonicAt))
            return judged
        }
    }

    /// When this process put a record on: the wall clock and the monotonic clock, read together.
    public struct Witness: Sendable {
        public var wall: Double
        public var monotonic: Double

        public init(wall: Double, monotonic: Double) {
            self.wall = wall
            self.monotonic = monotonic
        }
    }

    public private(set) var changes: [Change] = []
    /// Proposal ids seen in any record.
    public private(set) var known: Set<String> = []
    /// Proposals with a final word: applied, failed, rejected, reconciled.
    public private(set) var settled: Set<String> = []
    /// Waiting for a person, by proposal id: the `pending` record.
    public private(set) var pending: [String: AuditRecord] = [:]
    /// `applying` with no answer yet, by proposal id.
    public private(set) var inFlight: [String: AuditRecord] = [:]
    /// Drains whose last `applying` was followed by an `evicting`: their evictions had begun.
    public private(set) var evictionsBegun: Set<String> = []
    /// Applied, waiting for verification, by proposal id: the `applied` record and when.
    public private(set) var verifying: [String: Change] = [:]
    /// `action target cause` of fixes verified as not helping: never proposed for applying again.
    public private(set) var unhelpful: Set<String> = []
    /// Nodes Vigil cordoned (or drained) and has not uncordoned.
    public private(set) var cordoned: Set<String> = []
    /// Nodes Vigil may have left cordoned: a drain that failed (its cordon comes first), a cordon that
    /// failed with no answer or a 5xx (it may have landed), a cordon whose undo was not sent (the node changed since
    /// the fix, or the undo failed). The guards count them
    /// while they are still unschedulable.
    public private(set) var possiblyCordoned: Set<String> = []
    /// Judged not to help and not yet escalated to a person, by proposal id: the `verified` record.
    public private(set) var unescalated: [String: AuditRecord] = [:]
    /// `undoing` with no end on record yet, by proposal id.
    public private(set) var undoInFlight: [String: AuditRecord] = [:]
    /// Objects whose change was interrupted by a crash: the record that reconciled it as not applied.
    public private(set) var held: [String: Change] = [:]
    /// Each proposal's latest record.
    public private(set) var latest: [String: AuditRecord] = [:]
    /// The incident cause each proposal was made for.
    public private(set) var causes: [String: String] = [:]

    public init(records: [AuditRecord] = []) {
        for record in records { self.record(record) }
    }

    /// What "the same fix for the same trouble" means when a fix did not help.
    static func key(action: String, namespace: String, target: String, cause: String) -> String {
        "\(action) \(namespace)/\(target) \(cause)"
    }

    /// Folds `record` in; `witnessed` when this process put it on record (nil for what it read).
    public mutating func record(_ record: AuditRecord, witnessed: Witness? = nil) {
        let id = record.proposal
        known.insert(id)
        causes[id] = record.cause
        latest[id] = record
        let at = Timestamp.seconds(record.time) ?? 0
        // The record's time on the monotonic clock: the record is put on a moment after its time is read.
        let monotonicAt = witnessed.map { $0.monotonic - ($0.wall - at) }
        func change(_ record: AuditRecord) -> Change { Change(record: record, at: at, monotonicAt: monotonicAt) }
        switch record.step {
        case .pending:
            if !settled.contains(id) { pending[id] = record }
        case .approved:
            pending[id] = nil
        case .rejected:
            pending[id] = nil
            settled.insert(id)
        case .applying:
            pending[id] = nil
            inFlight[id] = record
            evictionsBegun.remove(id)
        case .evicting:
            evictionsBegun.insert(id)
        case .applied:
            inFlight[id] = nil
            settled.insert(id)
            stored(change(record))
        case .reconciled:
            inFlight[id] = nil
            if record.reason == "applied" {
                settled.insert(id)
                stored(change(record))
            } else {
                // Not in the object: decided afresh, but only after the cooldown, by when a request the
                // crashed process left on the wire has surely landed or died (a fresh dry run then sees it).
                held[Self.object(record.namespace, record.target)] = change(record)
            }
        case .failed, .conflict:
            inFlight[id] = nil
            if record.step == .failed {
                settled.insert(id)
                // A drain may have cordoned before it failed; a cordon with no answer, or a 5xx, may have
                // landed.
                if record.action == "drain" || (record.action == "cordon" && Self.mayHaveLanded(record)),
                    let node = Self.node(record.target)
                {
                    possiblyCordoned.insert(node)
                }
                // A change that may have landed counts for the rate limit and the cooldowns, as another
                // leader's claim whose change failed does, and is not verified.
                if Self.mayHaveLanded(record) { changes.append(change(record)) }
            }
        case .verified:
            verifying[id] = nil
            if record.reason != "resolved" {
                unescalated[id] = record
                // For the object changed and for the subject it was changed for (a pod's workload).
                for changed in [record.target, record.subject] {
                    unhelpful.insert(
                        Self.key(
                            action: record.action,
                            namespace: record.namespace,
                            target: changed,
                            cause: record.cause
                        )
                    )
                }
            }
        case .undoing:
            undoInFlight[id] = record
        case .escalated:
            unescalated[id] = nil
        case .undone:
            undoInFlight[id] = nil
            // Sent (or sent with no answer: it may have landed): a change like any other for the rate limit
            // and the cooldowns, under the id its claim on the Lease carries (so another leader's view of
            // that claim is not counted twice).
            if ["undone", "lease-lost"].contains(record.reason)
                || (record.reason == "undo-failed" && Self.mayHaveLanded(record))
            {
                var undo = record
                undo.proposal += "#undo"
                changes.append(change(undo))
            }
            if let node = Self.node(record.target), cordoned.contains(node) || possiblyCordoned.contains(node) {
                cordoned.remove(node)
                // Sent, its precondition held: uncordoned. Changed since the fix (someone uncordoned it),
                // replaced since (the node Vigil cordoned was deleted; one of its name registered again),
                // or cordoned before Vigil's cordon (nothing to undo): not Vigil's cordon now. Otherwise
                // (the undo failed or conflicted) Vigil's cordon may stand.
                if ["undone", "lease-lost", "changed-since", "replaced-since", "cannot-undo"].contains(record.reason) {
                    possiblyCordoned.remove(node)
                } else {
                    possiblyCordoned.insert(node)
                }
            }
        case .refused:
            // After this process's `applying`, the lease could not be confirmed just before the change:
            // nothing was sent. Any other refusal leaves an `applying` in flight (a crash's, awaiting
            // reconciliation) where it is: only reading the object may settle it.
            if record.reason == "lease-lost" { inFlight[id] = nil }
            // An undo refused before it was sent has ended.
            undoInFlight[id] = nil
        case .proposed, .dryRun:
            break
        }
    }

    private mutating func stored(_ change: Change) {
        changes.append(change)
        verifying[change.record.proposal] = change
        if let node = Self.cordonedNode(change.record.action, change.record.target) { cordoned.insert(node) }
    }

    /// This ledger as judged at `wall`, `monotonic` on this process's monotonic clock: every change this
    /// process witnessed aged by the smaller of the two clocks (``Change/judged(at:monotonic:)``), for the
    /// guards and the verification windows.
    func judged(at wall: Double, monotonic: Double) -> RemediationLedger {
        var ledger = self
        ledger.changes = changes.map { $0.judged(at: wall, monotonic: monotonic) }
        ledger.verifying = verifying.mapValues { $0.judged(at: wall, monotonic: monotonic) }
        ledger.held = held.mapValues { $0.judged(at: wall, monotonic: monotonic) }
        return ledger
    }

    /// Whether a change recorded as failed may still have landed: its status is 0, no answer from the
    /// server (a timeout, a connection reset; a drain that gave up after some evictions), or a refusal
    /// before sending that the dry run had not met (the object or the cluster changed in between); or a
    /// 5xx, an answer that says nothing of the store (a 504 "request did not complete within requested
    /// timeout", a 500 from etcd's timeout: the write may be committed all the same). A 4xx was refused.
    static func mayHaveLanded(_ failed: AuditRecord) -> Bool {
        guard let status = failed.response?.status else { return false }
        return status == 0 || status >= 500
    }

    /// The node's name, for a target that is a node (`node/NAME`).
    /// The node `action` on `target` cordons: a cordon's or a drain's (which cordons first).
    private static func cordonedNode(_ action: String, _ target: String) -> String? {
        ["cordon", "drain"].contains(action) ? node(target) : nil
    }

    private static func node(_ target: String) -> String? {
        target.hasPrefix("node/") ? String(target.dropFirst(5)) : nil
    }

    /// This ledger with the changes other leaders claimed on the Lease (those this log does not hold)
    /// among its changes, for the guards that span the cluster: the rate limit, the cooldowns and the
    /// rollback interval then count what any replica did, and so does the cap on nodes cordoned (a node a
    /// claim cordoned or drained counts while it is unschedulable). A claim whose change then failed counts
    /// too, which errs on the side of doing less. Verification and "never twice" stay this replica's own.
    func including(_ claims: [LeaseClaim]) -> RemediationLedger {
        let known = Set(changes.map(\.record.proposal))
        let others = claims.filter { !known.contains($0.proposal) }
        guard !others.isEmpty else { return self }
        var ledger = self
        for claim in others {
            let record = AuditRecord(
                time: Timestamp.utcMillis(claim.at),
                step: .applied,
                proposal: claim.proposal,
                incident: "",
                subject: claim.subject ?? claim.target,
                cause: "",
                action: claim.action,
                target: claim.target,
                namespace: claim.namespace,
                actor: "leader"
            )
            ledger.changes.append(Change(record: record, at: claim.at))
            if let node = Self.cordonedNode(claim.action, claim.target) {
                ledger.possiblyCordoned.insert(node)
            }
        }
        ledger.changes.sort { $0.at < $1.at }
        return ledger
    }

    /// The latest change by `action` made for the incident subject `subject` in `namespace`, if any.
    func lastChange(action: String, for subject: String, namespace: String) -> Change? {
        changes.last { $0.record.action == action && $0.record.subject == subject && $0.record.namespace == namespace }
    }

    /// The latest change to `target` in `namespace`, if any.
    func lastChange(to target: String, namespace: String) -> Change? {
        changes.last { $0.record.target == target && $0.record.namespace == namespace }
    }

    /// When `target` was last touched: changed, or held after an interrupted change.
    func lastTouched(_ target: String, namespace: String) -> Double? {
        let changed = lastChange(to: target, namespace: namespace)?.at
        let held = held[Self.object(namespace, target)]?.at
        return [changed, held].compactMap { $0 }.max()
    }

    private static func object(_ namespace: String, _ target: String) -> String { "\(namespace)/\(target)" }
}
