/// An incident as the daemon keeps it over time: what the engine last said of it, whether it is still
/// found, and when Vigil first and last saw it.
public struct TrackedIncident: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case open, resolved
    }

    /// The engine's latest account of it (its id is the one the incident was opened under).
    public var incident: Incident
    public var state: State
    /// Seconds since the epoch: the diagnosis round that first found it.
    public var openedAt: Double
    /// The last round that found it.
    public var lastSeenAt: Double
    /// The first round that no longer found it; nil while open.
    public var resolvedAt: Double?

    public var id: String { incident.id }
}

/// The schema of `vigil diagnose --output json`'s incidents, plus `state` and `resolved_at` (RFC 3339
/// UTC, null while open): what `GET /api/v1/incidents` answers.
extension TrackedIncident: Encodable {
    enum CodingKeys: String, CodingKey {
        case state
        case resolvedAt = "resolved_at"
    }

    public func encode(to encoder: any Encoder) throws {
        try incident.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state.rawValue, forKey: .state)
        try container.encode(resolvedAt.map(Timestamp.utc), forKey: .resolvedAt)
    }
}
