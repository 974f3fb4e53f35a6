/// The incidents of successive diagnosis rounds, as one history: an incident found again stays one
/// open incident; one no longer found is resolved at that round's time; one found again after it was
/// resolved (same id) opens again. A value-type state machine: feed it rounds, read what changed.
///
/// Ids are the engine's (subject + cause + hour of onset). When the evidence window slides past an
/// incident's earliest evidence its onset, and so its id, may move: an incident found for the same
/// subject and cause as an open one that was not found by id keeps the open one's id and onset, so a
/// long problem stays one incident.
public struct IncidentTracker: Sendable {
    /// Open incidents in the engine's ranking of the latest round (most severe, most certain first).
    public private(set) var open: [TrackedIncident] = []
    /// Resolved incidents, the most recently resolved first; at most ``resolvedLimit``.
    public private(set) var resolved: [TrackedIncident] = []
    public let resolvedLimit: Int

    /// What one round changed.
    public struct Changes: Sendable, Equatable {
        public var opened: [TrackedIncident] = []
        public var resolved: [TrackedIncident] = []
    }

    public init(resolvedLimit: Int = 256) {
        self.resolvedLimit = resolvedLimit
    }

    /// Takes one round's incidents, found at `now` (seconds since the epoch).
    public mutating func update(with incidents: [Incident], at now: Double) -> Changes {
        var changes = Changes()
        var previous = Dictionary(open.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        // Found by id first, so an incident that kept its id is never taken by a look-alike.
        let foundIDs = Set(incidents.map(\.id))
        var next: [TrackedIncident] = []
        for var incident in incidents {
            if var tracked = previous.removeValue(forKey: incident.id) {
                tracked.incident = incident
                tracked.lastSeenAt = now
                next.append(tracked)
                continue
            }
            if let moved = previous.values.filter({
                !foundIDs.contains($0.id) && $0.incident.subject == incident.subject
                    && $0.incident.cause == incident.cause
            }).min(by: { $0.openedAt < $1.openedAt }) {
                previous[moved.id] = nil
                incident.id = moved.id
                incident.startedAt = min(incident.startedAt, moved.incident.startedAt)
                var tracked = moved
                tracked.incident = incident
                tracked.lastSeenAt = now
                next.append(tracked)
                continue
            }
            resolved.removeAll { $0.id == incident.id }
            let tracked = TrackedIncident(incident: incident, state: .open, openedAt: now, lastSeenAt: now)
            next.append(tracked)
            changes.opened.append(tracked)
        }
        for var gone in open where previous[gone.id] != nil {
            gone.state = .resolved
            gone.resolvedAt = now
            changes.resolved.append(gone)
        }
        open = next
        resolved = Array((changes.resolved.reversed() + resolved).prefix(resolvedLimit))
        return changes
    }

    /// The incident with `id`, open or resolved.
    public func incident(id: String) -> TrackedIncident? {
        open.first { $0.id == id } ?? resolved.first { $0.id == id }
    }

    /// Open incidents, then resolved ones; only those in `state` when given.
    public func incidents(in state: TrackedIncident.State? = nil) -> [TrackedIncident] {
        switch state {
        case nil: open + resolved
        case .open: open
        case .resolved: resolved
        }
    }
}
