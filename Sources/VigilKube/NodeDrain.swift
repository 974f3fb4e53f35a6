import Foundation

/// `kubectl drain`'s choices: which pods may go, and how long to wait.
public struct DrainOptions: Sendable, Equatable, Codable {
    /// Leave pods of an existing DaemonSet on the node (their controller would recreate them anyway).
    public var ignoreDaemonSets = false
    /// Evict pods with `emptyDir` volumes (their data is lost).
    public var deleteEmptyDirData = false
    /// Evict pods no controller will recreate.
    public var force = false
    /// The most the whole drain may take, evictions and waits included.
    public var timeout: Double = 300
    /// kubectl's `--skip-wait-for-delete-timeout`, in seconds (0: never): a pod whose deletion time (when
    /// its grace period ends) passed longer ago than this is neither evicted nor waited for. A node that
    /// stopped working never confirms its pods' ends, and they stay Terminating until the node is gone or
    /// marked out of service: without it, a drain of such a node waits out its whole timeout and fails.
    public var skipWaitForDeleteTimeout: Double = 0

    public init(
        ignoreDaemonSets: Bool = false,
        deleteEmptyDirData: Bool = false,
        force: Bool = false,
        timeout: Double = 300,
        skipWaitForDeleteTimeout: Double = 0
    ) {
        self.ignoreDaemonSets = ignoreDaemonSets
        self.deleteEmptyDirData = deleteEmptyDirData
        self.force = force
        self.timeout = timeout
        self.skipWaitForDeleteTimeout = skipWaitForDeleteTimeout
    }

    /// The longest drain a decoded action may ask for: a day.
    public static let longestTimeout: Double = 86_400

    /// As written, but a timeout that is not a number of seconds from 1 to a day (0 to a day for the
    /// skip) is refused: decoded options come from a file or from another replica's board entry, and a
    /// timeout of 1e300 trapped when it was turned into a whole number of seconds (kubectl's `--timeout`)
    /// or a deadline. Options written before the skip existed have none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ignoreDaemonSets = try container.decode(Bool.self, forKey: .ignoreDaemonSets)
        deleteEmptyDirData = try container.decode(Bool.self, forKey: .deleteEmptyDirData)
        force = try container.decode(Bool.self, forKey: .force)
        timeout = try container.decode(Double.self, forKey: .timeout)
        skipWaitForDeleteTimeout = try container.decodeIfPresent(Double.self, forKey: .skipWaitForDeleteTimeout) ?? 0
        for (key, value, least) in [
            (CodingKeys.timeout, timeout, 1.0), (.skipWaitForDeleteTimeout, skipWaitForDeleteTimeout, 0),
        ]
        where !(least...Self.longestTimeout).contains(value) {
            throw DecodingError.dataCorruptedError(
                forKey: key,
                in: container,
                debugDescription:
                    "a drain's \(key.stringValue) is \(Int(least)) to \(Int(Self.longestTimeout)) seconds, not \(value)"
            )
        }
    }
}

/// A drain with kubectl's requests (`pkg/drain`): cordon, the node's pods cluster-wide, the filters
/// (pods deleted longer ago than the skip and mirror pods skipped, DaemonSet pods checked and ignored or
/// refused, local storage and unmanaged pods refused without their flags, every refusal listed at once),
/// the eviction-support check, then one policy/v1 eviction per pod, concurrently, retried every 5 s
/// while a PodDisruptionBudget answers 429, each followed by a wait until the pod is gone (404, or a pod
/// of that name with another UID: a StatefulSet's `db-0` made again) — all within the deadline.
struct NodeDrain {
    let client: KubeClient
    let node: String
    let options: DrainOptions
    /// Why a namespace's pods may not be evicted, or nil (``KubeClient/perform(_:dryRun:now:precondition:protectedNamespace:)``).
    let protectedNamespace: @Sendable (String) -> String?

    /// A pod to evict, and the UID that tells it from a pod of the same name made after it.
    struct Eviction {
        var namespace: String
        var name: String
        var uid: String
    }

    /// The pods to evict, with kubectl's warnings; throws kubectl's refusal when a pod may not go.
    func podsToEvict(_ pods: [[String: Any]]) async throws(KubeError) -> (evict: [Eviction], warnings: [String]) {
        var evict: [Eviction] = []
        var ignoredDaemonSet: [String] = []
        var orphaned: [String: [String]] = [:]
        var unmanaged: [String] = []
        var refusals: [String: [String]] = [:]
        for pod in pods {
            let metadata = pod["metadata"] as? [String: Any] ?? [:]
            let namespace = metadata["namespace"] as? String ?? "default"
            let name = metadata["name"] as? String ?? ""
            let id = "\(namespace)/\(name)"
            if isLongDeleted(metadata) { continue }
            let phase = (pod["status"] as? [String: Any])?["phase"] as? String
            let finished = phase == "Succeeded" || phase == "Failed"
            let owner = Self.controller(of: metadata)
            // By kind alone, as kubectl 1.32 judges it: a DaemonSet of another group (OpenKruise's) is looked
            // up as apps/v1's, answers 404, and goes only with --force.
            if let owner, owner.kind == "DaemonSet", !finished {
                let daemonSet = KubeObjectReference(.daemonset, namespace: namespace, name: owner.name)
                do {
                    _ = try await client.send(KubeRequest(method: "GET", path: daemonSet.path))
                    if options.ignoreDaemonSets {
                        ignoredDaemonSet.append(id)
                    } else {
                        refusals[
                            "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)",
                            default: []
                        ].append(id)
                    }
                    continue
                } catch {
                    guard error.code == 404 else { throw error }
                    // The DaemonSet is gone and left its pod running (deleted with --cascade=orphan, for a
                    // migration): only --force deletes it, with a warning, as kubectl's filter does; both
                    // name it in the server's words (`daemonsets.apps "NAME" not found`).
                    let gone = error.message
                    guard options.force else {
                        refusals["cannot delete \(gone)", default: []].append(id)
                        continue
                    }
                    orphaned[gone, default: []].append(id)
                }
            }
            // kubectl skips a mirror pod after the DaemonSet filter, whose refusal it still reports.
            if (metadata["annotations"] as? [String: Any])?["kubernetes.io/config.mirror"] != nil { continue }
            let volumes = (pod["spec"] as? [String: Any])?["volumes"] as? [[String: Any]] ?? []
            if !finished, volumes.contains(where: { $0["emptyDir"] != nil }), !options.deleteEmptyDirData {
                refusals["cannot delete Pods with local storage (use --delete-emptydir-data to override)", default: []]
                    .append(id)
                continue
            }
            if owner == nil, !finished {
                if options.force {
                    unmanaged.append(id)
                } else {
                    refusals["cannot delete Pods that declare no controller (use --force to override)", default: []]
                        .append(id)
                    continue
                }
            }
            // A finished pod (a completed job's, k3s's helm-install) runs nothing: its deletion is no change
            // to its namespace's workloads, and it would otherwise stop every drain of its node.
            if !finished, protectedNamespace(namespace) != nil {
                refusals["cannot evict Pods in a namespace Vigil may not change (remediation.namespaces)", default: []]
                    .append(id)
                continue
            }
            evict.append(Eviction(namespace: namespace, name: name, uid: metadata["uid"] as? String ?? ""))
        }
        guard refusals.isEmpty else {
            let lines = refusals.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.joined(separator: ", "))" }
            throw KubeError(
                code: 0,
                reason: nil,
                message: "unable to drain node \"\(node)\" due to error: " + lines.joined(separator: ", ")
            )
        }
        var warnings = orphaned.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.joined(separator: ", "))" }
        if !unmanaged.isEmpty {
            warnings.append("deleting Pods that declare no controller: \(unmanaged.joined(separator: ", "))")
        }
        if !ignoredDaemonSet.isEmpty {
            warnings.append("ignoring DaemonSet-managed Pods: \(ignoredDaemonSet.joined(separator: ", "))")
        }
        return (evict, warnings)
    }

    /// kubectl's eviction of a pod: the policy/v1 Eviction as Go's json.Encoder writes it (fields in their
    /// declared order, a newline after), the dry run in its DeleteOptions.
    static func eviction(namespace: String, name: String, dryRun: Bool) -> KubeRequest {
        let metadata =
            #"{"name":\#(KubeAction.jsonString(name)),"namespace":\#(KubeAction.jsonString(namespace)),"creationTimestamp":null}"#
        let options = dryRun ? #"{"dryRun":["All"]}"# : "{}"
        let body =
            #"{"kind":"Eviction","apiVersion":"policy/v1","metadata":\#(metadata),"deleteOptions":\#(options)}"# + "\n"
        return KubeRequest(
            method: "POST",
            path: KubeObjectReference(.pod, namespace: namespace, name: name).path + "/eviction",
            contentType: "application/json",
            body: Array(body.utf8)
        )
    }

    /// The pod's controller as `metav1.GetControllerOf` finds it: the owner reference marked `controller:
    /// true`, and none where no reference is (an owner there only for garbage collection makes no
    /// replacement, so its pod is unmanaged, for --force alone).
    static func controller(of metadata: [String: Any]) -> (kind: String, name: String)? {
        let owners = metadata["ownerReferences"] as? [[String: Any]] ?? []
        guard let owner = owners.first(where: { $0["controller"] as? Bool == true }) else { return nil }
        return (owner["kind"] as? String ?? "", owner["name"] as? String ?? "")
    }

    /// Whether the pod's deletion time passed longer ago than ``DrainOptions/skipWaitForDeleteTimeout``
    /// (kubectl's `shouldSkipPod`, whole seconds as it counts them).
    func isLongDeleted(_ metadata: [String: Any]) -> Bool {
        guard options.skipWaitForDeleteTimeout > 0,
            let deletion = (metadata["deletionTimestamp"] as? String).flatMap(KubeTime.parse)
        else { return false }
        return Date().timeIntervalSince(deletion).rounded(.towardZero) > options.skipWaitForDeleteTimeout
    }

    /// Evicts one pod and (unless a dry run) waits until it is gone.
    func evict(_ pod: Eviction, dryRun: Bool, deadline: ContinuousClock.Instant) async throws(KubeError) {
        let (namespace, name) = (pod.namespace, pod.name)
        let request = Self.eviction(namespace: namespace, name: name, dryRun: dryRun)
        while true {
            do {
                _ = try await client.send(request)
                break
            } catch {
                if error.code == 404 { return }
                guard error.code == 429, ContinuousClock.now + .seconds(5) < deadline else { throw error }
                try? await Task.sleep(for: .seconds(5))
            }
        }
        guard !dryRun else { return }
        let path = KubeObjectReference(.pod, namespace: namespace, name: name).path
        while ContinuousClock.now < deadline {
            let metadata: [String: Any]
            do {
                metadata =
                    KubeClient.object(try await client.send(KubeRequest(method: "GET", path: path)))["metadata"]
                    as? [String: Any] ?? [:]
            } catch {
                if error.code == 404 { return }
                throw error
            }
            if metadata["uid"] as? String ?? "" != pod.uid || isLongDeleted(metadata) { return }
            try? await Task.sleep(for: .seconds(1))
        }
        throw KubeError(
            code: 0,
            reason: nil,
            message:
                "drain did not complete within \(Int(self.options.timeout))s: pod \(namespace)/\(name) is still there"
        )
    }
}
