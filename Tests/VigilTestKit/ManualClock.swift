import Foundation

/// A `Clock` that moves only when a test says so: sleepers wake when ``advance(by:)`` passes their
/// deadline, never on the wall clock. ``epochSeconds`` is the wall time the clock stands for, for code
/// that also needs seconds since the epoch.
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol {
        /// Time since the clock was made.
        public var offset: Duration

        public init(offset: Duration) { self.offset = offset }

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        var deadline: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Duration.zero
        var sleepers: [UInt64: Sleeper] = [:]
        var cancelled: Set<UInt64> = []
        var nextID: UInt64 = 0
    }

    /// NSLock rather than Synchronization.Mutex, which ThreadSanitizer cannot see through on Linux (it
    /// reported the guarded reads and writes as a race).
    private let lock = NSLock()
    private nonisolated(unsafe) var guarded = State()

    private func withLock<T>(_ body: (inout State) throws -> T) rethrows -> T {
        try lock.withLock { try body(&guarded) }
    }
    /// The wall time at the clock's start, seconds since the epoch.
    public let start: Double

    public init(start: Double = 1_700_000_000) {
        self.start = start
    }

    public var now: Instant { Instant(offset: withLock { $0.now }) }
    public var minimumResolution: Duration { .zero }

    /// The wall time the clock stands at: ``start`` plus the time advanced.
    public var epochSeconds: Double {
        let components = now.offset.components
        return start + Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// How many tasks are asleep on this clock.
    public var sleepers: Int { withLock { $0.sleepers.count } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate: Result<Void, any Error>? = withLock { state in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline.offset <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline.offset, continuation: continuation)
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let sleeper = withLock { state -> Sleeper? in
                if let sleeper = state.sleepers.removeValue(forKey: id) { return sleeper }
                state.cancelled.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock on, waking every sleeper whose deadline is passed.
    public func advance(by duration: Duration) {
        let due = withLock { state in
            state.now += duration
            let due = state.sleepers.filter { $0.value.deadline <= state.now }
            for id in due.keys { state.sleepers[id] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    /// Returns once at least `count` tasks sleep on this clock (yielding, never sleeping, meanwhile).
    public func waitForSleepers(_ count: Int) async {
        while sleepers < count { await Task.yield() }
    }
}
