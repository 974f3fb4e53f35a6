import Foundation

/// One request to the API server, as kubectl would send it for the same action.
public struct KubeRequest: Sendable, Equatable {
    public var method: String
    public var path: String
    /// Query parameters in kubectl's order (Go sorts them by key).
    public var query: [KubeQueryItem]
    public var contentType: String?
    public var body: [UInt8]?

    public init(
        method: String,
        path: String,
        query: [KubeQueryItem] = [],
        contentType: String? = nil,
        body: [UInt8]? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query.sorted { $0.name < $1.name }
        self.contentType = contentType
        self.body = body
    }
}

public struct KubeQueryItem: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A change to a cluster, each sent exactly as kubectl 1.32 sends it (see
/// `../shared/reference/kubernetes-wire.md`): the same method, path, query, content type and body, with
/// the server-side dry-run variant kubectl uses, and the equivalent kubectl command line.
public enum KubeAction: Sendable, Equatable, Codable {
    /// `kubectl rollout restart` of a deployment, statefulset or daemonset.
    case restart(KubeObjectReference)
    /// `kubectl rollout undo` of a deployment: to `revision`, or to the previous one.
    case undo(KubeObjectReference, toRevision: Int?)
    /// `kubectl scale --replicas=N`.
    case scale(KubeObjectReference, replicas: Int)
    /// `kubectl delete pod` (without kubectl's wait for the pod to be gone).
    case delete(KubeObjectReference)
    /// `kubectl cordon` / `kubectl uncordon`.
    case cordon(node: String)
    case uncordon(node: String)
    /// `kubectl drain`: cordon, then evict the node's pods (see ``DrainOptions``).
    case drain(node: String, DrainOptions)
    /// `kubectl annotate` / `kubectl label`: each key set to a value, or removed (nil). As kubectl, an
    /// existing key gets a new value only with `overwrite`.
    case annotate(KubeObjectReference, [MetadataChange], overwrite: Bool = false)
    case label(KubeObjectReference, [MetadataChange], overwrite: Bool = false)
    /// `kubectl set resources`: limits and requests (`memory` → `512Mi`) of one container, or of every
    /// container when none is named.
    case setResources(KubeObjectReference, container: String?, limits: [String: String], requests: [String: String])
    /// `kubectl patch pvc NAME -p '{"spec":{"resources":{"requests":{"storage":"SIZE"}}}}'`: a claim asks for a
    /// bigger volume. The API server refuses a shrink, and a growth unless the claim's StorageClass allows
    /// volume expansion.
    case expandPVC(KubeObjectReference, size: String)
    /// `kubectl patch hpa NAME -p '{"spec":{"maxReplicas":N}}'`: the most an autoscaler may scale to.
    case setHPAMax(KubeObjectReference, maxReplicas: Int)

    public struct MetadataChange: Sendable, Equatable, Codable {
        public var key: String
        public var value: String?

        public init(key: String, value: String?) {
            self.key = key
            self.value = value
        }

        /// `k=v` sets, `k-` removes, as kubectl reads its arguments.
        public init?(kubectlArgument: String) {
            if kubectlArgument.hasSuffix("-"), !kubectlArgument.contains("=") {
                self.init(key: String(kubectlArgument.dropLast()), value: nil)
            } else if let equals = kubectlArgument.firstIndex(of: "="), equals != kubectlArgument.startIndex {
                self.init(
                    key: String(kubectlArgument[..<equals]),
                    value: String(kubectlArgument[kubectlArgument.index(after: equals)...])
                )
            } else {
                return nil
            }
        }

        var kubectlArgument: String { value.map { "\(key)=\($0)" } ?? "\(key)-" }
    }

    /// The object acted on.
    public var object: KubeObjectReference {
        switch self {
        case .restart(let object), .scale(let object, _), .delete(let object), .annotate(let object, _, _),
            .label(let object, _, _), .setResources(let object, _, _, _), .undo(let object, _),
            .expandPVC(let object, _), .setHPAMax(let object, _):
            object
        case .cordon(let node), .uncordon(let node), .drain(let node, _): KubeObjectReference(.node, name: node)
        }
    }

    /// The GET kubectl sends first (the object must exist; cordon reads its current state); none for a
    /// delete, which kubectl sends straight away.
    public var check: KubeRequest? {
        if case .delete = self { return nil }
        return KubeRequest(method: "GET", path: object.path)
    }

    /// The change itself. `now` stamps a restart (`kubectl.kubernetes.io/restartedAt`); `current` (the
    /// object the check read, as JSON) makes an annotate or label patch the difference kubectl computes:
    /// keys already at their value, and removals of keys that are not there, are left out. `rollbackPatch`
    /// is a rollback's body (``ActionOutcome/rollbackPatch``): its JSON patch comes from the replicasets,
    /// which only ``KubeClient`` reads; without it (or empty) a rollback is its envelope alone.
    public func change(
        dryRun: Bool,
        now: Date = Date(),
        current: [String: Any] = [:],
        rollbackPatch: [UInt8]? = nil
    ) -> KubeRequest {
        let dryRunQuery = dryRun ? [KubeQueryItem("dryRun", "All")] : []
        switch self {
        case .restart(let object):
            let stamp = ISO8601DateFormatter().string(from: now)
            return Self.patch(
                object.path,
                strategic: true,
                fieldManager: "kubectl-rollout",
                dryRun: dryRun,
                ["spec": ["template": ["metadata": ["annotations": ["kubectl.kubernetes.io/restartedAt": stamp]]]]]
            )
        case .undo(let object, _):
            return KubeRequest(
                method: "PATCH",
                path: object.path,
                query: dryRunQuery,
                contentType: "application/json-patch+json",
                body: rollbackPatch.flatMap { $0.isEmpty ? nil : $0 }
            )
        case .scale(let object, let replicas):
            return Self.patch(
                object.path + "/scale",
                strategic: false,
                dryRun: dryRun,
                ["spec": ["replicas": replicas]]
            )
        case .delete(let object):
            // The DeleteOptions as Go's json.Encoder writes kubectl's: fields in their declared order (the
            // propagation policy before the dry run, which goes in the body), a newline after.
            let options = #"{"propagationPolicy":"Background""# + (dryRun ? #","dryRun":["All"]"# : "") + "}\n"
            return KubeRequest(
                method: "DELETE",
                path: object.path,
                contentType: "application/json",
                body: Array(options.utf8)
            )
        case .cordon, .uncordon, .drain:
            let unschedulable: Any = if case .uncordon = self { NSNull() } else { true }
            return Self.patch(object.path, strategic: true, dryRun: dryRun, ["spec": ["unschedulable": unschedulable]])
        case .setResources(let object, _, _, _):
            let order = Self.containers(of: current).map { ["name": $0["name"] ?? ""] }
            return Self.patch(
                object.path,
                strategic: true,
                fieldManager: "kubectl-set",
                dryRun: dryRun,
                [
                    "spec": [
                        "template": [
                            "spec": [
                                "$setElementOrder/containers": order, "containers": resourceChanges(current: current),
                            ]
                        ]
                    ]
                ]
            )
        case .annotate(let object, let changes, _), .label(let object, let changes, _):
            let field = metadataField
            let existing = Self.metadata(field, of: current)
            var values: [String: Any] = [:]
            for change in changes where existing[change.key] != change.value {
                values[change.key] = change.value ?? NSNull()
            }
            return Self.patch(
                object.path,
                strategic: false,
                fieldManager: field == "labels" ? "kubectl-label" : "kubectl-annotate",
                dryRun: dryRun,
                ["metadata": [field: values]]
            )
        case .expandPVC(_, let size):
            return kubectlPatch(dryRun: dryRun, ["spec": ["resources": ["requests": ["storage": size]]]])
        case .setHPAMax(_, let maxReplicas):
            return kubectlPatch(dryRun: dryRun, ["spec": ["maxReplicas": maxReplicas]])
        }
    }

    /// What `kubectl patch` sends for `-p BODY`: a strategic merge patch with its own field manager.
    private func kubectlPatch(dryRun: Bool, _ body: [String: Any]) -> KubeRequest {
        Self.patch(object.path, strategic: true, fieldManager: "kubectl-patch", dryRun: dryRun, body)
    }

    /// Whether kubectl does this with `kubectl patch`, which reports an answer equal to the object it read as
    /// `patched (no change)`.
    var isKubectlPatch: Bool {
        switch self {
        case .expandPVC, .setHPAMax: true
        default: false
        }
    }

    /// The kubectl command line that does the same.
    public func kubectlCommand(dryRun: Bool) -> String {
        let namespace = object.resource.isNamespaced ? " -n \(object.namespace)" : ""
        let server = dryRun ? " --dry-run=server" : ""
        switch self {
        case .restart(let object):
            // kubectl 1.32 has no --dry-run for rollout restart: the equivalent is the patch itself.
            if dryRun {
                return kubectlPatchCommand(flags: " --type=strategic --field-manager=kubectl-rollout --dry-run=server")
            }
            return "kubectl rollout restart \(object)\(namespace)"
        case .expandPVC, .setHPAMax: return kubectlPatchCommand(flags: server)
        case .undo(let object, let revision):
            let to = revision.map { " --to-revision=\($0)" } ?? ""
            return "kubectl rollout undo \(object)\(namespace)\(to)\(server)"
        case .scale(let object, let replicas):
            return "kubectl scale \(object)\(namespace) --replicas=\(replicas)\(server)"
        case .delete(let object): return "kubectl delete \(object)\(namespace)\(server)"
        case .setResources(let object, let container, let limits, let requests):
            func list(_ values: [String: String]) -> String {
                values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            }
            let containerFlag = container.map { " -c \($0)" } ?? ""
            let limitsFlag = limits.isEmpty ? "" : " --limits=\(list(limits))"
            let requestsFlag = requests.isEmpty ? "" : " --requests=\(list(requests))"
            return "kubectl set resources \(object)\(namespace)\(containerFlag)\(limitsFlag)\(requestsFlag)\(server)"
        case .drain(let node, let options):
            let flags = [
                options.ignoreDaemonSets ? " --ignore-daemonsets" : "",
                options.deleteEmptyDirData ? " --delete-emptydir-data" : "",
                options.force ? " --force" : "", " --timeout=\(Int(options.timeout))s",
                options.skipWaitForDeleteTimeout > 0
                    ? " --skip-wait-for-delete-timeout=\(Int(options.skipWaitForDeleteTimeout))" : "",
            ]
            return "kubectl drain \(node)\(flags.joined())\(server)"
        case .cordon(let node): return "kubectl cordon \(node)\(server)"
        case .uncordon(let node): return "kubectl uncordon \(node)\(server)"
        case .annotate(let object, let changes, let overwrite), .label(let object, let changes, let overwrite):
            let verb = metadataField == "labels" ? "label" : "annotate"
            let arguments = changes.map(\.kubectlArgument).joined(separator: " ")
            return "kubectl \(verb) \(object)\(namespace) \(arguments)\(overwrite ? " --overwrite" : "")\(server)"
        }
    }

    /// `kubectl patch OBJECT FLAGS -p 'BODY'` with this action's body, quoted for a POSIX shell.
    private func kubectlPatchCommand(flags: String) -> String {
        let namespace = object.resource.isNamespaced ? " -n \(object.namespace)" : ""
        let body = String(decoding: change(dryRun: false).body ?? [], as: UTF8.self)
        let quoted = body.replacingOccurrences(of: "'", with: #"'\''"#)
        return "kubectl patch \(object)\(namespace)\(flags) -p '\(quoted)'"
    }

    /// What kubectl prints after doing it: `deployment.apps/web restarted`.
    public var pastTense: String {
        switch self {
        case .restart: "\(object) restarted"
        case .undo: "\(object) rolled back"
        case .scale: "\(object) scaled"
        case .delete: "\(object.resource.rawValue) \"\(object.name)\" deleted"
        case .cordon: "\(object) cordoned"
        case .drain: "\(object) drained"
        case .uncordon: "\(object) uncordoned"
        case .annotate: "\(object) annotated"
        case .label: "\(object) labeled"
        case .setResources: "\(object) resource requirements updated"
        case .expandPVC, .setHPAMax: "\(object) patched"
        }
    }

    /// A PATCH as kubectl sends it: strategic or JSON merge patch, kubectl's field manager when it sets
    /// one, `dryRun=All` first in the query for a server-side dry run.
    static func patch(
        _ path: String,
        strategic: Bool,
        fieldManager: String? = nil,
        dryRun: Bool,
        _ body: [String: Any]
    ) -> KubeRequest {
        var query = dryRun ? [KubeQueryItem("dryRun", "All")] : []
        if let fieldManager { query.append(KubeQueryItem("fieldManager", fieldManager)) }
        return KubeRequest(
            method: "PATCH",
            path: path,
            query: query,
            contentType: strategic ? "application/strategic-merge-patch+json" : "application/merge-patch+json",
            body: json(body)
        )
    }

    /// The pod template's containers of a workload read as JSON.
    public static func containers(of object: [String: Any]) -> [[String: Any]] {
        let spec = object["spec"] as? [String: Any]
        let template = (spec?["template"] as? [String: Any])?["spec"] as? [String: Any]
        return template?["containers"] as? [[String: Any]] ?? []
    }

    /// Whether the change would change nothing (kubectl then sends no patch).
    func changesNothing(current: [String: Any]) -> Bool {
        guard case .setResources = self else { return false }
        return resourceChanges(current: current).isEmpty
    }

    /// For set resources: each container whose limits or requests change, with only the values that
    /// differ from `current` (kubectl's two-way diff).
    private func resourceChanges(current: [String: Any]) -> [[String: Any]] {
        guard case .setResources(_, let container, let limits, let requests) = self else { return [] }
        var changed: [[String: Any]] = []
        for existing in Self.containers(of: current) where container == nil || existing["name"] as? String == container
        {
            let resources = existing["resources"] as? [String: Any] ?? [:]
            var patch: [String: Any] = [:]
            for (field, wanted) in [("limits", limits), ("requests", requests)] {
                let now = resources[field] as? [String: String] ?? [:]
                let different = wanted.filter { now[$0.key] != $0.value }
                if !different.isEmpty { patch[field] = different }
            }
            if !patch.isEmpty { changed.append(["name": existing["name"] ?? "", "resources": patch]) }
        }
        return changed
    }

    /// "annotations" or "labels", for the metadata actions.
    var metadataField: String {
        if case .label = self { return "labels" }
        return "annotations"
    }

    /// The annotations or labels of an object read as JSON.
    static func metadata(_ field: String, of object: [String: Any]) -> [String: String] {
        ((object["metadata"] as? [String: Any])?[field] as? [String: String]) ?? [:]
    }

    /// Why the change to `current` is refused before it is sent, or nil when allowed: kubectl's refusal to
    /// change an existing value without `--overwrite`; an HPA maximum the API server's validation would reject
    /// (below 1, or below the HPA's minReplicas), so that Vigil says why before it asks.
    func refusal(current: [String: Any]) -> String? {
        switch self {
        case .annotate(_, let changes, false), .label(_, let changes, false):
            let noun = metadataField == "labels" ? "label" : "annotation"
            return Self.overwriteRefusal(changes, Self.metadata(metadataField, of: current), noun: noun)
        case .setHPAMax(let object, let maxReplicas):
            // The API server defaults an absent minReplicas to 1.
            let minReplicas = (current["spec"] as? [String: Any])?["minReplicas"] as? Int ?? 1
            let refused = "cannot set the maxReplicas of \(object) to \(maxReplicas)"
            if maxReplicas < 1 { return "\(refused): it must be greater than 0" }
            if maxReplicas < minReplicas {
                return "\(refused): it must be greater than or equal to its minReplicas (\(minReplicas))"
            }
            return nil
        case .setResources(_, let container?, _, _)
        where !Self.containers(of: current).contains(where: { $0["name"] as? String == container }):
            // kubectl's error too: a change to no container is no "unchanged", it is a wrong name.
            return "unable to find container named \(container)"
        case .restart(let object) where object.resource == .deployment:
            // kubectl's restarter refuses it too: a paused deployment would not roll out the new template,
            // and a verification would judge a restart that never happened.
            let paused = (current["spec"] as? [String: Any])?["paused"] as? Bool == true
            return paused ? "\(object) can't restart paused deployment (run rollout resume first)" : nil
        default:
            return nil
        }
    }

    private static func overwriteRefusal(
        _ changes: [MetadataChange],
        _ existing: [String: String],
        noun: String
    ) -> String? {
        let clashes = changes.compactMap { change -> String? in
            guard let value = change.value, let old = existing[change.key], old != value else { return nil }
            return "'\(change.key)' already has a value (\(old))"
        }
        guard !clashes.isEmpty else { return nil }
        return "--overwrite is false but found the following declared \(noun)(s): \(clashes.joined(separator: ", "))"
    }

    /// `text` as a JSON string, quotes included.
    static func jsonString(_ text: String) -> String {
        String(decoding: json([text]).dropFirst().dropLast(), as: UTF8.self)
    }

    /// A JSON body: sorted keys, slashes unescaped.
    public static func json(_ value: Any) -> [UInt8] {
        Array(
            (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]))
                ?? Data()
        )
    }
}
