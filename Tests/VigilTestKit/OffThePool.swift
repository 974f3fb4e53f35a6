import Foundation

/// Runs blocking work (a socket read that waits, a child process run to its end) on a thread of its
/// own and awaits it. On a 2-core machine Swift's cooperative pool has two threads: two tests blocking
/// them starve every other task in the test process — the servers under test included, whose handlers
/// are tasks — and unrelated tests time out.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: work()) }
    }
}
