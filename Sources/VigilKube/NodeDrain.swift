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

    public init(
        ignoreDaemonSets: Bool = false,
        deleteEmptyDirData: Bool = false,
        force: Bool = false,
        timeout: Double = 300
    ) {
        self.ignoreDaemonSets = ignoreDaemonSets
        self.deleteEmptyDirData = deleteEmptyDirData
        self.force = force
        self.timeout = timeout
    }

    /// The longest drain a decoded action may ask for: a day.
    public static let longestTimeout: Double = 86_400

    /// As written, but a timeout that is not a number of seconds from 1 to a day is refused: decoded
    /// options come from a file or from another replica's board entry, and a timeout of 1e300 trapped
    /// when it was turned into a whole number of seconds (kubectl's `--timeout`) or a deadline.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ignoreDaemonSets = try container.decode(Bool.self, forKey: .ignoreDaemonSets)
        deleteEmptyDirData = try container.decode(Bool.self, forKey: .deleteEmptyDirData)
        force = try container.decode(Bool.self, forKey: .force)
        timeout = try container.decode(Double.self, forKey: .timeout)
        guard (1...Self.longestTimeout).contains(timeout) else {
            throw DecodingError.dataCorruptedError(
                forKey: .timeout,
                in: container,
                debugDescription: "a drain's timeout is 1 to \(Int(Self.longestTimeout)) seconds, not \(timeout)"
            )
        }
    }
}

/// A drain with kubectl's requests (`pkg/drain`): cordon, the node's pods cluster-wide, the filters
/// (mirror pods skipped, DaemonSet pods checked and ignored or refused, local storage and unmanaged
/// pods refused without their flags, every refusal listed at once), the eviction-support check, then
/// one policy/v1 eviction per pod, concurrently, retried every 5 s while a PodDisruptionBudget answers
/// 429, each followed by a wait until the pod is gone — all within the deadline.
struct NodeDrain {
    let client: KubeClient
    let node: String
    let options: DrainOptions
    /// Why a namespace's pods may not be evicted, or nil (``KubeClient/perform(_:dryRun:now:precondition:protectedNamespace:)``).
    let protectedNamespace: @Sendable (String) -> String?

    /// The pods to evict, with kubectl's warnings; throws kubectl's refusal when a pod may not go.
    func podsToEvict(
        _ pods: [[String: Any]]
    ) async throws(KubeError) -> (evict: [(namespace: String, name: String)], warnings: [String]) {
        var evict: [(String, String)] = []
        var ignoredDaemonSet: [String] = []
        var unmanaged: [String] = []
        var refusals: [String: [String]] = [:]
        for pod in pods {
            let metadata = pod["metadata"] as? [String: Any] ?? [:]
            let namespace = metadata["namespace"] as? String ?? "default"
            let name = metadata["name"] as? String ?? ""
            let id = "\(namespace)/\(name)"
            if (metadata["annotations"] as? [String: Any])?["kubernetes.io/config.mirror"] != nil { continue }
            let phase = (pod["status"] as? [String: Any])?["phase"] as? String
            let finished = phase == "Succeeded" || phase == "Failed"
            let owner = PodSummary.controller(of: metadata)
            if owner?.kind == "DaemonSet", !finished {
                let daemonSet = KubeObjectReference(.daemonset, namespace: namespace, name: owner?.name ?? "")
                let exists: Bool
                do {
                    _ = try await client.send(KubeRequest(method: "GET", path: daemonSet.path))
                    exists = true
                } catch {
                    guard error.code == 404 else { throw error }
                    exists = false
                }
                if exists {
                    if options.ignoreDaemonSets {
                        ignoredDaemonSet.append(id)
                    } else {
                        refusals[
                            "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)",
                            default: []
                        ].append(id)
                    }
                    continue
                }
            }
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
            evict.append((namespace, name))
        }
        guard refusals.isEmpty else {
            let lines = refusals.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.joined(separator: ", "))" }
            throw KubeError(
                code: 0,
                reason: nil,
                message: "unable to drain node \"\(node)\" due to error: " + lines.joined(separator: ", ")
            )
        }
        var warnings: [String] = []
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

    /// Evicts one pod and (unless a dry run) waits until it is gone.
    func evict(namespace: String, name: String, dryRun: Bool, deadline: ContinuousClock.Instant) async throws(KubeError)
    {
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
        let pod = KubeObjectReference(.pod, namespace: namespace, name: name)
        while ContinuousClock.now < deadline {
            do {
                _ = try await client.send(KubeRequest(method: "GET", path: pod.path))
            } catch {
                if error.code == 404 { return }
                throw error
            }
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
