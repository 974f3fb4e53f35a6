import Foundation

/// Leader election on a `coordination.k8s.io/v1` Lease, as client-go's `leaderelection` does it: every
/// candidate tries to take or renew the lease every retry period; a lease is taken over only once it has
/// gone unrenewed for its whole duration *as this replica observed it* (its own clock, so clock skew
/// between machines does not matter); a leader that cannot renew within the renew deadline steps down.
/// A conflicting write (409) means somebody else got there first: the attempt fails, nothing more.
///
/// Leader election does not fence: a leader may still believe it leads a moment after it lost. So
/// callers that change the cluster ``confirm()`` against the server just before each change, and carry
/// preconditions on the object itself.
public actor LeaderElector<C: Clock> where C.Duration == Duration {
    public nonisolated let configuration: LeaderElectionConfiguration
    private let client: KubeClient
    private let clock: C
    private let wallTime: @Sendable () -> Date
    /// The lease as last read or written, its resourceVersion, and when (on `clock`) it was first seen so.
    private var observed: (record: LeaseRecord, resourceVersion: String, since: C.Instant)?
    /// When this replica last took or renewed the lease; nil while it is not the leader.
    private var renewedAt: C.Instant?
    private let changes = AsyncStream<Bool>.makeStream()
    /// What kind of failure keeps the lease out of reach (the step and the server's status: a timeout's
    /// message differs every time, its kind does not), nil while it is in reach.
    private var trouble: String?
    /// Only the latest kinds matter to a reader; an elector nobody reads from (`vigil diagnose`) keeps four.
    private let troubles = AsyncStream<String?>.makeStream(bufferingPolicy: .bufferingNewest(4))
    /// The proposals any leader applied, as the lease's ``appliedAnnotation`` last said.
    private var applied: [String] = []
    /// The changes leaders claimed recently, as the lease's ``LeaseClaim/annotation`` last said.
    private var claims: [LeaseClaim] = []

    /// The Lease annotation listing the proposals applied under it (most recent last, at most
    /// ``appliedLimit``), so that a new leader does not apply again what the old one did: replicas share
    /// no state but the Lease.
    public static var appliedAnnotation: String { "vigil.dev/applied-proposals" }
    public static var appliedLimit: Int { 200 }

    /// The election's rights (``LeaderElectionConfiguration/neededRights``) this replica lacks, as the
    /// API server answers for its client.
    public func missingRights() async throws(KubeError) -> [NeededRight] {
        try await client.missing(configuration.neededRights)
    }

    public init(
        configuration: LeaderElectionConfiguration,
        client: KubeClient,
        clock: C,
        wallTime: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.client = client
        self.clock = clock
        self.wallTime = wallTime
    }

    /// Whether this replica holds the lease, as far as it knows: it renewed within the renew deadline.
    public var isLeader: Bool {
        guard let renewedAt else { return false }
        return renewedAt.duration(to: clock.now) < configuration.renewDeadline
    }

    /// Who holds the lease as last observed ("" for nobody).
    public var holder: String { observed?.record.holderIdentity ?? "" }

    /// Whether the lease, as last observed, names another replica (not a `vigil diagnose --apply` session)
    /// that renewed it within its duration as this replica watched.
    public var anotherDaemonLeads: Bool {
        guard let observed, !observed.record.holderIdentity.isEmpty,
            observed.record.holderIdentity != configuration.identity,
            !observed.record.holderIdentity.hasPrefix(LeaderElectionConfiguration.diagnoseSessionPrefix)
        else { return false }
        return observed.since.duration(to: clock.now) < .seconds(max(observed.record.leaseDurationSeconds, 0))
    }

    /// Every change of leadership: true when this replica became leader, false when it stopped being one.
    public nonisolated var leadershipChanges: AsyncStream<Bool> { changes.stream }

    /// Every change of whether the lease can be reached: why not (the server's refusal: a replica without
    /// the rights to the Lease never leads, and says so once), then nil once it can again. A lease held by
    /// another, a write another candidate's beat (409), or a leader's failed renewal within its renew
    /// deadline is no trouble.
    public nonisolated var troubleChanges: AsyncStream<String?> { troubles.stream }

    /// Notes that `step` of the lease failed with `error` (nil: the lease was reached), telling the
    /// stream when that changes the kind of trouble.
    private func note(_ step: String, _ error: KubeError?) {
        // A leader rides out a failed renewal until its renew deadline: told only if it stops leading.
        if error != nil, isLeader { return }
        let kind = error.map { "\(step) \($0.code) \($0.reason ?? "")" }
        guard kind != trouble else { return }
        trouble = kind
        troubles.continuation.yield(
            error.map { "cannot \(step) the Lease \(configuration.namespace)/\(configuration.name): \($0)" }
        )
    }

    /// Campaigns and renews until the task is cancelled, then releases the lease if held, so that a
    /// successor need not wait out its duration.
    public func run() async {
        while !Task.isCancelled {
            let wasLeader = isLeader
            let held = await tryAcquireOrRenew()
            if held {
                if !wasLeader { changes.continuation.yield(true) }
            } else if wasLeader || renewedAt != nil, !isLeader {
                stepDown()
            }
            // Candidates spread their attempts (client-go's jitter of 1.2); a leader renews on the beat.
            let wait = isLeader ? configuration.retryPeriod : configuration.retryPeriod * Double.random(in: 1...1.2)
            do { try await clock.sleep(for: wait) } catch { break }
        }
        // Released outside the cancelled task, or the request itself would be cancelled.
        if isLeader || renewedAt != nil { await Task { await self.release() }.value }
    }

    private func stepDown() {
        renewedAt = nil
        changes.continuation.yield(false)
    }

    /// One attempt to take or renew the lease (client-go's `tryAcquireOrRenew`); whether this replica
    /// holds it afterwards.
    @discardableResult
    public func tryAcquireOrRenew() async -> Bool {
        let now = clock.now
        let wallNow = wallTime()
        var record = LeaseRecord(
            holderIdentity: configuration.identity,
            leaseDurationSeconds: configuration.leaseDurationSeconds,
            acquireTime: wallNow,
            renewTime: wallNow,
            leaseTransitions: 0
        )
        let lease: [String: Any]
        do throws(KubeError) {
            lease = KubeClient.object(try await client.send(KubeRequest(method: "GET", path: configuration.objectPath)))
        } catch {
            guard error.code == 404 else {
                note("read", error)
                return false
            }
            return await create(record, at: now)
        }
        let metadata = lease["metadata"] as? [String: Any] ?? [:]
        noteClaims(in: lease)
        let current = LeaseRecord(spec: lease["spec"] as? [String: Any] ?? [:])
        let resourceVersion = metadata["resourceVersion"] as? String ?? ""
        if observed?.record != current || observed?.resourceVersion != resourceVersion {
            observed = (current, resourceVersion, clock.now)
        }
        let observedSince = observed?.since ?? now
        let leaseDuration = Duration.seconds(max(current.leaseDurationSeconds, 0))
        let heldByOther = !current.holderIdentity.isEmpty && current.holderIdentity != configuration.identity
        // Another holder on the lease ends this replica's leadership now, not at its renew deadline (as
        // client-go's IsLeader compares the observed holder): someone gave the lease away by hand.
        if heldByOther { renewedAt = nil }
        if heldByOther, observedSince.duration(to: now) < leaseDuration {
            note("read", nil)
            return false
        }
        if current.holderIdentity == configuration.identity {
            record.acquireTime = current.acquireTime
            record.leaseTransitions = current.leaseTransitions
        } else {
            record.leaseTransitions = current.leaseTransitions + 1
        }
        var updated = lease
        updated["spec"] = record.spec
        return await write(updated, method: "PUT", path: configuration.objectPath, record: record, at: now)
    }

    private func create(_ record: LeaseRecord, at now: C.Instant) async -> Bool {
        let lease: [String: Any] = [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": ["name": configuration.name, "namespace": configuration.namespace],
            "spec": record.spec,
        ]
        return await write(lease, method: "POST", path: configuration.collectionPath, record: record, at: now)
    }

    /// Sends the Lease (created or replaced); on success the server's answer is what this replica has
    /// observed and renewed.
    private func write(
        _ lease: [String: Any],
        method: String,
        path: String,
        record: LeaseRecord,
        at now: C.Instant
    ) async -> Bool {
        do throws(KubeError) {
            let answer = KubeClient.object(
                try await client.send(
                    KubeRequest(
                        method: method,
                        path: path,
                        contentType: "application/json",
                        body: KubeAction.json(lease)
                    )
                )
            )
            let version = (answer["metadata"] as? [String: Any])?["resourceVersion"] as? String ?? ""
            observed = (record, version, clock.now)
            renewedAt = now
            note("write", nil)
            return true
        } catch {
            note(method == "POST" ? "create" : "update", error.code == 409 ? nil : error)
            return false
        }
    }

    /// One candidacy for a process that lives for one command (`vigil diagnose --apply`), not a
    /// campaign: the lease is taken at once when it is free (never created, or released); refused at once
    /// when its holder renewed it within its duration by the holder's own `renewTime` (a live leader —
    /// erring towards refusing if clocks disagree); and a lease that looks expired is watched for its
    /// whole duration on this candidate's clock, as client-go's takeover rule asks, then taken unless its
    /// holder renewed it meanwhile. Afterwards the caller keeps it with ``run()`` and gives it back with
    /// ``release()``.
    public func campaignOnce() async -> LeaseCandidacy {
        if await tryAcquireOrRenew() { return .acquired }
        guard let first = observed?.record else { return .unavailable }
        if !first.holderIdentity.isEmpty {
            let lasts = Double(max(first.leaseDurationSeconds, 0))
            guard let renewed = first.renewTime, wallTime().timeIntervalSince(renewed) >= lasts else {
                return .held(first)
            }
        }
        // Looks expired (or free, and another candidate's write came first): watch it for a lease duration.
        let patience = Duration.seconds(max(first.leaseDurationSeconds, 1)) + configuration.retryPeriod * 2
        let start = clock.now
        while start.duration(to: clock.now) <= patience {
            do { try await clock.sleep(for: configuration.retryPeriod) } catch { return .unavailable }
            if await tryAcquireOrRenew() { return .acquired }
            guard let now = observed?.record else { return .unavailable }
            if now != first { return .held(now) }
        }
        return .unavailable
    }

    /// Asks the server whether this replica still holds the lease: true only if it believes it leads
    /// *and* the Lease names it.
    public func confirm() async -> Bool {
        guard isLeader,
            let body = try? await client.send(KubeRequest(method: "GET", path: configuration.objectPath))
        else { return false }
        let lease = KubeClient.object(body)
        noteClaims(in: lease)
        return LeaseRecord(spec: lease["spec"] as? [String: Any] ?? [:]).holderIdentity == configuration.identity
            && isLeader
    }

    /// Whether a leader claimed `proposal`, as the lease said when last read (local, no request).
    public func wasApplied(_ proposal: String) -> Bool { applied.contains(proposal) }

    /// The changes any leader claimed within ``LeaseClaim/horizon``, as the lease said when last read
    /// (local, no request).
    public var recentClaims: [LeaseClaim] { claims }

    /// Claims `claim.proposal` just before changing the cluster, written ahead as the audit log is: asks
    /// the server whether this replica still holds the lease and, if nobody claimed the proposal yet, adds
    /// it to the lease's list (the oldest dropped past ``appliedLimit``) and the change to its recent
    /// changes, on the lease as read, so that a concurrent write (a renewal) makes it read and try again,
    /// once. `.held`: claimed, go ahead. A leader that dies between its claim and its change leaves the
    /// change undone rather than done twice.
    public func claim(_ claim: LeaseClaim) async -> LeaseCheck {
        await editApplied { list, claims in
            list.contains(claim.proposal)
                ? nil : (Array((list + [claim.proposal]).suffix(Self.appliedLimit)), claims + [claim])
        }
    }

    /// Takes a claim back: the change was not made (a conflict) and is to be decided afresh.
    public func unclaim(_ proposal: String) async {
        _ = await editApplied { list, claims in
            list.contains(proposal)
                ? (list.filter { $0 != proposal }, claims.filter { $0.proposal != proposal }) : nil
        }
    }

    private func noteClaims(in lease: [String: Any]) {
        let annotations = (lease["metadata"] as? [String: Any])?["annotations"] as? [String: Any]
        applied = (annotations?[Self.appliedAnnotation] as? String ?? "").split(separator: ",").map(String.init)
        claims = LeaseClaim.list(annotations?[LeaseClaim.annotation] as? String)
    }

    /// Reads the lease and writes `edit`'s proposals and claims into it, if this replica holds it; `edit`
    /// returning nil writes nothing (`.alreadyApplied`).
    private func editApplied(
        _ edit: ([String], [LeaseClaim]) -> (applied: [String], claims: [LeaseClaim])?
    ) async -> LeaseCheck {
        for _ in 0..<2 {
            guard isLeader,
                let body = try? await client.send(KubeRequest(method: "GET", path: configuration.objectPath))
            else { return .lost }
            var lease = KubeClient.object(body)
            noteClaims(in: lease)
            guard LeaseRecord(spec: lease["spec"] as? [String: Any] ?? [:]).holderIdentity == configuration.identity
            else { return .lost }
            guard let (list, recent) = edit(applied, claims) else { return .alreadyApplied }
            var metadata = lease["metadata"] as? [String: Any] ?? [:]
            var annotations = metadata["annotations"] as? [String: Any] ?? [:]
            annotations[Self.appliedAnnotation] = list.joined(separator: ",")
            annotations[LeaseClaim.annotation] = LeaseClaim.text(recent, limit: Self.appliedLimit)
            metadata["annotations"] = annotations
            lease["metadata"] = metadata
            let request = KubeRequest(
                method: "PUT",
                path: configuration.objectPath,
                contentType: "application/json",
                body: KubeAction.json(lease)
            )
            if (try? await client.send(request)) != nil {
                applied = list
                claims = LeaseClaim.list(annotations[LeaseClaim.annotation] as? String)
                return .held
            }
        }
        return .lost
    }

    /// Gives the lease up (client-go's `ReleaseOnCancel`): no holder, a one-second duration, so another
    /// replica takes over at its next attempt rather than after the lease's duration.
    public func release() async {
        defer {
            if renewedAt != nil { stepDown() }
        }
        guard let body = try? await client.send(KubeRequest(method: "GET", path: configuration.objectPath)) else {
            return
        }
        var lease = KubeClient.object(body)
        let current = LeaseRecord(spec: lease["spec"] as? [String: Any] ?? [:])
        guard current.holderIdentity == configuration.identity else { return }
        let now = wallTime()
        lease["spec"] =
            LeaseRecord(
                holderIdentity: "",
                leaseDurationSeconds: 1,
                acquireTime: now,
                renewTime: now,
                leaseTransitions: current.leaseTransitions
            ).spec
        _ = try? await client.send(
            KubeRequest(
                method: "PUT",
                path: configuration.objectPath,
                contentType: "application/json",
                body: KubeAction.json(lease)
            )
        )
    }
}
