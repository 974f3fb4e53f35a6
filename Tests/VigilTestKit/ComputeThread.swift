import Foundation

/// One thread kept for the tests that compute for seconds at a stretch (a simulated fleet, a scenario
/// replayed in-process). On a 2-core machine Swift's cooperative pool has two threads; two such tests on
/// them starve every other task in the test process, the servers under test included, and unrelated
/// timing-bound tests time out. Here they take their turns on this thread instead, one at a time.
public final class ComputeThread: TaskExecutor, @unchecked Sendable {
    public static let shared = ComputeThread()

    private let ready = NSCondition()
    /// Guarded by `ready`.
    private var jobs: [UnownedJob] = []

    private init() {
        let thread = Thread { [unowned self] in self.serve() }
        thread.name = "vigil-test-compute"
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        ready.lock()
        jobs.append(job)
        ready.signal()
        ready.unlock()
    }

    private func serve() -> Never {
        while true {
            ready.lock()
            while jobs.isEmpty { ready.wait() }
            let job = jobs.removeFirst()
            ready.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Runs `work` on `ComputeThread.shared`, in the calling task: its cancellation, its time limit and its
/// task-locals (the test `#expect` reports to, a capturing console) reach the work, and no pool thread is
/// held while it runs.
public func computeOffThePool<T>(_ work: () async throws -> T) async throws -> T {
    try await withTaskExecutorPreference(ComputeThread.shared, operation: work)
}
