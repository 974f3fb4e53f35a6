import Foundation
import VigilHTTP
import VigilKube

/// Deployments, statefulsets and daemonsets: unavailable replicas, a rollout past its progress deadline,
/// and a recent rollout with what it changed (image, environment, resources) against the revision before.
public struct WorkloadAnalyzer: CauseAnalyzer {
    public init() {}

    public func findings(in context: AnalysisContext) -> [Finding] {
        var found: [Finding] = []
        let controllers = context.cluster.workloads.values.filter { $0.kind != "ReplicaSet" }
            .sorted { ($0.namespace, $0.kind, $0.name) < ($1.namespace, $1.kind, $1.name) }
        for workload in controllers {
            let object = Subject(kind: workload.kind, namespace: workload.namespace, name: workload.name)
            if workload.unavailableReplicas > 0 {
                found.append(
                    Finding(
                        "UnavailableReplicas",
                        .warning,
                        object: object,
                        message:
                            "\(object) has \(workload.unavailableReplicas) unavailable of \(workload.desiredReplicas ?? 0) replicas"
                    )
                )
            }
            if workload.conditionReasons["Progressing"] == "ProgressDeadlineExceeded" {
                found.append(
                    Finding(
                        "ProgressDeadlineExceeded",
                        .critical,
                        object: object,
                        message: "\(object) exceeded its progress deadline"
                    )
                )
            }
            if workload.kind == "Deployment",
                let rollout = rollout(of: workload, context) ?? rolloutFromEvents(of: workload, context)
            {
                found.append(rollout)
            }
        }
        return found
    }

    /// The newest revision, when it began within the rollout window, with what changed from the one before.
    private func rollout(of deployment: WorkloadSummary, _ context: AnalysisContext) -> Finding? {
        let history = context.cluster.rolloutHistory(ofDeployment: deployment.namespace, deployment.name)
        guard let newest = history.first, context.isRecentRollout(newest.created), let created = newest.created else {
            return nil
        }
        let changes = history.count > 1 ? Self.changes(from: history[1], to: newest) : ["first revision"]
        return Finding(
            "RecentRollout",
            .info,
            object: Subject(kind: "Deployment", namespace: deployment.namespace, name: deployment.name),
            message:
                "deployment/\(deployment.name) rolled out revision \(newest.revision ?? 0) (\(newest.name)): \(changes.joined(separator: "; "))",
            since: created.timeIntervalSince1970
        )
    }

    /// Without the replicasets (a listing that left them out), the deployment controller's own events
    /// tell a rollout: one replicaset scaled up while another of the same deployment is scaled down, in
    /// the window. (An autoscaler's scaling moves one replicaset only.)
    private func rolloutFromEvents(of deployment: WorkloadSummary, _ context: AnalysisContext) -> Finding? {
        let scaling = context.cluster.events(
            involving: "Deployment",
            namespace: deployment.namespace,
            name: deployment.name
        )
        .filter { $0.reason == "ScalingReplicaSet" && context.isRecentRollout($0.lastSeen) }
        func replicaSet(_ message: String, _ verb: String) -> String? {
            guard let range = message.range(of: "Scaled \(verb) replica set ") else { return nil }
            return message[range.upperBound...].split(separator: " ").first.map(String.init)
        }
        let downs = Set(scaling.compactMap { replicaSet($0.message, "down") })
        guard
            let up = scaling.sorted(by: { $0.firstSeen < $1.firstSeen }).first(where: { event in
                replicaSet(event.message, "up").map { !downs.isEmpty && !downs.contains($0) } ?? false
            }),
            let name = replicaSet(up.message, "up")
        else { return nil }
        return Finding(
            "RecentRollout",
            .info,
            object: Subject(kind: "Deployment", namespace: deployment.namespace, name: deployment.name),
            message: "deployment/\(deployment.name) rolled out replica set \(name) (from its scaling events)",
            since: up.firstSeen.timeIntervalSince1970
        )
    }

    /// What a rollout changed, container by container.
    static func changes(from old: WorkloadSummary, to new: WorkloadSummary) -> [String] {
        var changes: [String] = []
        for container in new.template {
            guard let before = old.template.first(where: { $0.name == container.name }) else {
                changes.append("container \(container.name) added")
                continue
            }
            if before.image != container.image { changes.append("image \(before.image) → \(container.image)") }
            let added = container.environment.filter { !before.environment.contains($0) }
            if !added.isEmpty { changes.append("env \(added.map(shown).joined(separator: ", "))") }
            if before.resources != container.resources {
                changes.append("resources \(container.resources.joined(separator: ","))")
            }
        }
        return changes.isEmpty ? ["pod template annotations only"] : changes
    }

    /// Names that read as holding a secret: their literal values are withheld.
    static let secretNames = ["PASS", "PWD", "SECRET", "TOKEN", "KEY", "CRED", "AUTH", "PRIVATE"]

    /// A variable (`NAME=value`, `NAME from …`) as a finding shows it. A finding goes to reports, chat
    /// and agents, which not every reader of the Deployment may see: a literal value under a name that
    /// reads as a secret is withheld (`DB_PASSWORD=<withheld>`: that it changed is the evidence), and a
    /// URL's password is replaced (`postgres://orders:<secret>@db/orders`). Changes are still found on
    /// the values themselves.
    static func shown(_ variable: String) -> String {
        guard let equals = variable.firstIndex(of: "="), !variable[..<equals].contains(" ") else { return variable }
        let name = variable[..<equals]
        if secretNames.contains(where: { name.uppercased().contains($0) }) { return "\(name)=<withheld>" }
        return "\(name)=\(URLUserInfo.redacted(String(variable[variable.index(after: equals)...])))"
    }
}
