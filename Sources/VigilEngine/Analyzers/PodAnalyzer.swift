import Foundation
import VigilKube

/// Pods: CrashLoopBackOff (with the last termination's reason and exit code), a recent OOMKilled,
/// ImagePullBackOff / ErrImagePull, CreateContainerConfigError, Pending for the scheduler, Evicted.
/// An OOM kill from before the window is history, not evidence.
public struct PodAnalyzer: CauseAnalyzer {
    public init() {}

    public func findings(in context: AnalysisContext) -> [Finding] {
        var found: [Finding] = []
        for pod in context.cluster.pods.values.sorted(by: { ($0.namespace, $0.name) < ($1.namespace, $1.name) }) {
            let object = Subject(kind: "pod", namespace: pod.namespace, name: pod.name)
            func add(
                _ reason: String,
                _ severity: Finding.Severity,
                _ container: String?,
                _ message: String,
                since: Double?
            ) {
                found.append(
                    Finding(
                        reason,
                        severity,
                        object: object,
                        container: container,
                        node: pod.node,
                        message: message,
                        since: since
                    )
                )
            }
            let created = pod.created?.timeIntervalSince1970
            if pod.reason == "Evicted" { add("Evicted", .warning, nil, "pod \(pod.name) was evicted", since: created) }
            if pod.phase == "Pending", let unschedulable = pod.unschedulable {
                add(
                    "FailedScheduling",
                    .warning,
                    nil,
                    "pod \(pod.name) cannot be scheduled: \(unschedulable)",
                    since: created
                )
            }
            for container in pod.containers {
                let terminated = container.terminatedAt?.timeIntervalSince1970
                let last =
                    container.terminationReason.map { reason in
                        "last terminated \(reason)" + (container.exitCode.map { " (exit code \($0))" } ?? "")
                    } ?? "no termination recorded"
                switch container.waitingReason {
                case "CrashLoopBackOff"?:
                    add(
                        "CrashLoopBackOff",
                        .critical,
                        container.name,
                        "container \(container.name) of \(pod.name) is crash-looping (\(container.restartCount) restarts, \(last))",
                        since: Self.crashLoopStart(
                            created: created,
                            terminated: terminated,
                            restarts: container.restartCount,
                            now: context.now
                        )
                    )
                case let reason?
                where reason == "ImagePullBackOff" || reason == "ErrImagePull" || reason == "InvalidImageName":
                    add(
                        "ImagePullBackOff",
                        .critical,
                        container.name,
                        "container \(container.name) of \(pod.name) cannot pull its image (\(reason)\(container.waitingMessage.map { ": \($0)" } ?? ""))",
                        since: created
                    )
                case let reason? where reason == "CreateContainerConfigError" || reason == "CreateContainerError":
                    add(
                        "CreateContainerConfigError",
                        .critical,
                        container.name,
                        "container \(container.name) of \(pod.name) cannot start: \(container.waitingMessage ?? reason)",
                        since: created
                    )
                default: break
                }
                if container.terminationReason == "OOMKilled", context.isRecent(container.terminatedAt) {
                    add(
                        "OOMKilled",
                        .critical,
                        container.name,
                        "container \(container.name) of \(pod.name) was OOMKilled (exit code \(container.exitCode ?? 137), \(container.restartCount) restarts)",
                        since: terminated
                    )
                }
            }
        }
        return found
    }

    /// The latest a crash loop can have begun, and no earlier than its pod: its restarts after the first
    /// (which is immediate) each waited the kubelet's back-off (10 s, doubling, at most 5 minutes), so it
    /// began no later than that long ago, and no later than its last termination. The last termination
    /// alone moves with every crash: a loop that began with its pod an hour ago read as trouble that
    /// began just now. Without a creation time, the last termination.
    static func crashLoopStart(created: Double?, terminated: Double?, restarts: Int, now: Double) -> Double? {
        guard let created else { return terminated }
        var waited = 0.0
        var delay = 10.0
        for _ in 0..<min(max(restarts - 1, 0), 100_000) {
            waited += delay
            delay = min(delay * 2, 300)
            if now - waited <= created { break }
        }
        return max(created, min(now - waited, terminated ?? now))
    }
}
