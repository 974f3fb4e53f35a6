/// What the remediation Lease says of a change about to be made.
public enum LeaseCheck: Sendable, Equatable {
    /// This replica holds the lease and nobody applied the proposal yet.
    case held
    /// Another replica holds the lease, or nobody does, or it could not be read.
    case lost
    /// A leader applied this proposal already.
    case alreadyApplied
}
