import Foundation
import VigilKube

/// Jobs (and so CronJobs) that failed within the window: backoff limit or deadline exceeded.
public struct JobAnalyzer: CauseAnalyzer {
    public init() {}

    public func findings(in context: AnalysisContext) -> [Finding] {
        context.cluster.jobs.values.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
            .filter { $0.kind == "Job" && $0.failure != nil && ($0.finished == nil || context.isRecent($0.finished)) }
            .map { job in
                Finding(
                    "JobFailed",
                    .warning,
                    object: Subject(kind: "job", namespace: job.namespace, name: job.name),
                    message: "job/\(job.name) failed: \(job.failure ?? "Failed") (\(job.failedPods) failed pods)",
                    since: job.finished?.timeIntervalSince1970
                )
            }
    }
}
