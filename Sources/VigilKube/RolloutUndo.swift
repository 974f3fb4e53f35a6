import Foundation

/// `kubectl rollout undo` for a deployment, computed as kubectl computes it
/// (`polymorphichelpers/rollback.go`): among the replicasets the deployment controls, the one at the
/// asked revision (or the previous one), whose pod template — without `pod-template-hash`, with Go's
/// empty fields as kubectl serialises them — replaces the deployment's, with its annotations.
enum RolloutUndo {
    /// Annotations the deployment keeps through a rollback (kubectl's `annotationsToSkip`).
    static let keptAnnotations: Set<String> = [
        "kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision",
        "deployment.kubernetes.io/revision-history", "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to",
    ]

    /// The selector kubectl lists replicasets with: `matchLabels` as `k=v,…`, sorted.
    static func labelSelector(of deployment: [String: Any]) -> String {
        let selector = (deployment["spec"] as? [String: Any])?["selector"] as? [String: Any]
        let labels = selector?["matchLabels"] as? [String: String] ?? [:]
        return labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// The JSON patch, or nil when the chosen revision is already what the deployment runs.
    static func patch(
        deployment: [String: Any],
        replicaSets: [[String: Any]],
        toRevision: Int?
    ) throws(KubeError) -> [[String: Any]]? {
        let metadata = deployment["metadata"] as? [String: Any] ?? [:]
        let name = metadata["name"] as? String ?? ""
        if (deployment["spec"] as? [String: Any])?["paused"] as? Bool == true {
            throw KubeError(
                code: 0,
                reason: nil,
                message:
                    "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again"
            )
        }
        let uid = metadata["uid"] as? String
        let owned = replicaSets.compactMap { replicaSet -> (revision: Int, object: [String: Any])? in
            let rsMetadata = replicaSet["metadata"] as? [String: Any] ?? [:]
            let owners = rsMetadata["ownerReferences"] as? [[String: Any]] ?? []
            guard owners.contains(where: { $0["controller"] as? Bool == true && $0["uid"] as? String == uid }),
                let revision = ((rsMetadata["annotations"] as? [String: String])?["deployment.kubernetes.io/revision"])
                    .flatMap({ Int($0) })
            else { return nil }
            return (revision, replicaSet)
        }
        let chosen: [String: Any]
        // kubectl's: a negative revision is none in the history (0, or none given, is the previous one).
        if let toRevision, toRevision < 0 {
            throw KubeError(code: 0, reason: nil, message: "unable to find specified revision \(toRevision) in history")
        }
        if let toRevision, toRevision > 0 {
            guard let match = owned.first(where: { $0.revision == toRevision }) else {
                throw KubeError(
                    code: 0,
                    reason: nil,
                    message: "unable to find specified revision \(toRevision) in history"
                )
            }
            chosen = match.object
        } else {
            let revisions = owned.sorted { $0.revision > $1.revision }
            guard revisions.count >= 2 else {
                throw KubeError(code: 0, reason: nil, message: "no rollout history found for deployment \"\(name)\"")
            }
            chosen = revisions[1].object
        }
        var template = (chosen["spec"] as? [String: Any])?["template"] as? [String: Any] ?? [:]
        var templateMetadata = template["metadata"] as? [String: Any] ?? [:]
        var labels = templateMetadata["labels"] as? [String: Any] ?? [:]
        labels["pod-template-hash"] = nil
        templateMetadata["labels"] = labels
        // Go serialises a zero creationTimestamp as null, and a container's empty resources as {}.
        if templateMetadata["creationTimestamp"] == nil { templateMetadata["creationTimestamp"] = NSNull() }
        template["metadata"] = templateMetadata
        var podSpec = template["spec"] as? [String: Any] ?? [:]
        podSpec["containers"] = (podSpec["containers"] as? [[String: Any]] ?? []).map { container in
            var container = container
            if container["resources"] == nil { container["resources"] = [String: Any]() }
            return container
        }
        template["spec"] = podSpec
        let current = (deployment["spec"] as? [String: Any])?["template"] as? [String: Any] ?? [:]
        if equalIgnoringHash(current, template) { return nil }
        var annotations: [String: Any] = [:]
        for (key, value) in metadata["annotations"] as? [String: Any] ?? [:] where keptAnnotations.contains(key) {
            annotations[key] = value
        }
        let chosenMetadata = chosen["metadata"] as? [String: Any] ?? [:]
        for (key, value) in chosenMetadata["annotations"] as? [String: Any] ?? [:] where !keptAnnotations.contains(key)
        {
            annotations[key] = value
        }
        return [
            ["op": "replace", "path": "/spec/template", "value": template],
            ["op": "replace", "path": "/metadata/annotations", "value": annotations],
        ]
    }

    private static func equalIgnoringHash(_ current: [String: Any], _ target: [String: Any]) -> Bool {
        func canonical(_ template: [String: Any]) -> Data? {
            var template = template
            var metadata = template["metadata"] as? [String: Any] ?? [:]
            var labels = metadata["labels"] as? [String: Any] ?? [:]
            labels["pod-template-hash"] = nil
            metadata["labels"] = labels
            metadata["creationTimestamp"] = nil
            template["metadata"] = metadata
            var spec = template["spec"] as? [String: Any] ?? [:]
            spec["containers"] = (spec["containers"] as? [[String: Any]] ?? []).map { container in
                var container = container
                if (container["resources"] as? [String: Any])?.isEmpty == true { container["resources"] = nil }
                return container
            }
            template["spec"] = spec
            return try? JSONSerialization.data(withJSONObject: template, options: .sortedKeys)
        }
        return canonical(current) == canonical(target)
    }
}
