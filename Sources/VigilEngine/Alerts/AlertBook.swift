/// The firing alerts Vigil knows, by fingerprint, and the deduplication of what Alertmanager delivers:
/// HA pairs and retries send the same notification more than once, and a group's repeat notification
/// sends every alert again. A firing alert already held (same fingerprint and `startsAt`), or from an
/// earlier start than the one held, is a duplicate; so is a resolved alert that is not firing or that
/// ended before the start held (an earlier episode's), and a firing re-send soon after its resolve.
/// Bounded: beyond `capacity` firing alerts, new ones are refused and counted.
public struct AlertBook: Sendable {
    public private(set) var firing: [String: Alert] = [:]
    public let capacity: Int
    /// How long after its resolve a firing alert of the same start is a late re-send (the other
    /// Alertmanager of a pair, a retry, which Alertmanager gives up at the group's next flush, 5 minutes by
    /// default) and not the alert firing again. Later it is: Alertmanager resolves an alert whose
    /// Prometheus went quiet past its end, and when Prometheus comes back the alert keeps its start.
    public static let lateResend: Double = 600
    /// Recently resolved alerts by fingerprint and start: when, and after which delivery.
    private var recentlyResolved: [String: Resolve] = [:]
    /// Their keys, oldest first, with each one's serial: the oldest is forgotten past `capacity`.
    private var resolvedOrder: [(key: String, serial: UInt64)] = []
    private var resolveSerial: UInt64 = 0
    private struct Resolve {
        var at: Double
        var delivery: UInt64
        var serial: UInt64
    }
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

        public init() {}
    }

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// Takes one delivery's alerts at `now` (seconds since the epoch).
    public mutating func receive(_ alerts: [Alert], at now: Double) -> Receipt {
        deliveries += 1
        var receipt = Receipt()
        for alert in alerts {
            let held = firing[alert.fingerprint]
            switch alert.status {
            case .firing:
                if let held, held.startsAt >= alert.startsAt {
                    // The same start again, or a late one of an earlier start than the one held.
                    receipt.duplicates += 1
                } else if let resolve = recentlyResolved[Self.key(alert)], now - resolve.at < Self.lateResend {
                    receipt.duplicates += 1
                } else if held == nil && firing.count >= capacity {
                    receipt.refused += 1
                } else {
                    // New, the same labels firing again from a later start, or firing again long after
                    // the same start resolved.
                    firing[alert.fingerprint] = alert
                    heldSince[alert.fingerprint] = deliveries
                    recentlyResolved[Self.key(alert)] = nil
                    receipt.opened.append(alert)
                }
            case .resolved:
                // Its own episode's resolve: of the start held or a later one, or one that ended after the
                // held start — Alertmanager keeps the earliest start it has seen for an alert, so with
                // two Prometheus replicas the resolve can carry an earlier start than the firing Vigil
                // held. A resolve that ended before the held start is an earlier episode's, late.
                if let held, held.startsAt <= alert.startsAt || (alert.endsAt ?? -.infinity) >= held.startsAt {
                    firing[alert.fingerprint] = nil
                    heldSince[alert.fingerprint] = nil
                    remember(held, at: now)
                    // A late re-send of the firing with the resolve's start is a duplicate too.
                    if alert.startsAt != held.startsAt { remember(alert, at: now) }
                    receipt.resolved.append(alert)
                } else {
                    // Not held (another replica's, one from before a restart, one refused at capacity):
                    // remembered all the same, so that the other Alertmanager's late firing of it does not
                    // open it after its resolve — no second resolve would ever come.
                    if held == nil { remember(alert, at: now) }
                    receipt.duplicates += 1
                }
            }
        }
        return receipt
    }

    private static func key(_ alert: Alert) -> String { "\(alert.fingerprint)|\(alert.startsAt)" }

    private mutating func remember(_ alert: Alert, at now: Double) {
        resolveSerial += 1
        recentlyResolved[Self.key(alert)] = Resolve(at: now, delivery: deliveries, serial: resolveSerial)
        resolvedOrder.append((Self.key(alert), resolveSerial))
        if resolvedOrder.count > capacity {
            let oldest = resolvedOrder.removeFirst()
            if recentlyResolved[oldest.key]?.serial == oldest.serial { recentlyResolved[oldest.key] = nil }
        }
    }

    /// Sets the book to Alertmanager's own list of active alerts (`GET /api/v2/alerts`) at `now`: every held
    /// alert not in it resolved (Alertmanager never re-delivers an alert that resolved while the receiver
    /// was failing), every active one not held opened — also one that resolved before the list was asked
    /// for, whatever its start: the list is Alertmanager's word that it fires again (it forgets its alerts
    /// when it restarts, and Prometheus sends them again with their starts). `asOf` is ``deliveries`` when
    /// the list was asked for: an alert delivered after that is not in the list because the list is older,
    /// and stays; one resolved after that is not opened by it.
    public mutating func reconcile(active: [Alert], asOf: UInt64 = .max, at now: Double) -> Receipt {
        let activeFingerprints = Set(active.map(\.fingerprint))
        var receipt = Receipt()
        for (fingerprint, alert) in firing
        where !activeFingerprints.contains(fingerprint) && heldSince[fingerprint, default: 0] <= asOf {
            firing[fingerprint] = nil
            heldSince[fingerprint] = nil
            remember(alert, at: now)
            var resolved = alert
            resolved.status = .resolved
            receipt.resolved.append(resolved)
        }
        for alert in active where recentlyResolved[Self.key(alert)].map({ $0.delivery <= asOf }) == true {
            recentlyResolved[Self.key(alert)] = nil
        }
        let opened = receive(
            active.map {
                var alert = $0
                alert.status = .firing
                return alert
            },
            at: now
        )
        receipt.opened = opened.opened
        receipt.refused = opened.refused
        return receipt
    }
}
