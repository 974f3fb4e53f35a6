import VigilKube
import VigilScrape
import VigilYAML
import Yams

extension ScrapeConfigReader {
    /// `kubernetes_sd_configs`, with Prometheus's fields: `role` (`pod` or `endpoints`; the other roles are
    /// refused by name), `namespaces.names`, `selectors` (`role`, `label`, `field`). The cluster is the
    /// daemon's (`kubernetes:`), so `api_server`, `kubeconfig_file` and the like are refused rather than
    /// silently ignored.
    func readKubernetesSD(_ node: Node, _ path: String, job: DiscoveryJob) -> [KubernetesSDJob] {
        reader.list(node, path).enumerated().compactMap { index, entry in
            let entryPath = "\(path)[\(index)]"
            let fields = reader.fields(entry, entryPath, allowed: ["role", "namespaces", "selectors"])
            guard let roleNode = fields["role"], let text = reader.string(roleNode, entryPath + ".role") else {
                if fields["role"] == nil { reader.fail(entry, entryPath + ".role", "required (pod or endpoints)") }
                return nil
            }
            guard let role = KubernetesSDConfiguration.Role(rawValue: text) else {
                reader.fail(roleNode, entryPath + ".role", "only pod and endpoints are supported, got \"\(text)\"")
                return nil
            }
            var configuration = KubernetesSDConfiguration(role: role)
            if let namespaces = fields["namespaces"] {
                let names = reader.fields(namespaces, entryPath + ".namespaces", allowed: ["names"])
                configuration.namespaces =
                    names["names"].map { reader.strings($0, entryPath + ".namespaces.names") }
                    ?? []
            }
            if let selectors = fields["selectors"] {
                // As Prometheus checks them: the roles this role reads, each once.
                let allowed = configuration.allowedSelectorRoles
                let allowedText = allowed.map(\.rawValue).joined(separator: ", ")
                for (position, selector) in reader.list(selectors, entryPath + ".selectors").enumerated() {
                    let selectorPath = "\(entryPath).selectors[\(position)]"
                    let parts = reader.fields(selector, selectorPath, allowed: ["role", "label", "field"])
                    guard let roleText = parts["role"].flatMap({ reader.string($0, selectorPath + ".role") }) else {
                        reader.fail(selector, selectorPath + ".role", "required: \(allowedText)")
                        continue
                    }
                    guard let selectorRole = KubernetesSDConfiguration.Selector.Role(rawValue: roleText),
                        allowed.contains(selectorRole)
                    else {
                        reader.fail(
                            parts["role"] ?? selector,
                            selectorPath + ".role",
                            "\(role.rawValue) role supports only \(allowedText) selectors, got \"\(roleText)\""
                        )
                        continue
                    }
                    guard !configuration.selectors.contains(where: { $0.role == selectorRole }) else {
                        reader.fail(
                            parts["role"] ?? selector,
                            selectorPath + ".role",
                            "duplicated selector role: \(roleText)"
                        )
                        continue
                    }
                    configuration.selectors.append(
                        KubernetesSDConfiguration.Selector(
                            role: selectorRole,
                            label: parts["label"].flatMap { reader.string($0, selectorPath + ".label") },
                            field: parts["field"].flatMap { reader.string($0, selectorPath + ".field") }
                        )
                    )
                }
            }
            var discovery = job
            if role == .endpoints { discovery.annotationPrefix = "__meta_kubernetes_service_annotation_" }
            return KubernetesSDJob(configuration: configuration, job: discovery)
        }
    }
}
