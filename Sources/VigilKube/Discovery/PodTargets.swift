/// Role `pod`: one target per declared container port of a pod that has an IP (`podIP:port`), and one
/// port-less target (`podIP`) per container that declares none, with Prometheus's labels
/// (`discovery/kubernetes/pod.go`): `__meta_kubernetes_namespace`, `…_pod_name`, `…_pod_ip`,
/// `…_pod_ready`, `…_pod_phase`, `…_pod_node_name`, `…_pod_host_ip`, `…_pod_uid`,
/// `…_pod_controller_kind|name`, `…_pod_label_*`, `…_pod_labelpresent_*`, `…_pod_annotation_*`,
/// `…_pod_annotationpresent_*`, and per target `…_pod_container_name`, `…_pod_container_port_number|name|protocol`.
/// A pod without an IP yet (starting, evicted) has no targets.
public enum PodTargets {
    public static func targets(of pod: [String: Any]) -> [DiscoveredTarget] {
        let metadata = pod["metadata"] as? [String: Any] ?? [:]
        let spec = pod["spec"] as? [String: Any] ?? [:]
        let status = pod["status"] as? [String: Any] ?? [:]
        guard let ip = status["podIP"] as? String, !ip.isEmpty else { return [] }
        var common = podLabels(metadata: metadata, spec: spec, status: status)
        common["__meta_kubernetes_namespace"] = metadata["namespace"] as? String ?? ""
        var targets: [DiscoveredTarget] = []
        for container in spec["containers"] as? [[String: Any]] ?? [] {
            var labels = common
            labels["__meta_kubernetes_pod_container_name"] = container["name"] as? String ?? ""
            let ports = container["ports"] as? [[String: Any]] ?? []
            if ports.isEmpty {
                labels["__address__"] = ip
                targets.append(DiscoveredTarget(labels: labels))
                continue
            }
            for port in ports {
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

    /// Go's `net.JoinHostPort`: an IPv6 address in brackets.
    static func joinHostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
