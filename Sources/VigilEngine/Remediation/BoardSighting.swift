/// How the leader has seen one board entry: each proposer's stamp as last read, and when — on the
/// leader's own monotonic clock — a proposer last refreshed it. An entry's staleness is how long its
/// proposers have been silent as the leader watched, not their stamps against the leader's clock: the
/// stamps come from other machines' clocks, and a proposer 2 minutes behind would have every entry
/// withdrawn as soon as it was pinned (never applied), one ahead would keep its entries standing for as
/// long after it died. client-go judges a Lease's renewals the same way, on a monotonic clock: a step of
/// the leader's wall clock (an NTP correction) would otherwise withdraw everything it watched.
struct BoardSighting: Sendable, Equatable {
    /// The leader watching: its own stamp on the entry (one it pinned when it did not lead) is no sign of
    /// another proposer's life.
    let leader: String
    /// Each other proposer's last stamp, by identity.
    private(set) var stamps: [String: Double]
    /// When, on the leader's monotonic clock, the entry was first read or a proposer last refreshed it.
    private(set) var since: Double
    /// Whether a proposer refreshed it while the leader watched.
    private(set) var refreshed = false

    /// `entry` first read by `leader` at `now` (monotonic).
    init(_ entry: HandedProposal, by leader: String, at now: Double) {
        self.leader = leader
        stamps = Self.stamps(of: entry, besides: leader)
        since = now
    }

    /// This sighting after reading `entry` again at `now` (monotonic): refreshed if a proposer joined or
    /// stamped it anew (one taking itself off is no sign that the others live; a stamp that moved back is
    /// a proposer whose clock was stepped back, alive).
    func reading(_ entry: HandedProposal, at now: Double) -> BoardSighting {
        let next = Self.stamps(of: entry, besides: leader)
        let moved = next.contains { identity, stamp in stamps[identity].map { stamp != $0 } ?? true }
        var sighting = self
        sighting.stamps = next
        if moved {
            sighting.since = now
            sighting.refreshed = true
        }
        return sighting
    }

    /// Withdrawn: no proposer refreshed it for longer than `staleAfter` while the leader watched (`now`:
    /// monotonic).
    func isStale(at now: Double, after staleAfter: Double) -> Bool { now - since > staleAfter }

    /// Whether the leader may act on it: once a proposer refreshed it while watched; before that, only if
    /// the latest stamp of a proposer other than the leader is within the staleness of the leader's wall
    /// clock (`now`), before or after, so that a new leader does not apply what a proposer that died long
    /// before pinned, however its clock was set (a skewed proposer's entry waits for its next refresh).
    func isConfirmed(at now: Double, after staleAfter: Double) -> Bool {
        refreshed || stamps.values.max().map { abs(now - $0) <= staleAfter } ?? false
    }

    private static func stamps(of entry: HandedProposal, besides leader: String) -> [String: Double] {
        Dictionary(
            entry.proposers.filter { $0.identity != leader }.map { ($0.identity, $0.seen) },
            uniquingKeysWith: max
        )
    }
}
