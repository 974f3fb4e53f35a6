import Foundation

/// A Job or CronJob: who owns it, and whether it failed (a Job's `Failed` condition, with its reason).
public struct JobSummary: Sendable, Equatable {
    public var kind: String
    public var namespace: String
    public var name: String
    public var owner: OwnerReference?
    /// The `Failed` condition's reason (`BackoffLimitExceeded`, `DeadlineExceeded`) when it holds.
    public var failure: String?
    public var failedPods: Int
    public var finished: Date?

    init?(_ object: [String: Any]) {
        guard let kind = object["kind"] as? String, let identity = ObjectIdentity(object) else { return nil }
        self.kind = kind
        namespace = identity.namespace
        name = identity.name
        owner = PodSummary.controller(of: identity.metadata)
        let status = object["status"] as? [String: Any] ?? [:]
        let failed = (status["conditions"] as? [[String: Any]] ?? []).first {
            $0["type"] as? String == "Failed" && $0["status"] as? String == "True"
        }
        failure = failed.map { $0["reason"] as? String ?? "Failed" }
        failedPods = status["failed"] as? Int ?? 0
        finished = (failed?["lastTransitionTime"] as? String).flatMap(KubeTime.parse)
    }
}
