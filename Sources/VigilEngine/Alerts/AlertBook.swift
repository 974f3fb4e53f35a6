/// The firing alerts Vigil knows, by fingerprint, and the deduplication of what Alertmanager delivers:
/// HA pairs and retries send the same notification more than once, and a group's repeat notification
/// sends every alert again. A firing alert already held (same fingerprint and `startsAt`) is a duplicate;
/// so is a resolved alert that is not firing. Bounded: beyond `capacity` firing alerts, new ones are
/// refused and counted.
public struct AlertBook: Sendable {
    public private(set) var firing: [String: Alert] = [:]
    public let capacity: Int
    /// Recently resolved alerts (fingerprint and start), oldest first: a firing re-send that arrives after
    /// the resolve — the other Alertmanager of a pair, a retry — is a duplicate, not a new incident.
    private var resolved: [String] = []
    private var resolvedKeys: Set<String> = []
    /// Deliveries taken so far, and the delivery each held alert came with: a reconciliation notes the
    /// count before it asks Alertmanager, and resolves only alerts held from before then — one delivered
    /// while the question was out is newer than the answer.
    public private(set) var deliveries: UInt64 = 0
    private var heldSince: [String: UInt64] = [:]

    /// What one delivery changed.
    public struct Receipt: Sendable, Equatable {
        public var opened: [Alert] = []
        public var resolved: [Alert] = []
        public var duplicates = 0
        /// New alerts past the capacity.
        public var refused = 0

        public var changed: Bool { !opened.isEmpty || !resolved.isEmpty }
    }

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    public mutating func receive(_ alerts: [Alert]) -> Receipt {
        deliveries += 1
        var receipt = Receipt()
        for alert in alerts {
            let held = firing[alert.fingerprint]
            switch alert.status {
            case .firing:
                if let held, held.startsAt == alert.startsAt {
                    receipt.duplicates += 1
                } else if resolvedKeys.contains(Self.key(alert)) {
                    receipt.duplicates += 1
                } else if held == nil && firing.count >= capacity {
                    receipt.refused += 1
                } else {
                    // New, or the same labels firing again from a later start.
                    firing[alert.fingerprint] = alert
                    heldSince[alert.fingerprint] = deliveries
                    receipt.opened.append(alert)
                }
            case .resolved:
                if let held, held.startsAt <= alert.startsAt {
                    firing[alert.fingerprint] = nil
                    heldSince[alert.fingerprint] = nil
                    remember(held)
                    receipt.resolved.append(alert)
                } else {
                    receipt.duplicates += 1
                }
            }
        }
        return receipt
    }

    private static func key(_ alert: Alert) -> String { "\(alert.fingerprint)|\(alert.startsAt)" }

    private mutating func remember(_ alert: Alert) {
        guard resolvedKeys.insert(Self.key(alert)).inserted else { return }
        resolved.append(Self.key(alert))
        if resolved.count > capacity { resolvedKeys.remove(resolved.removeFirst()) }
    }

    /// Sets the book to Alertmanager's own list of active alerts (`GET /api/v2/alerts`): every held alert
    /// not in it resolved (Alertmanager never re-delivers an alert that resolved while the receiver was
    /// failing), every active one not held opened. `asOf` is ``deliveries`` when the list was asked for:
    /// an alert delivered after that is not in the list because the list is older, and stays.
    public mutating func reconcile(active: [Alert], asOf: UInt64 = .max) -> Receipt {
        let activeFingerprints = Set(active.map(\.fingerprint))
        var receipt = Receipt()
        for (fingerprint, alert) in firing
        where !activeFingerprints.contains(fingerprint) && heldSince[fingerprint, default: 0] <= asOf {
            firing[fingerprint] = nil
            heldSince[fingerprint] = nil
            remember(alert)
            var resolved = alert
            resolved.status = .resolved
            receipt.resolved.append(resolved)
        }
        let opened = receive(
            active.map {
                var alert = $0
                alert.status = .firing
                return alert
            }
        )
        receipt.opened = opened.opened
        receipt.refused = opened.refused
        return receipt
    }
}
