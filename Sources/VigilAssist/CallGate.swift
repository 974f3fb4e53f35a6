import Synchronization

/// How many tool calls are answered at once. The MCP SDK starts a task for every request it reads, so
/// an agent (or anything on its stdin) that sends calls faster than they are answered would otherwise
/// start reads and dry runs without bound; past the limit a call is refused at once, and the agent
/// retries when one of its calls has come back.
public final class CallGate: Sendable {
    public let limit: Int
    private let inFlight = Mutex(0)

    /// Four: an agent asks a few tools at once; each may read Prometheus and the cluster.
    public init(limit: Int = 4) {
        precondition(limit > 0, "a gate lets at least one call through")
        self.limit = limit
    }

    /// Takes a place, or false when all are taken.
    func enter() -> Bool {
        inFlight.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() { inFlight.withLock { $0 -= 1 } }
}
