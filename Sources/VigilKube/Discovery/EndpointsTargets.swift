/// Role `endpoints`: one target per address and port of an `Endpoints` object (ready addresses and
/// not-ready ones, `…_endpoint_ready` telling them apart), with Prometheus's labels
/// (`discovery/kubernetes/endpoints.go`): `__meta_kubernetes_namespace`, `…_endpoints_name`,
/// `…_endpoints_label_*|annotation_*` (and `…present_*`), the service's
/// `…_service_name|label_*|annotation_*` (and `…present_*`),
/// `…_endpoint_port_name|protocol`, `…_endpoint_ready`, `…_endpoint_hostname`, `…_endpoint_node_name`,
/// `…_endpoint_address_target_kind|name`; for an address backed by a known pod, the pod's labels and the
/// matching container port's (`…_pod_container_name|image|init|port_*`); and, as Prometheus does, one
/// target for each container port (init containers' included) of those pods that no endpoint port
/// covers, unless the pod has no IP.
public enum EndpointsTargets {
    /// - Parameters:
    ///   - service: the service of the same namespace and name, if known.
    ///   - pod: the pod of a `namespace`/`name`, if known.
    public static func targets(
        of endpoints: [String: Any],
        service: [String: Any]?,
        pod: (_ namespace: String, _ name: String) -> [String: Any]?
    ) -> [DiscoveredTarget] {
        let metadata = endpoints["metadata"] as? [String: Any] ?? [:]
        let namespace = metadata["namespace"] as? String ?? ""
        var group: [String: String] = [
            "__meta_kubernetes_namespace": namespace,
            "__meta_kubernetes_endpoints_name": metadata["name"] as? String ?? "",
        ]
        if let service, let serviceMetadata = service["metadata"] as? [String: Any] {
            group.merge(LabelNameSanitizer.metadataLabels(serviceMetadata, prefix: "__meta_kubernetes_service_")) {
                $1
            }
            group["__meta_kubernetes_service_name"] = serviceMetadata["name"] as? String ?? ""
        }
        group.merge(LabelNameSanitizer.metadataLabels(metadata, prefix: "__meta_kubernetes_endpoints_")) { $1 }
        var targets: [DiscoveredTarget] = []
        /// Pods seen behind an address, with the ports the endpoints gave them, in order of appearance.
        var seenPods: [(key: String, pod: [String: Any], ports: [Int])] = []

        func add(_ address: [String: Any], _ port: [String: Any], ready: String) {
            guard let ip = address["ip"] as? String, let number = port["port"] as? Int else { return }
            var labels: [String: String] = [
                "__address__": PodTargets.joinHostPort(ip, number),
                "__meta_kubernetes_endpoint_port_name": port["name"] as? String ?? "",
                "__meta_kubernetes_endpoint_port_protocol": port["protocol"] as? String ?? "",
                "__meta_kubernetes_endpoint_ready": ready,
            ]
            let reference = address["targetRef"] as? [String: Any]
            if let reference {
                labels["__meta_kubernetes_endpoint_address_target_kind"] = reference["kind"] as? String ?? ""
                labels["__meta_kubernetes_endpoint_address_target_name"] = reference["name"] as? String ?? ""
            }
            if let node = address["nodeName"] as? String { labels["__meta_kubernetes_endpoint_node_name"] = node }
            if let host = address["hostname"] as? String, !host.isEmpty {
                labels["__meta_kubernetes_endpoint_hostname"] = host
            }
            guard let reference, reference["kind"] as? String == "Pod",
                let podName = reference["name"] as? String,
                let found = pod(reference["namespace"] as? String ?? namespace, podName)
            else {
                targets.append(DiscoveredTarget(labels: group.merging(labels) { $1 }))
                return
            }
            let podMetadata = found["metadata"] as? [String: Any] ?? [:]
            let key = "\(podMetadata["namespace"] as? String ?? "")/\(podMetadata["name"] as? String ?? "")"
            if let index = seenPods.firstIndex(where: { $0.key == key }) {
                seenPods[index].ports.append(number)
            } else {
                seenPods.append((key, found, [number]))
            }
            labels.merge(podLabels(found)) { current, _ in current }
            // `buildEndpoints`' `break` leaves only the port loop: every container is still looked at, so
            // when two containers declare the endpoint's port, the last one's labels are the ones kept.
            for container in containers(of: found) {
                for containerPort in container.ports where containerPort["containerPort"] as? Int == number {
                    labels.merge(containerLabels(container)) { $1 }
                    labels["__meta_kubernetes_pod_container_port_name"] = containerPort["name"] as? String ?? ""
                    labels["__meta_kubernetes_pod_container_port_number"] = String(number)
                    labels["__meta_kubernetes_pod_container_port_protocol"] = port["protocol"] as? String ?? ""
                    break
                }
            }
            targets.append(DiscoveredTarget(labels: group.merging(labels) { $1 }))
        }

        for subset in endpoints["subsets"] as? [[String: Any]] ?? [] {
            for port in subset["ports"] as? [[String: Any]] ?? [] {
                for address in subset["addresses"] as? [[String: Any]] ?? [] { add(address, port, ready: "true") }
                for address in subset["notReadyAddresses"] as? [[String: Any]] ?? [] {
                    add(address, port, ready: "false")
                }
            }
        }
        for seen in seenPods {
            // A pod without an IP (starting, evicted) gets no targets of its own: ":8080" is no address.
            guard let ip = (seen.pod["status"] as? [String: Any])?["podIP"] as? String, !ip.isEmpty else {
                continue
            }
            for container in containers(of: seen.pod) {
                for containerPort in container.ports {
                    guard let number = containerPort["containerPort"] as? Int, !seen.ports.contains(number) else {
                        continue
                    }
                    var labels = podLabels(seen.pod)
                    labels["__address__"] = PodTargets.joinHostPort(ip, number)
                    labels.merge(containerLabels(container)) { $1 }
                    labels["__meta_kubernetes_pod_container_port_name"] = containerPort["name"] as? String ?? ""
                    labels["__meta_kubernetes_pod_container_port_number"] = String(number)
                    labels["__meta_kubernetes_pod_container_port_protocol"] = containerPort["protocol"] as? String ?? ""
                    targets.append(DiscoveredTarget(labels: group.merging(labels) { $1 }))
                }
            }
        }
        return targets
    }

    private static func podLabels(_ pod: [String: Any]) -> [String: String] {
        PodTargets.podLabels(
            metadata: pod["metadata"] as? [String: Any] ?? [:],
            spec: pod["spec"] as? [String: Any] ?? [:],
            status: pod["status"] as? [String: Any] ?? [:]
        )
    }

    /// `containers`, then `initContainers`, as `buildEndpoints` appends them.
    private static func containers(of pod: [String: Any]) -> [PodTargets.Container] {
        PodTargets.containers(spec: pod["spec"] as? [String: Any] ?? [:])
    }

    /// The container labels the endpoints role gives a pod's port: name, image and init, but no ID
    /// (`buildEndpoints` sets no `…_container_id`).
    private static func containerLabels(_ container: PodTargets.Container) -> [String: String] {
        [
            "__meta_kubernetes_pod_container_name": container.name,
            "__meta_kubernetes_pod_container_image": container.image,
            "__meta_kubernetes_pod_container_init": String(container.isInit),
        ]
    }
}
