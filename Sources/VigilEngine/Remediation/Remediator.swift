import CoreMetrics
import Foundation
import Logging
import VigilKube
import VigilRules
import VigilYAML

/// The acting half: takes each round's incidents and walks every proposal through its level of autonomy
/// — propose (a dry run and its diff, nothing changed in the cluster), approve (wait for a person), apply (every guard,
/// then the change conditioned on the object as read) — then verifies applied fixes and, where the
/// playbook says so, undoes them. Every step is appended to the audit log before the next is taken;
/// when the log cannot be written, nothing is applied.
public actor Remediator {
    public let policy: RemediationPolicy
    private let audit: AuditLog?
    /// With a log: the turn this process takes, against others sharing its state directory, for each
    /// round, approval and rejection.
    private let turn: RemediationTurn?
    /// How long a round, approval or rejection waits for another process's turn before giving up, and how
    /// it waits.
    private let turnWait: Duration
    private let sleep: @Sendable (Duration) async -> Void
    /// Whether rounds judge applied fixes against their incidents (``verify(_:)``) and take the steps
    /// after a verdict (``resumeAfterVerdicts()``).
    private let verifying: Bool
    /// Lines of the log that could not be read at start (`path:line: …`), for the caller to report.
    public nonisolated let skippedLines: [String]
    /// The records the log held at start.
    public nonisolated let recordsAtStart: Int
    let kube: KubeClient?
    /// Who may apply: only the remediation lease's holder (every daemon with `--allow-apply`, and
    /// `vigil diagnose --apply` where it found a Lease); nil: this process alone (`--no-lease`, or no Lease).
    let leadership: (any RemediationLeadership)?
    /// With several replicas, how proposals reach the leader (see `Remediator+Handover.swift`).
    let handover: (any ProposalHandover)?
    /// The proposals this replica handed to the leader and has not taken back.
    var handedOver: Set<String> = []
    /// Whether the board was read for what an earlier run of this replica handed over.
    var handoverReadSinceStart = false
    let logger: Logger
    let wallTime: @Sendable () -> Double
    /// Seconds on a clock no one steps (``BoardSighting``'s yardstick), from any origin.
    let monotonicTime: @Sendable () -> Double
    private(set) var ledger: RemediationLedger
    /// The latest proposals by id, with their incidents: what `approve` acts on.
    var current: [String: (proposal: Proposal, incident: Incident)] = [:]
    /// The cluster as the latest round saw it (approvals are guarded against it).
    private(set) var lastCluster = ClusterModel()
    /// Dry runs already made, by proposal id (a proposal recurs every round), with the command each was
    /// made of: a later round can make the same proposal afresh with other values.
    private var dryRuns: [String: (kubectl: String, dryRun: DryRun)] = [:]
    private var auditWritable = true
    /// The reason each proposal was last refused for, with the request whose dry run it followed, if any
    /// (``refuse(_:_:_:after:)``): recorded refusals only.
    private var lastRefusal: [String: String] = [:]
    /// Why each proposal could last not be handed over (each said once, until it changes or is handed).
    var handoverTrouble: [String: String] = [:]
    /// The verdicts whose undo waits for this replica to hold the remediation lease again (logged once).
    var undosAwaitingLease: Set<String> = []
    /// The proposals of the latest round that came from other replicas through the board (their
    /// applies are marked `handed_over`; an approval between rounds acts on this round's).
    private var fromBoard: [String: Playbook.ActionTemplate] = [:]
    /// Whether this round read the board (only a leader does): what a handed-over fix is judged on.
    var boardRead = false
    /// The board's entries this round left waiting for a proposer's refresh (``BoardSighting``): a fix
    /// applied for one is not judged this round.
    var boardWaiting: Set<String> = []
    /// How this replica, leading, has seen each entry on the board (``BoardSighting``), by proposal id:
    /// only the entries of the latest read, so at most the board's.
    var boardSightings: [String: BoardSighting] = [:]
    /// Rounds and approvals run one at a time (``exclusively(otherwise:_:)``).
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    let metrics: RemediationMetrics

    /// - Parameters:
    ///   - audit: the log, read whole here so that the guards remember across restarts; without one
    ///     nothing is ever applied (proposals and dry runs only).
    ///   - kube: the cluster; without one there are no dry runs and nothing is applied.
    ///   - turnWait: how long a round or approval waits while another process sharing the state directory
    ///     has its turn (``RemediationTurn``) before it gives up; `sleep` is how it waits between tries.
    ///   - verifying: whether rounds judge applied fixes against their incidents, and undo and escalate
    ///     what did not help. Only a process that sees every incident as it goes (the daemon) may:
    ///     `vigil diagnose --apply` may see one namespace, one workload or a recording, where every fix
    ///     outside them would look resolved, and its person agreed to the fixes it offered, not to undos.
    ///   - metrics: where its metrics are counted (``RemediationMetrics``): the process's backend, or a test's.
    public init(
        policy: RemediationPolicy,
        audit: AuditLog?,
        kube: KubeClient?,
        leadership: (any RemediationLeadership)? = nil,
        handover: (any ProposalHandover)? = nil,
        logger: Logger,
        wallTime: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        monotonicTime: @escaping @Sendable () -> Double = Remediator.monotonicSeconds(),
        turnWait: Duration = .seconds(60),
        sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) },
        verifying: Bool = true,
        metrics: any MetricsFactory = MetricsSystem.factory
    ) throws(AuditLog.Failure) {
        self.metrics = RemediationMetrics(factory: metrics)
        self.policy = policy
        self.leadership = leadership
        self.handover = handover
        self.audit = audit
        self.kube = kube
        self.logger = logger
        self.wallTime = wallTime
        self.monotonicTime = monotonicTime
        self.turnWait = turnWait
        self.sleep = sleep
        self.verifying = verifying
        let read = try audit?.readNew()
        turn = try audit.map { log throws(AuditLog.Failure) in try RemediationTurn(beside: log.path) }
        skippedLines = read?.problems ?? []
        recordsAtStart = read?.records.count ?? 0
        ledger = RemediationLedger(records: read?.records ?? [])
        self.metrics.pending.record(ledger.pending.count)
    }

    /// Seconds since the call, on the continuous clock: a step of the wall clock does not move it.
    public static func monotonicSeconds() -> @Sendable () -> Double {
        let start = ContinuousClock.now
        return {
            let elapsed = (ContinuousClock.now - start).components
            return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
        }
    }

    /// Proposals waiting for a person, oldest first.
    public var pending: [AuditRecord] { ledger.pending.values.sorted { $0.time < $1.time } }

    /// The proposal with `id` as last diagnosed (with its dry run), and its incident.
    public func proposal(id: String) -> (proposal: Proposal, incident: Incident)? { current[id] }

    /// Every proposal of the latest round, with dry runs filled in.
    public var proposals: [(proposal: Proposal, incident: Incident)] {
        current.values.sorted { $0.proposal.id < $1.proposal.id }
    }

    // MARK: - Each round

    /// One round: settle applies a crash interrupted, verify applied fixes against `incidents`, then take
    /// each incident's proposals as far as their autonomy allows. Returns the incidents with each
    /// proposal's dry run filled in. `playbooks` are the ones this replica diagnoses with: the leader
    /// takes a proposal another replica handed over only as one of them makes it (none: every handed
    /// proposal is refused).
    @discardableResult
    public func round(_ incidents: [Incident], cluster: ClusterModel, playbooks: [Playbook] = []) async -> [Incident] {
        await exclusively(otherwise: withKnownDryRuns(incidents)) {
            await self.unlockedRound(incidents, cluster: cluster, playbooks: playbooks)
        }
    }

    /// `incidents` with each proposal's dry run as last made: what a round that cannot take its turn
    /// shows, rather than proposals that seem never to have been tried.
    private func withKnownDryRuns(_ incidents: [Incident]) -> [Incident] {
        incidents.map { incident in
            var incident = incident
            for slot in incident.proposals.indices {
                let proposal = incident.proposals[slot]
                incident.proposals[slot].dryRun = knownDryRun(of: proposal) ?? proposal.dryRun
            }
            return incident
        }
    }

    /// Runs `body` alone, in this process and in every process sharing the state directory, after folding
    /// in what the others appended to the log: an actor lets another call in at every `await`, and two
    /// rounds (the timer's and a webhook's, or the daemon's and `vigil diagnose --apply`'s) or a round and
    /// an approval interleaved could each pass the rate limit or the node cap before either recorded its
    /// change. `otherwise` when the turn cannot be had (or the log read) within ``turnWait``.
    private func exclusively<T: Sendable>(otherwise: T, _ body: @Sendable () async -> T) async -> T {
        while busy { await withCheckedContinuation { waiting.append($0) } }
        busy = true
        let result: T
        if await takeTurn() {
            result = catchUp() ? await body() : otherwise
            turn?.end()
        } else {
            result = otherwise
        }
        busy = false
        if !waiting.isEmpty { waiting.removeFirst().resume() }
        return result
    }

    /// Takes this process's turn at the state directory, waiting up to ``turnWait`` for another's to end.
    private func takeTurn() async -> Bool {
        guard let turn else { return true }
        let step = Duration.milliseconds(250)
        var waited = Duration.zero
        while true {
            do {
                if try turn.take() { return true }
            } catch {
                logger.error(
                    "cannot take the state directory's remediation turn: nothing dry-run, applied or verified this time",
                    metadata: ["error": "\(error)"]
                )
                metrics.missedTurn("lock-failed")
                return false
            }
            guard waited < turnWait else {
                logger.warning(
                    "another vigil process kept its remediation turn: nothing dry-run, applied or verified this time",
                    metadata: ["lock": "\(turn.path)", "waited": "\(waited.logText)"]
                )
                metrics.missedTurn("busy")
                return false
            }
            if waited == .zero {
                logger.notice(
                    "waiting for another vigil process's remediation turn",
                    metadata: ["lock": "\(turn.path)"]
                )
            }
            await sleep(step)
            waited += step
        }
    }

    /// Folds in what other processes sharing the log appended since this one last read it. False when the
    /// log cannot be read: the guards would judge without them.
    private func catchUp() -> Bool {
        guard let audit else { return true }
        do {
            let read = try audit.readNew()
            for problem in read.problems { logger.warning("audit log line skipped", metadata: ["line": "\(problem)"]) }
            for record in read.records { ledger.record(record) }
            metrics.pending.record(ledger.pending.count)
            if !read.records.isEmpty {
                logger.info("records another vigil process appended", metadata: ["records": "\(read.records.count)"])
            }
            return true
        } catch {
            logger.error(
                "cannot read the audit log: nothing dry-run, applied or verified this time",
                metadata: ["error": "\(error)"]
            )
            metrics.missedTurn("log-unreadable")
            return false
        }
    }

    private func unlockedRound(
        _ incidents: [Incident],
        cluster: ClusterModel,
        playbooks: [Playbook]
    ) async
        -> [Incident]
    {
        lastCluster = cluster
        await reconcile()
        if verifying { await resumeAfterVerdicts() }
        // The leader verifies what it applied for other replicas against their incidents too: a handed
        // proposal's entry stays on the board while a proposer still sees the incident and refreshes it.
        // Board unread: no verdict this round rather than a false "resolved".
        let handed = await proposalsHandedToThisLeader(playbooks: playbooks)
        // A fix applied for another replica's incident is judged on the board alone: a replica that did
        // not read it this round (it no longer leads, or restarted as a follower) gives such a fix no verdict.
        // Its own fixes are judged whether or not the board could be read (a 403 on its ConfigMap).
        if verifying { await verify(incidents + (handed ?? []).map(\.incident)) }
        fromBoard = [:]
        var answered = incidents
        current = [:]
        for (index, incident) in incidents.enumerated() {
            for (slot, proposal) in incident.proposals.enumerated() {
                let checked = await consider(proposal, incident, cluster: cluster)
                answered[index].proposals[slot] = checked
                current[checked.id] = (checked, incident)
            }
        }
        for entry in handed ?? [] where current[entry.proposal.id] == nil {
            let (proposal, incident) = (entry.proposal, entry.incident)
            fromBoard[proposal.id] = entry.template
            current[proposal.id] = (await consider(proposal, incident, cluster: cluster), incident)
        }
        await reconcileHandedOver(seen: Set(incidents.flatMap { $0.proposals.map(\.id) }))
        // What is kept of each proposal, for this round's only: a daemon sees a new proposal id with every
        // incident, and one that comes back is dry-run against the object as it is then.
        dryRuns = dryRuns.filter { current[$0.key] != nil }
        lastRefusal = lastRefusal.filter { current[$0.key] != nil }
        handoverTrouble = handoverTrouble.filter { current[$0.key] != nil }
        return answered
    }

    private func consider(_ proposal: Proposal, _ incident: Incident, cluster: ClusterModel) async -> Proposal {
        var proposal = proposal
        let level = policy.autonomy(for: proposal.autonomy, namespace: proposal.namespace)
        if !ledger.known.contains(proposal.id) {
            guard write(record(.proposed, proposal, incident, actor: "vigil") { $0.message = proposal.kubectl })
            else { return proposal }
            logger.info(
                "proposed",
                metadata: [
                    "proposal": "\(proposal.id)", "incident": "\(incident.id)", "kubectl": "\(proposal.kubectl)",
                    "autonomy": "\(level.rawValue)",
                ]
            )
        }
        guard level != .explain else { return proposal }
        // Decided (applied, rejected, reconciled): nothing more is sent for it, not even a dry run.
        guard !ledger.settled.contains(proposal.id) else {
            proposal.dryRun = knownDryRun(of: proposal)
            return proposal
        }
        if level == .apply {
            // Applying makes its own, fresh dry run.
            _ = await apply(proposal, incident, actor: "vigil", cluster: cluster)
            proposal.dryRun = knownDryRun(of: proposal)
            return proposal
        }
        if let known = conclusiveDryRun(of: proposal) {
            proposal.dryRun = known
        } else if let (dryRun, _) = await dryRun(proposal, incident, actor: "vigil") {
            proposal.dryRun = dryRun
        }
        switch level {
        case .explain, .propose:
            break
        case .approve:
            if ledger.pending[proposal.id] == nil, proposal.dryRun?.isAccepted == true {
                if write(record(.pending, proposal, incident, actor: "vigil")) {
                    logger.notice("awaiting approval", metadata: ["proposal": "\(proposal.id)"])
                }
            }
        case .apply:
            break
        }
        return proposal
    }

    /// The dry run last made of `proposal`'s request, if it is still the request (one made afresh with
    /// other values, a memory limit from a limit raised since, is dry-run afresh): what is shown.
    private func knownDryRun(of proposal: Proposal) -> DryRun? {
        dryRuns[proposal.id].flatMap { $0.kubectl == proposal.kubectl ? $0.dryRun : nil }
    }

    /// The known dry run that stands for the request, so that none is sent again: not one the cluster
    /// never answered, or answered busy or failing (a blip would otherwise keep an approval-level proposal
    /// from ever being pending).
    private func conclusiveDryRun(of proposal: Proposal) -> DryRun? {
        knownDryRun(of: proposal).flatMap { $0.isConclusive ? $0 : nil }
    }

    // MARK: - People

    /// A person approves a current proposal whose level is `approve` (or `apply`): recorded, then applied
    /// under every guard. `seen`: the kubectl command the person was shown; a proposal a later round made
    /// afresh with other values (a memory limit from a limit changed since) is not what they approved.
    /// `cluster`: nil for the latest round's, as it stands when the approval's turn comes (a round may
    /// run while the approval waits).
    public func approve(
        _ id: String,
        by user: String,
        cluster: ClusterModel?,
        seen: String? = nil
    ) async -> Result<String, Refusal> {
        await exclusively(otherwise: .failure(Self.busy)) {
            await self.unlockedApprove(id, by: user, cluster: cluster, seen: seen)
        }
    }

    private func unlockedApprove(
        _ id: String,
        by user: String,
        cluster: ClusterModel?,
        seen: String?
    ) async -> Result<String, Refusal> {
        let cluster = cluster ?? lastCluster
        guard let (proposal, incident) = current[id] else {
            return .failure(
                Refusal(reason: "unknown-proposal", message: "no open incident proposes \(id) now; nothing to approve")
            )
        }
        guard !ledger.settled.contains(id) else {
            return .failure(Refusal(reason: "already-decided", message: "proposal \(id) was already decided"))
        }
        let level = policy.autonomy(for: proposal.autonomy, namespace: proposal.namespace)
        guard level == .approve || level == .apply else {
            return refuseApproval(
                proposal,
                incident,
                by: user,
                Refusal(
                    reason: "autonomy",
                    message:
                        "proposal \(id) is at level \(level.rawValue): only approve and apply proposals are applied"
                )
            )
        }
        if let seen, seen != proposal.kubectl {
            return refuseApproval(
                proposal,
                incident,
                by: user,
                Refusal(
                    reason: "changed",
                    message:
                        "proposal \(id) has changed since it was shown: it is now `\(proposal.kubectl)`, not `\(seen)`; "
                        + "nothing was applied — approve it again as it is now if you agree"
                )
            )
        }
        guard write(record(.approved, proposal, incident, actor: "user:\(user)")) else {
            return unrecorded()
        }
        // A person's decision: what follows it is news, whatever the rounds before it were refused for.
        lastRefusal[id] = nil
        return await apply(proposal, incident, actor: "user:\(user)", cluster: cluster)
    }

    /// A person's approval refused for what the proposal is now (its level, its command): on record under
    /// their name and counted, as the daemon's refusals are, so that the log tells who approved what and
    /// why nothing was applied. (An approval of an unknown or decided proposal adds nothing to its story.)
    private func refuseApproval(
        _ proposal: Proposal,
        _ incident: Incident,
        by user: String,
        _ refusal: Refusal
    ) -> Result<String, Refusal> {
        let refused = record(.refused, proposal, incident, actor: "user:\(user)") {
            $0.reason = refusal.reason
            $0.message = refusal.message
        }
        // Nothing was to be applied either way: the person is told why, whether or not the log took it.
        if !write(refused) { logger.warning("approval refusal not recorded", metadata: ["proposal": "\(proposal.id)"]) }
        metrics.refused(refusal.reason)
        logger.notice(
            "approval refused",
            metadata: [
                "proposal": "\(proposal.id)", "by": "\(user)", "reason": "\(refusal.reason)",
                "why": "\(refusal.message)",
            ]
        )
        return .failure(refusal)
    }

    /// A person rejects a proposal: it is never applied (the same fix of the same incident has the same id).
    /// In a turn, like an approval: another process sharing the log may have applied it since.
    public func reject(_ id: String, by user: String, reason: String?) async -> Result<String, Refusal> {
        await exclusively(otherwise: .failure(Self.busy)) { await self.unlockedReject(id, by: user, reason: reason) }
    }

    private func unlockedReject(_ id: String, by user: String, reason: String?) -> Result<String, Refusal> {
        guard let (proposal, incident) = current[id] else {
            return .failure(Refusal(reason: "unknown-proposal", message: "no open incident proposes \(id) now"))
        }
        guard !ledger.settled.contains(id) else {
            return .failure(Refusal(reason: "already-decided", message: "proposal \(id) was already decided"))
        }
        guard write(record(.rejected, proposal, incident, actor: "user:\(user)") { $0.message = reason }) else {
            return unrecorded()
        }
        return .success("proposal \(id) rejected")
    }

    // MARK: - Dry run and apply

    /// Sends the proposal as a server-side dry run and records the answer with the diff. Nil without a
    /// cluster, for a proposal with no request of its own, or when the record could not be written.
    private func dryRun(_ proposal: Proposal, _ incident: Incident, actor: String) async -> (DryRun, ActionOutcome?)? {
        guard let kube, let action = proposal.kubeAction else { return nil }
        let (dryRun, outcome, entry) = await sendDryRun(proposal, action, incident, kube: kube, actor: actor)
        // A cluster still out of reach, busy or failing the same way is no news: one record for the
        // trouble, and a fresh try each round.
        if !dryRun.isConclusive, let known = knownDryRun(of: proposal), !known.isConclusive,
            known.refusalLabel == dryRun.refusalLabel
        {
            return (dryRun, outcome)
        }
        guard write(entry) else { return nil }
        keep(dryRun, of: proposal)
        return (dryRun, outcome)
    }

    /// Keeps a dry run as made of `proposal`'s request — once it is on record only: one that could not be
    /// written is sent again next round, so that nothing stands on a dry run the log never held.
    private func keep(_ dryRun: DryRun, of proposal: Proposal) {
        dryRuns[proposal.id] = (proposal.kubectl, dryRun)
    }

    /// Sends `action`, `proposal`'s request, as a server-side dry run; the answer with the diff is its
    /// record, left to the caller to write.
    private func sendDryRun(
        _ proposal: Proposal,
        _ action: KubeAction,
        _ incident: Incident,
        kube: KubeClient,
        actor: String,
        at now: Double? = nil
    ) async -> (DryRun, ActionOutcome?, AuditRecord) {
        // An apply's dry run carries the change's own time, so a restart's stamp is the same in both
        // (a crash between them is reconciled by comparing the object with the dry run's fields).
        let now = now ?? wallTime()
        var entry = record(.dryRun, proposal, incident, actor: actor)
        let answer = await DryRunAnswer(
            action,
            kube: kube,
            now: Date(timeIntervalSince1970: now),
            protectedNamespace: policy.namespaceRefusal
        )
        entry.reason = answer.dryRun.reason
        entry.message = answer.message
        if let outcome = answer.outcome {
            entry.changes = answer.changes
            entry.resourceVersion = Self.resourceVersion(outcome.before)
        }
        if let error = answer.error { entry.response = AuditRecord.Exchange(status: error.code, body: error.message) }
        return (answer.dryRun, answer.outcome, entry)
    }

    /// For a memory fix, the highest limit the round's model shows for its container on the pods of the
    /// workload the request changes (never the subject an entry names: anyone who may write the board
    /// could name another workload whose pods run with more).
    private static func podMemoryLimit(_ action: KubeAction, _ cluster: ClusterModel) -> Double? {
        guard case .setResources(let object, let container, _, _) = action else { return nil }
        let workload = Subject(kind: object.resource.rawValue, namespace: object.namespace, name: object.name)
        return ProposalBuilder(cluster: cluster).podMemoryLimit(of: workload, container: container)
    }

    /// Whether a drain may evict `pods` now, after its cordon (nil), or why not. The evictions go on
    /// record first. The Lease, confirmed before the claim, is confirmed again: the cordon and the
    /// drain's listing took time, and a replica that lost the Lease meanwhile must not evict.
    private func mayEvict(_ pods: [String], _ proposal: Proposal, _ incident: Incident, actor: String) async -> String?
    {
        if let leadership, !(await leadership.confirm()) {
            return
                "the remediation lease could not be confirmed after the cordon (another replica holds it, or it could not be read)"
        }
        var entry = record(.evicting, proposal, incident, actor: actor)
        entry.message = pods.map { "evicting pod \($0)" }.joined(separator: "\n")
        return write(entry) ? nil : "the evictions could not be put on record before they were sent"
    }

    /// Applies `proposal` if every guard holds: a fresh dry run, the guards, `applying` on record, the
    /// change conditioned on the resourceVersion the dry run read, the answer on record. Returns kubectl's
    /// line for what was done, or the refusal.
    private func apply(
        _ proposal: Proposal,
        _ incident: Incident,
        actor: String,
        cluster: ClusterModel
    ) async -> Result<String, Refusal> {
        guard audit != nil else { return refuse(proposal, incident, unwritable()) }
        guard let kube, let action = proposal.kubeAction else {
            return refuse(
                proposal,
                incident,
                Refusal(reason: "no-cluster", message: "no cluster connection to apply \(proposal.action) with")
            )
        }
        if let leadership {
            guard await leadership.isLeader else {
                let handed = await handOver(proposal, incident)
                return refuse(
                    proposal,
                    incident,
                    Refusal(
                        reason: "not-leader",
                        message:
                            "this replica does not hold the remediation lease (another Vigil holds it, or it cannot be "
                            + "reached: the log says why); only its holder applies" + handed
                    )
                )
            }
            if await leadership.wasApplied(proposal.id) {
                return refuse(proposal, incident, Self.appliedElsewhere)
            }
        }
        // The guards first, so that a refused proposal costs no request; the one guard that needs the
        // object (a restart's strategy) after the dry run has read it.
        // The rate limit and the cooldowns count what every leader did, as the Lease's claims say.
        let claims = await leadership?.recentClaims ?? []
        let now = wallTime()
        let guarded = ledger.judged(at: now, monotonic: monotonicTime()).including(claims)
        let model = Guardrails.Nodes(cluster.nodes.values)
        let guards = Guardrails(policy: policy)
        let subject = "\(incident.subject)"
        if let refusal = guards.refusal(proposal, subject: subject, ledger: guarded, nodes: model, now: now) {
            return refuse(proposal, incident, refusal)
        }
        let (dryRun, outcome, dryRunRecord) = await sendDryRun(
            proposal,
            action,
            incident,
            kube: kube,
            actor: actor,
            at: now
        )
        // Every refusal from here on follows the dry run, whose record goes on before the refusal's.
        func refuseAfterDryRun(_ refusal: Refusal) -> Result<String, Refusal> {
            refuse(proposal, incident, refusal, after: (dryRunRecord, dryRun))
        }
        guard dryRun.isAccepted, let outcome else {
            // Three reasons, so that a busy server neither counts as one refusing the change nor hides,
            // under the same reason, the refusal that may follow it.
            let refusal =
                if dryRun.isUnanswered {
                    Refusal(
                        reason: "dry-run-unanswered",
                        message: "the cluster did not answer the dry run: \(dryRun.outcome)"
                    )
                } else if !dryRun.isConclusive {
                    Refusal(
                        reason: "dry-run-inconclusive",
                        message: "the server answered the dry run busy or failing: \(dryRun.outcome)"
                    )
                } else {
                    Refusal(reason: "dry-run-refused", message: "the server refused the dry run: \(dryRun.outcome)")
                }
            return refuseAfterDryRun(refusal)
        }
        let before = KubeClient.object(outcome.before)
        if let template = fromBoard[proposal.id],
            let why = HandedProposal.currentValueRefusal(
                action,
                current: before,
                podMemoryLimit: Self.podMemoryLimit(action, cluster),
                template: template
            )
        {
            // Off the board too, as an entry refused before its dry run is: its proposer pins a fresh one
            // (once its dry run and refusal are on record).
            let refused = refuseAfterDryRun(
                Refusal(reason: "untrusted-handover", message: "the entry handed over is not applied: \(why)")
            )
            await handover?.discard([proposal.id])
            return refused
        }
        // A playbook only raises; a raise made from a model older than the object (someone scaled up or
        // raised the limit since) would lower it. The next round proposes afresh from the object as it is.
        if let why = RaisedValue(action, current: before, podMemoryLimit: Self.podMemoryLimit(action, cluster))?
            .lowering
        {
            return refuseAfterDryRun(
                Refusal(
                    reason: "not-a-raise",
                    message: "\(proposal.target) is not changed: \(why); the proposal was made from an older view of it"
                )
            )
        }
        if let rollout = Self.rollout(action, of: before), let all = Guardrails.restartsEveryReplica(before) {
            return refuseAfterDryRun(
                Refusal(reason: "blast-radius", message: "\(rollout) \(proposal.target) \(all)")
            )
        }
        // A cordon or drain is judged again on the nodes as the API server has them now, after its dry run
        // (a drain's may wait minutes on disruption budgets): the round's model may lag (a watch), be a
        // snapshot taken before a person answered, or be a recording.
        if Guardrails.cordons(proposal) {
            let nodes: Guardrails.Nodes
            do {
                nodes = try await Self.nodes(from: kube)
            } catch {
                let why = "the nodes could not be read to count the cordoned ones: \(error.description)"
                return refuseAfterDryRun(Refusal(reason: "blast-radius", message: why))
            }
            if let refusal = guards.refusal(proposal, subject: subject, ledger: guarded, nodes: nodes, now: now) {
                return refuseAfterDryRun(refusal)
            }
        }
        let resourceVersion = Self.resourceVersion(outcome.before)
        // A delete reads nothing first: it is conditioned on the UID of the object its dry run answered
        // with, so a pod made again under the same name since (a StatefulSet's) is not deleted. That pod
        // must be the one diagnosed: the round's model may be minutes old (a snapshot a person answered).
        let precondition: KubePrecondition?
        if case .delete(let object) = action {
            guard let uid = Self.uid(outcome.after) else {
                return refuseAfterDryRun(
                    Refusal(
                        reason: "dry-run-refused",
                        message: "the dry run named no UID to condition the delete on: not sent unconditioned"
                    )
                )
            }
            let carried = proposal.parameters["uid"].flatMap { $0.isEmpty ? nil : $0 }
            let diagnosed = carried ?? cluster.pods["\(object.namespace)/\(object.name)"]?.uid
            if let replaced = Self.replacement(of: object, uid: uid, diagnosed: diagnosed) {
                // A board entry keeps the UID it was pinned with: off the board, so that its proposer pins
                // it afresh from the pod there now, as an entry refused before its dry run is.
                let refused = refuseAfterDryRun(Refusal(reason: "replaced", message: replaced))
                if fromBoard[proposal.id] != nil { await handover?.discard([proposal.id]) }
                return refused
            }
            precondition = .uid(uid)
        } else {
            precondition = resourceVersion.map(KubePrecondition.resourceVersion)
        }
        // Every guard has held: a refusal of it next time is news again.
        guard write(dryRunRecord) else { return unrecorded() }
        keep(dryRun, of: proposal)
        lastRefusal[proposal.id] = nil
        // The change's time, read once: its `applying` record's and its claim's on the Lease.
        let changing = wallTime()
        var applying = record(.applying, proposal, incident, actor: actor)
        applying.time = Timestamp.utcMillis(changing)
        // A rollback's patch comes from the replicasets: the one its dry run checked is recorded, and the
        // client sends that one or nothing (other actions have none, and the client reads it for no other).
        let rollbackPatch = outcome.rollbackPatch
        var request = action.change(
            dryRun: false,
            now: Date(timeIntervalSince1970: now),
            current: before,
            rollbackPatch: rollbackPatch
        )
        if let precondition { request = request.preconditioned(precondition) }
        applying.request = Self.exchange(request)
        applying.resourceVersion = resourceVersion
        applying.changes = dryRun.changes.map { AuditRecord.Change(path: $0.path, before: $0.before, after: $0.after) }
        applying.verifyWithin = proposal.verify.within
        applying.undoWhen = proposal.verify.undo.rawValue
        applying.handedOver = fromBoard[proposal.id] != nil ? true : nil
        applying.undo = UndoPlan.plan(for: action, before: before)
        applying.severity = incident.severity.description
        guard write(applying) else { return unrecorded() }
        logger.notice(
            "applying",
            metadata: ["proposal": "\(proposal.id)", "actor": "\(actor)", "kubectl": "\(proposal.kubectl)"]
        )
        var answer = applying
        answer.request = nil
        // Leader election does not fence: ask the server once more, just before the change, and claim the
        // proposal on the lease so that no other leader makes it again.
        let claim = LeaseClaim(
            proposal: proposal.id,
            action: proposal.action,
            namespace: proposal.namespace,
            target: proposal.target,
            // The change's start, as its `applying` record's: the guards' reading came before the dry run,
            // which may take minutes (a drain's). The other replicas' cooldowns and rate limit count from
            // it; this replica's own ledger counts from the `applied` answer, a little later.
            at: changing,
            subject: applying.subject
        )
        let check = await leadership?.claim(claim) ?? .held
        if check == .alreadyApplied {
            // `failed` closes the `applying` above and settles the proposal: it is never sent from here.
            answer.step = .failed
            answer.time = Timestamp.utcMillis(wallTime())
            answer.reason = Self.appliedElsewhere.reason
            answer.message = Self.appliedElsewhere.message
            lastRefusal[proposal.id] = answer.reason
            _ = write(answer)
            return .failure(Self.appliedElsewhere)
        }
        if check == .lost {
            // Refused, not failed: the proposal is not settled. Next round a follower hands it to the
            // leader through the board, and a leader that only could not read the lease tries again.
            answer.step = .refused
            answer.time = Timestamp.utcMillis(wallTime())
            answer.reason = "lease-lost"
            answer.message =
                "the remediation lease could not be confirmed just before the change (another replica holds it, "
                + "or it could not be read); nothing was changed, and the proposal is decided afresh next round"
            metrics.refused("lease-lost")
            dryRuns[proposal.id] = nil
            lastRefusal[proposal.id] = nil
            _ = write(answer)
            logger.warning("lease lost before applying; not applied", metadata: ["proposal": "\(proposal.id)"])
            return .failure(Refusal(reason: "lease-lost", message: answer.message ?? ""))
        }
        do {
            let done = try await kube.perform(
                action,
                dryRun: false,
                now: Date(timeIntervalSince1970: now),
                precondition: precondition,
                rollbackPatch: rollbackPatch,
                beforeEvicting: { pods in await self.mayEvict(pods, proposal, incident, actor: actor) },
                protectedNamespace: policy.namespaceRefusal
            )
            answer.step = .applied
            answer.message = done.summary
            answer.response = AuditRecord.Exchange(status: 200, body: Self.text(done.after))
            if let leadership, !(await leadership.confirm()) {
                // Applied (the precondition held), but by a replica that no longer leads: on record, so a
                // person can see that two replicas may have acted in that window.
                answer.reason = "lease-lost"
                answer.message = (answer.message ?? "") + " (the remediation lease was lost while applying)"
            }
            // Timed once the Lease has answered, as it is put on record: the guards age this change from
            // the clocks read as it is written (a wall clock stepped during the wait is no age of it).
            answer.time = Timestamp.utcMillis(wallTime())
            metrics.count(proposal.action, "applied")
            guard write(answer) else { return .failure(unwritable()) }
            logger.notice("applied", metadata: ["proposal": "\(proposal.id)", "result": "\(done.summary)"])
            return .success(done.summary)
        } catch {
            answer.step = error.isConflict ? .conflict : .failed
            answer.time = Timestamp.utcMillis(wallTime())
            answer.message = error.description
            answer.response = AuditRecord.Exchange(status: error.code, body: error.message)
            metrics.count(proposal.action, answer.step.rawValue)
            dryRuns[proposal.id] = nil
            // A conflict is decided afresh next round, by whichever replica leads then.
            if error.isConflict { await leadership?.unclaim(proposal.id) }
            _ = write(answer)
            logger.warning(
                error.isConflict ? "conflict: the object changed since it was read; re-evaluated next round" : "failed",
                metadata: ["proposal": "\(proposal.id)", "error": "\(error.description)"]
            )
            return .failure(
                Refusal(reason: answer.step.rawValue, message: error.description)
            )
        }
    }

    /// The refusal of an approval or rejection made while another process sharing the state directory kept
    /// its turn.
    static let busy = Refusal(
        reason: "busy",
        message:
            "another vigil process sharing the state directory kept its remediation turn, or the audit log could "
            + "not be read (the log says which): nothing was sent; try again"
    )

    /// The refusal of a proposal a leader (this replica or another) already applied, as the lease says.
    static let appliedElsewhere = Refusal(
        reason: "already-applied",
        message: "a leader applied this proposal already (the remediation lease lists it)"
    )

    /// Records and counts a refusal — once while it stays the same: a proposal refused for a cooldown
    /// comes back every round, and the log must not fill with the same line. A refusal `after` a dry run
    /// (at `apply` a proposal is dry-run afresh every round, and a Recreate deployment's restart is refused
    /// every round) puts that dry run on record before it, once too; it is another refusal than one of the
    /// same reason before a dry run (a rollback's interval, then its Recreate deployment: both
    /// `blast-radius`), so its dry run is never left off the record.
    func refuse(
        _ proposal: Proposal,
        _ incident: Incident,
        _ refusal: Refusal,
        after dryRun: (record: AuditRecord, made: DryRun)? = nil
    ) -> Result<String, Refusal> {
        let key = dryRun == nil ? refusal.reason : "\(refusal.reason) after a dry run of \(proposal.kubectl)"
        guard lastRefusal[proposal.id] != key else {
            if let dryRun { keep(dryRun.made, of: proposal) }
            return .failure(refusal)
        }
        if let dryRun {
            guard write(dryRun.record) else { return unrecorded() }
            keep(dryRun.made, of: proposal)
        }
        metrics.refused(refusal.reason)
        // Known as recorded only once it is: one that could not be written is tried again next round.
        let refused = record(.refused, proposal, incident, actor: "vigil") {
            $0.reason = refusal.reason
            $0.message = refusal.message
        }
        if write(refused) { lastRefusal[proposal.id] = key }
        logger.notice(
            "refused",
            metadata: ["proposal": "\(proposal.id)", "reason": "\(refusal.reason)", "why": "\(refusal.message)"]
        )
        return .failure(refusal)
    }

    // MARK: - After a crash

    /// Settles every `applying` whose answer never reached the log (a crash's or a full disk's: within this
    /// turn no live process is sending one): reads the object and records whether the change is in it.
    /// Applied: settled, never sent again. Not applied: the object is held for the cooldown, then decided
    /// afresh.
    private func reconcile() async {
        guard let kube, !ledger.inFlight.isEmpty else { return }
        for entry in ledger.inFlight.values.sorted(by: { $0.time < $1.time }) {
            guard let path = entry.request?.path.map(Self.objectPath) else { continue }
            // The object, or nil once it is gone (a deleted pod answers 404: that too settles its entry, or
            // the delete would stay in flight for ever, counted by no cooldown and no rate limit).
            let object: [String: Any]?
            do {
                object = KubeClient.object(try await kube.send(KubeRequest(method: "GET", path: path)))
            } catch let error where error.code == 404 {
                object = nil
            } catch {
                logger.warning("cannot reconcile", metadata: ["proposal": "\(entry.proposal)", "error": "\(error)"])
                continue
            }
            let landed = Self.landed(entry, in: object)
            var settled = entry
            settled.step = .reconciled
            settled.time = Timestamp.utcMillis(wallTime())
            settled.reason = landed ? "applied" : "not-applied"
            settled.request = nil
            switch (landed, object == nil) {
            case (true, true): settled.message = "the object is gone: it was deleted before the restart"
            case (true, false) where entry.action == "drain":
                // Reconciled from its cordon: what became of the evictions no read of the node tells.
                settled.message =
                    ledger.evictionsBegun.contains(entry.proposal)
                    ? "the node is cordoned; its evictions were under way when the process stopped, so pods its "
                        + "evicting record names may still run there: they are not evicted again"
                    : "the node is cordoned; the process stopped before its evictions: its pods are not evicted"
            case (true, false):
                settled.message =
                    entry.request?.method == "DELETE"
                    ? "the object is terminating or was made again since: it was deleted before the restart"
                    : "the change is in the object: it was applied before the restart"
            case (false, true):
                settled.message = "the object is gone: the change was not applied; decided afresh after the cooldown"
            case (false, false):
                settled.message =
                    "the change is not in the object: it was not applied; decided afresh after the cooldown"
            }
            _ = write(settled)
            logger.notice(
                "reconciled",
                metadata: ["proposal": "\(entry.proposal)", "outcome": "\(settled.reason ?? "")"]
            )
        }
    }

    /// The object a change's request path names (a scale's path is its object's, with `/scale`).
    static func objectPath(_ requestPath: String) -> String {
        requestPath.hasSuffix("/scale") ? String(requestPath.dropLast(6)) : requestPath
    }

    /// Whether `entry`'s change is in `object` (nil: the object is gone). A delete landed when its object
    /// is gone or going (its `deletionTimestamp` set: a pod terminating gracefully) or is another of the
    /// same name; any other change, when the object holds it.
    static func landed(_ entry: AuditRecord, in object: [String: Any]?) -> Bool {
        if entry.request?.method == "DELETE" {
            guard let object else { return true }
            let metadata = object["metadata"] as? [String: Any] ?? [:]
            if metadata["deletionTimestamp"] != nil { return true }
            // Conditioned on a UID (``KubePrecondition``): the pod of that UID is the one it named.
            if let uid = Self.preconditionUID(of: entry) { return metadata["uid"] as? String != uid }
            // Recorded without one (by an older Vigil): a pod of the same name made since (a StatefulSet's)
            // means the one the delete named is gone. A minute's clock skew between Vigil and the API server
            // is allowed for, towards landed: a pod made in the minute before a delete that never left is
            // then taken as deleted — held for the cooldown with its subject, and verified (and, its
            // incident lasting, judged not to help).
            guard let created = (metadata["creationTimestamp"] as? String).flatMap(KubeTime.seconds),
                let sent = Timestamp.seconds(entry.time)
            else { return false }
            return created >= sent - 60
        }
        guard let object else { return false }
        return landed(entry.changes ?? [], in: object)
    }

    /// The `preconditions.uid` a delete's recorded request carried.
    private static func preconditionUID(of entry: AuditRecord) -> String? {
        let options = entry.request?.body.map { KubeClient.object(Array($0.utf8)) }
        return (options?["preconditions"] as? [String: Any])?["uid"] as? String
    }

    /// Whether every field the dry run said would change has its new value in `object`.
    static func landed(_ changes: [AuditRecord.Change], in object: [String: Any]) -> Bool {
        !changes.isEmpty && ObjectDiff.departures(from: changes, in: object).isEmpty
    }

    // MARK: - Verification

    /// Judges each applied fix: resolved as soon as its incident (same subject and cause) is gone; at the
    /// end of its window, not resolved — or made worse, when the incident's severity rose. Undoes where
    /// the playbook says so, and escalates what did not help.
    private func verify(_ incidents: [Incident]) async {
        let now = wallTime()
        let judged = ledger.judged(at: now, monotonic: monotonicTime())
        for (id, change) in judged.verifying.sorted(by: { $0.value.at < $1.value.at }) {
            let applied = change.record
            if applied.handedOver == true, !boardRead || boardWaiting.contains(id) { continue }
            let still = incidents.first {
                "\($0.subject)" == applied.subject && $0.subject.namespace == applied.namespace
                    && $0.cause == applied.cause
            }
            let outcome: String
            if still == nil {
                outcome = "resolved"
            } else if now - change.at >= applied.verifyWithin ?? 600 {
                let before = Finding.Severity.allCases.first { $0.description == applied.severity } ?? .info
                outcome = (still?.severity ?? .info) > before ? "made-worse" : "not-resolved"
            } else {
                continue
            }
            var verified = applied
            verified.step = .verified
            verified.time = Timestamp.utcMillis(now)
            verified.reason = outcome
            verified.message = "after \(Guardrails.duration(now - change.at)): \(outcome)"
            verified.request = nil
            verified.response = nil
            metrics.verified(applied.action, outcome, seconds: now - change.at)
            guard write(verified) else { return }
            logger.notice("verified", metadata: ["proposal": "\(id)", "outcome": "\(outcome)"])
            guard outcome != "resolved" else { continue }
            await undoAndEscalate(verified, mayUndo: policy.allowApply)
        }
    }

    /// What follows a verdict that a fix did not help: its undo, where the playbook says so and `mayUndo`
    /// (an undo is a change: applying must be on, and a resumed verdict recent), then a person.
    func undoAndEscalate(_ verified: AuditRecord, mayUndo: Bool) async {
        let undoWhen = Playbook.Verification.Undo(rawValue: verified.undoWhen ?? "") ?? .never
        let due = undoWhen == .notResolved || (undoWhen == .madeWorse && verified.reason == "made-worse")
        if due, mayUndo {
            // An undo is a change, and only the lease's holder changes the cluster. Where this replica may
            // hold it again soon — nobody holds it, its own name is still on it, a `vigil diagnose --apply`
            // session (a person at a prompt) or a silent predecessor does — the verdict waits for a later
            // round, within the cooldown (``resumeAfterVerdicts()``), rather than escalate a fix this replica
            // could still undo. Another daemon leading will not undo this replica's fix: that is refused
            // `not-leader` and escalated now.
            if let leadership, !(await leadership.isLeader), !(await leadership.anotherDaemonLeads) {
                if undosAwaitingLease.insert(verified.proposal).inserted {
                    logger.notice(
                        "undo waits for this replica to hold the remediation lease",
                        metadata: [
                            "proposal": "\(verified.proposal)", "within": "\(Guardrails.duration(policy.cooldown))",
                        ]
                    )
                }
                return
            }
            undosAwaitingLease.remove(verified.proposal)
            await undo(verified)
            // Its end not on disk (a full disk): left for the next round to settle, then escalated.
            guard ledger.undoInFlight[verified.proposal] == nil else { return }
        }
        escalate(verified, undoWithheld: due && !mayUndo)
    }

    /// Puts on record that a person is needed for the fix `verified` judged, and why its undo was not
    /// sent when the playbook asked for one.
    func escalate(_ verified: AuditRecord, undoWithheld: Bool = false) {
        undosAwaitingLease.remove(verified.proposal)
        let outcome = verified.reason ?? ""
        var escalated = verified
        escalated.step = .escalated
        escalated.time = Timestamp.utcMillis(wallTime())
        escalated.message =
            "\(verified.action) on \(verified.target) did not help (\(outcome)); a person is needed"
            + (undoWithheld
                ? " (the playbook's undo was not sent: "
                    + (policy.allowApply
                        ? "too long after the verdict, resumed after a restart or while this replica did not hold the remediation lease)"
                        : "applying is off)")
                : "")
        _ = write(escalated)
        logger.warning("escalated", metadata: ["proposal": "\(verified.proposal)", "outcome": "\(outcome)"])
    }

    // MARK: - The log

    private func record(
        _ step: AuditRecord.Step,
        _ proposal: Proposal,
        _ incident: Incident,
        actor: String,
        _ fill: (inout AuditRecord) -> Void = { _ in }
    ) -> AuditRecord {
        var entry = AuditRecord(
            time: Timestamp.utcMillis(wallTime()),
            step: step,
            proposal: proposal.id,
            incident: incident.id,
            subject: "\(incident.subject)",
            cause: incident.cause,
            action: proposal.action,
            target: proposal.target,
            namespace: proposal.namespace,
            actor: actor
        )
        fill(&entry)
        return entry
    }

    /// Appends and folds `entry` into the ledger; false (and applying stops) when it is not on disk.
    /// Without a log (no state directory) the ledger alone keeps it.
    func write(_ entry: AuditRecord) -> Bool {
        if let audit {
            do {
                try audit.append(entry)
                if !auditWritable { logger.notice("audit log writable again; applying resumes") }
                auditWritable = true
                metrics.writable.record(1)
            } catch {
                if auditWritable {
                    logger.error("audit log unwritable: applying stops (propose only)", metadata: ["error": "\(error)"])
                }
                auditWritable = false
                metrics.writable.record(0)
                return false
            }
        }
        ledger.record(entry, witnessed: .init(wall: wallTime(), monotonic: monotonicTime()))
        metrics.pending.record(ledger.pending.count)
        return true
    }

    /// A step refused because its record could not be written: counted as the refusal it is.
    private func unrecorded() -> Result<String, Refusal> {
        metrics.refused("audit-log-unwritable")
        return .failure(unwritable())
    }

    private func unwritable() -> Refusal {
        Refusal(
            reason: "audit-log-unwritable",
            message: "the audit log \(audit?.path ?? "(none)") cannot be written: nothing is applied without a record"
        )
    }

    // MARK: - Helpers

    /// The cluster's nodes as the API server has them now, listed in pages as kubectl lists them.
    static func nodes(from kube: KubeClient) async throws(KubeError) -> Guardrails.Nodes {
        let items = try await kube.list("/api/v1/nodes", query: [.init("limit", "500")]).items
        return Guardrails.Nodes(items.compactMap(NodeSummary.init))
    }

    /// How `action` names the rollout it starts, where the guard on stopping every replica judges it (the
    /// workload read as `object`): a restart, and a resources change, which changes the pod template as a
    /// restart does; a rollback while a replica is available (a regression's: its pods still serve). One
    /// whose replicas are all unavailable (a crash loop's) stops nothing that serves, and is not judged.
    private static func rollout(_ action: KubeAction, of object: [String: Any]) -> String? {
        switch action {
        case .restart: "restarting"
        case .setResources: "changing the resources of"
        case .undo:
            ((object["status"] as? [String: Any])?["availableReplicas"] as? Int ?? 0) > 0 ? "rolling back" : nil
        default: nil
        }
    }

    /// Why the pod a delete's dry run found (`uid`) is not the one diagnosed (nil when it is, or when the
    /// diagnosis did not know its UID): a pod made again under the same name since is not the broken one.
    /// The diagnosed UID is the proposal's own (its proposer's, for a proposal handed over: the leader's
    /// model may hold the new pod already), else the round's model's.
    static func replacement(of object: KubeObjectReference, uid: String, diagnosed: String?) -> String? {
        guard object.resource == .pod, let diagnosed, !diagnosed.isEmpty, diagnosed != uid else { return nil }
        return "pod/\(object.name) is not deleted: the pod of that name now (UID \(uid)) was made since the one "
            + "diagnosed (UID \(diagnosed)); the next round diagnoses it afresh"
    }

    static func uid(_ body: [UInt8]) -> String? {
        (KubeClient.object(body)["metadata"] as? [String: Any])?["uid"] as? String
    }

    static func resourceVersion(_ body: [UInt8]) -> String? {
        (KubeClient.object(body)["metadata"] as? [String: Any])?["resourceVersion"] as? String
    }

    static func exchange(_ request: KubeRequest) -> AuditRecord.Exchange {
        AuditRecord.Exchange(
            method: request.method,
            path: request.path,
            query: request.query.isEmpty ? nil : request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&"),
            body: request.body.map { String(decoding: $0, as: UTF8.self) }
        )
    }

    /// An answer's body for the log, cut at 4 KiB.
    static func text(_ body: [UInt8]) -> String? {
        body.isEmpty ? nil : String(decoding: body.prefix(4096), as: UTF8.self)
    }
}
