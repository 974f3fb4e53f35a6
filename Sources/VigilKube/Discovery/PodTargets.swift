/// Role `pod`: one target per declared container port of a pod that has an IP (`podIP:port`), and one
/// port-less target (`podIP`) per container that declares none — init containers included, after the
/// others — with Prometheus's labels (`discovery/kubernetes/pod.go`, `podLabels` and `buildPod`):
/// `__meta_kubernetes_namespace`, `…_pod_name`, `…_pod_ip`, `…_pod_ready`, `…_pod_phase`,
/// `…_pod_node_name`, `…_pod_host_ip`, `…_pod_uid`, `…_pod_controller_kind|name`, `…_pod_label_*`,
/// `…_pod_labelpresent_*`, `…_pod_annotation_*`, `…_pod_annotationpresent_*`, and per target
/// `…_pod_container_name|image|id|init` and `…_pod_container_port_number|name|protocol`.
/// A pod without an IP yet (starting, evicted) has no targets, as Prometheus gives it an empty group.
public enum PodTargets {
    public static func targets(of pod: [String: Any]) -> [DiscoveredTarget] {
        let metadata = pod["metadata"] as? [String: Any] ?? [:]
        let spec = pod["spec"] as? [String: Any] ?? [:]
        let status = pod["status"] as? [String: Any] ?? [:]
        guard let ip = status["podIP"] as? String, !ip.isEmpty else { return [] }
        var common = podLabels(metadata: metadata, spec: spec, status: status)
        common["__meta_kubernetes_namespace"] = metadata["namespace"] as? String ?? ""
        var targets: [DiscoveredTarget] = []
        for declared in containers(spec: spec) {
            var labels = common
            labels["__meta_kubernetes_pod_container_name"] = declared.name
            labels["__meta_kubernetes_pod_container_image"] = declared.image
            labels["__meta_kubernetes_pod_container_id"] = containerID(declared, status: status)
            labels["__meta_kubernetes_pod_container_init"] = String(declared.isInit)
            if declared.ports.isEmpty {
                labels["__address__"] = ip
                targets.append(DiscoveredTarget(labels: labels))
                continue
            }
            for port in declared.ports {
                guard let number = port["containerPort"] as? Int else { continue }
                var portLabels = labels
                portLabels["__address__"] = joinHostPort(ip, number)
                portLabels["__meta_kubernetes_pod_container_port_number"] = String(number)
                portLabels["__meta_kubernetes_pod_container_port_name"] = port["name"] as? String ?? ""
                portLabels["__meta_kubernetes_pod_container_port_protocol"] = port["protocol"] as? String ?? ""
                targets.append(DiscoveredTarget(labels: portLabels))
            }
        }
        return targets
    }

    /// A container of the pod's spec, as discovery reads it.
    struct Container {
        var name: String
        var image: String
        var ports: [[String: Any]]
        /// From `initContainers` (Prometheus lists them after `containers`).
        var isInit: Bool
    }

    /// `containers`, then `initContainers`, as Prometheus appends them (`pod.go`, `buildPod`).
    static func containers(spec: [String: Any]) -> [Container] {
        [("containers", false), ("initContainers", true)].flatMap { field, isInit in
            (spec[field] as? [[String: Any]] ?? []).map { container in
                Container(
                    name: container["name"] as? String ?? "",
                    image: container["image"] as? String ?? "",
                    ports: container["ports"] as? [[String: Any]] ?? [],
                    isInit: isInit
                )
            }
        }
    }

    /// The container's ID from the matching status (`initContainerStatuses` for an init container);
    /// empty when the status is not there yet (`findPodContainerID`).
    private static func containerID(_ container: Container, status: [String: Any]) -> String {
        let statuses = status[container.isInit ? "initContainerStatuses" : "containerStatuses"] as? [[String: Any]]
        let match = statuses?.first { $0["name"] as? String == container.name }
        return match?["containerID"] as? String ?? ""
    }

    /// The labels every target of the pod shares (the endpoints role adds them to a pod's endpoints too).
    static func podLabels(
        metadata: [String: Any],
        spec: [String: Any],
        status: [String: Any]
    ) -> [String: String] {
        var labels = LabelNameSanitizer.metadataLabels(metadata, prefix: "__meta_kubernetes_pod_")
        labels["__meta_kubernetes_pod_name"] = metadata["name"] as? String ?? ""
        labels["__meta_kubernetes_pod_ip"] = status["podIP"] as? String ?? ""
        labels["__meta_kubernetes_pod_ready"] = ready(status)
        labels["__meta_kubernetes_pod_phase"] = status["phase"] as? String ?? ""
        labels["__meta_kubernetes_pod_node_name"] = spec["nodeName"] as? String ?? ""
        labels["__meta_kubernetes_pod_host_ip"] = status["hostIP"] as? String ?? ""
        labels["__meta_kubernetes_pod_uid"] = metadata["uid"] as? String ?? ""
        let owners = metadata["ownerReferences"] as? [[String: Any]] ?? []
        if let controller = owners.first(where: { $0["controller"] as? Bool == true }) {
            if let kind = controller["kind"] as? String, !kind.isEmpty {
                labels["__meta_kubernetes_pod_controller_kind"] = kind
            }
            if let name = controller["name"] as? String, !name.isEmpty {
                labels["__meta_kubernetes_pod_controller_name"] = name
            }
        }
        return labels
    }

    /// The Ready condition's status in lower case; `unknown` without one.
    private static func ready(_ status: [String: Any]) -> String {
        let conditions = status["conditions"] as? [[String: Any]] ?? []
        let condition = conditions.first { $0["type"] as? String == "Ready" }
        return (condition?["status"] as? String ?? "Unknown").lowercased()
    }

    /// Go's `net.JoinHostPort`: a host with a colon (an IPv6 address) in brackets.
    static func joinHostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
