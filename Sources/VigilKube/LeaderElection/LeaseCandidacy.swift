/// What a short-lived candidate (``LeaderElector/campaignOnce()``) found on the Lease.
public enum LeaseCandidacy: Sendable, Equatable {
    /// This candidate holds the lease now.
    case acquired
    /// A live holder has it: renewed within its duration by its own `renewTime`, or renewed while this
    /// candidate watched. The record as last read.
    case held(LeaseRecord)
    /// The lease could not be read or written.
    case unavailable
}
