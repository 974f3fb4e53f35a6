/// Runs `operation` until it ends or `deadline` passes on `clock`, whichever comes first. At the deadline
/// the operation is cancelled and its result (what it makes of being cut short) awaited; `timedOut` says
/// so. A cancellation from outside (a stop) cancels both and is no deadline.
func withDeadline<T: Sendable>(
    _ deadline: Duration,
    clock: any Clock<Duration>,
    _ operation: @escaping @Sendable () async -> T
) async -> (value: T, timedOut: Bool) {
    await withTaskGroup(of: DeadlineEnding<T>.self) { group in
        group.addTask { .finished(await operation()) }
        group.addTask {
            do {
                try await clock.sleep(for: deadline)
                return .deadline
            } catch {
                return .stopped
            }
        }
        var timedOut = false
        while let ending = await group.next() {
            switch ending {
            case .finished(let value):
                group.cancelAll()
                return (value, timedOut)
            case .deadline:
                timedOut = true
                group.cancelAll()
            case .stopped:
                continue
            }
        }
        // The operation's task always ends with its value, and the loop returns it then.
        preconditionFailure("withDeadline: the operation ended without a value")
    }
}

/// How one of ``withDeadline(_:clock:_:)``'s two tasks ended.
private enum DeadlineEnding<T: Sendable>: Sendable {
    case finished(T)
    case deadline
    case stopped
}
