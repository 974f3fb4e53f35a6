import Foundation

/// How many tool calls are answered at once. The MCP SDK starts a task for every request it reads, so
/// an agent (or anything on its stdin) that sends calls faster than they are answered would otherwise
/// start reads and dry runs without bound; past the limit a call is refused at once, and the agent
/// retries when one of its calls has come back.
public final class CallGate: @unchecked Sendable {
    public let limit: Int
    // An NSLock (a pthread mutex), not Synchronization's Mutex: ThreadSanitizer sees through the
    // former, and reported the latter's futex-guarded count as a race.
    private let lock = NSLock()
    private var inFlight = 0

    /// Four: an agent asks a few tools at once; each may read Prometheus and the cluster.
    public init(limit: Int = 4) {
        precondition(limit > 0, "a gate lets at least one call through")
        self.limit = limit
    }

    /// Takes a place, or false when all are taken.
    func enter() -> Bool {
        lock.withLock {
            guard inFlight < limit else { return false }
            inFlight += 1
            return true
        }
    }

    func leave() { lock.withLock { inFlight -= 1 } }
}
