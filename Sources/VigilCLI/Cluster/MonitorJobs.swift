import VigilCore
import VigilKube
import VigilScrape
import VigilYAML

/// The prometheus-operator's `PodMonitor` and `ServiceMonitor` (`monitoring.coreos.com/v1`) as discovery
/// jobs, one per endpoint of a monitor, the way the operator writes a Prometheus scrape config for it
/// (`pkg/prometheus/promcfg.go`): role `pod` (a PodMonitor) or `endpoints` (a ServiceMonitor), in the
/// monitor's namespace unless `namespaceSelector` says `any` or `matchNames`; `selector` (`matchLabels`,
/// `matchExpressions`) and the endpoint's `port`/`portNumber`/`targetPort` as `keep` rules; pods that
/// ended (`Failed`, `Succeeded`) dropped; the labels the operator sets (``labelRules(_:_:kind:)``);
/// `path`, `params`, `scheme`, `interval`, `scrapeTimeout`, `honorLabels`, `sampleLimit`, `relabelings`.
/// Every other field is named in ``unsupported``; a monitor whose selector, or an endpoint one of whose
/// relabelings, Vigil cannot take makes no job.
struct MonitorJobs: Equatable {
    var jobs: [KubernetesSDJob] = []
    /// `<kind>/<namespace>/<name>: <field> is not supported` (or why a field's value was not).
    var unsupported: [String] = []

    enum Kind: String {
        case podMonitor = "PodMonitor"
        case serviceMonitor = "ServiceMonitor"

        /// The list's path, cluster-wide.
        var path: String {
            "/apis/monitoring.coreos.com/v1/" + (self == .podMonitor ? "podmonitors" : "servicemonitors")
        }
        var endpointsField: String { self == .podMonitor ? "podMetricsEndpoints" : "endpoints" }
        var labelPrefix: String {
            self == .podMonitor ? "__meta_kubernetes_pod_label" : "__meta_kubernetes_service_label"
        }
    }

    static let specFields: Set<String> = [
        "selector", "namespaceSelector", "sampleLimit", "podMetricsEndpoints", "endpoints", "jobLabel",
        "targetLabels", "podTargetLabels",
    ]
    static let endpointFields: Set<String> = [
        "port", "portNumber", "targetPort", "path", "scheme", "interval", "scrapeTimeout", "honorLabels", "relabelings",
        "params",
    ]

    /// The jobs of one monitor object; `template` gives the settings a monitor does not (limits, TLS).
    init(_ kind: Kind, _ monitor: [String: Any], template: ScrapeTarget) {
        let metadata = monitor["metadata"] as? [String: Any] ?? [:]
        let namespace = metadata["namespace"] as? String ?? ""
        let name = metadata["name"] as? String ?? ""
        let source = "\(kind.rawValue)/\(namespace)/\(name)"
        let spec = monitor["spec"] as? [String: Any] ?? [:]
        for field in spec.keys.sorted() where !Self.specFields.contains(field) {
            unsupported.append("\(source): spec.\(field) is not supported")
        }
        let namespaces: [String]
        let namespaceSelector = spec["namespaceSelector"] as? [String: Any] ?? [:]
        if namespaceSelector["any"] as? Bool == true {
            namespaces = []
        } else if let names = namespaceSelector["matchNames"] as? [String], !names.isEmpty {
            namespaces = names
        } else {
            namespaces = [namespace]
        }
        let (selection, selectorProblems) = Self.selectorRules(spec["selector"] as? [String: Any] ?? [:], kind: kind)
        // A selector or relabeling Vigil cannot take would select other targets than the operator's
        // configuration (every pod of the namespace, every shard of a `hashmod` rule, labels a skipped
        // `lowercase` left as they were): what it cannot read as the operator does, it does not scrape.
        guard selectorProblems.isEmpty else {
            unsupported += selectorProblems.map { "\(source): spec.selector: \($0): the monitor is not scraped" }
            return
        }
        for (index, endpoint) in (spec[kind.endpointsField] as? [[String: Any]] ?? []).enumerated() {
            let path = "\(source): spec.\(kind.endpointsField)[\(index)]"
            for field in endpoint.keys.sorted() where !Self.endpointFields.contains(field) {
                unsupported.append("\(path).\(field) is not supported")
            }
            var target = template
            target.job = "\(namespace)/\(name)"
            if let limit = spec["sampleLimit"] as? Int, limit >= 0 { target.sampleLimit = limit }
            if let flag = endpoint["honorLabels"] as? Bool { target.honorLabels = flag }
            if let text = endpoint["interval"] as? String, let seconds = DurationSyntax.seconds(text), seconds > 0 {
                target.interval = seconds
            }
            target.timeout = min(
                (endpoint["scrapeTimeout"] as? String).flatMap(DurationSyntax.seconds) ?? target.timeout,
                target.interval
            )
            var rules = selection
            // The operator's first rule for pods: those that ended are not scraped.
            if let ended = try? RelabelRule(
                action: .drop,
                sourceLabels: ["__meta_kubernetes_pod_phase"],
                regex: "(Failed|Succeeded)"
            ) {
                rules.append(ended)
            }
            rules += Self.portRules(endpoint, kind: kind)
            rules += Self.labelRules(spec, endpoint, kind: kind)
            var taken = true
            for (position, raw) in (endpoint["relabelings"] as? [[String: Any]] ?? []).enumerated() {
                switch Self.relabeling(raw) {
                case .success(let rule): rules.append(rule)
                case .failure(let problem):
                    unsupported.append("\(path).relabelings[\(position)]: \(problem): the endpoint is not scraped")
                    taken = false
                }
            }
            guard taken else { continue }
            let scheme = endpoint["scheme"] as? String
            let metricsPath = (endpoint["path"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            jobs.append(
                KubernetesSDJob(
                    configuration: KubernetesSDConfiguration(
                        role: kind == .podMonitor ? .pod : .endpoints,
                        namespaces: namespaces
                    ),
                    job: DiscoveryJob(
                        template: target,
                        scheme: scheme == "https" ? "https" : "http",
                        metricsPath: metricsPath ?? "/metrics",
                        relabeling: rules,
                        params: endpoint["params"] as? [String: [String]] ?? [:]
                    )
                )
            )
        }
    }

    /// The labels the operator's configuration sets before the endpoint's own relabelings (which see
    /// them): `namespace`, `pod` and `container`, and a ServiceMonitor's `service` and (an address of a
    /// node) `node`; `targetLabels` (a ServiceMonitor's, from the service's labels) and `podTargetLabels`; `job`,
    /// the service's name for a ServiceMonitor (a PodMonitor's is `<namespace>/<name>`, the template's),
    /// or the value of the service's or pod's label `jobLabel` names where it has one; `endpoint`, the
    /// port's name or `targetPort`. Prometheus's series from such a target carry them: Vigil's series,
    /// anomalies and incidents now name the same `job` and labels as the dashboards and alerts of the
    /// Prometheus the monitors were written for (`<namespace>/<name>` for a ServiceMonitor matched none).
    private static func labelRules(_ spec: [String: Any], _ endpoint: [String: Any], kind: Kind) -> [RelabelRule] {
        var rules: [RelabelRule?] = []
        func copy(_ source: String, to target: String) {
            rules.append(try? RelabelRule(action: .replace, sourceLabels: [source], regex: "(.+)", targetLabel: target))
        }
        // As the operator writes them (default regex: an empty source removes the label).
        func set(_ target: String, from sources: [String], regex: String = "(.*)") {
            rules.append(try? RelabelRule(action: .replace, sourceLabels: sources, regex: regex, targetLabel: target))
        }
        if kind == .serviceMonitor {
            let addressTarget = ["kind", "name"].map { "__meta_kubernetes_endpoint_address_target_\($0)" }
            set("node", from: addressTarget, regex: "Node;(.*)")
            set("pod", from: addressTarget, regex: "Pod;(.*)")
            set("namespace", from: ["__meta_kubernetes_namespace"])
            set("service", from: ["__meta_kubernetes_service_name"])
            set("pod", from: ["__meta_kubernetes_pod_name"])
            set("container", from: ["__meta_kubernetes_pod_container_name"])
        } else {
            set("namespace", from: ["__meta_kubernetes_namespace"])
            set("container", from: ["__meta_kubernetes_pod_container_name"])
            set("pod", from: ["__meta_kubernetes_pod_name"])
        }
        if kind == .serviceMonitor {
            for label in spec["targetLabels"] as? [String] ?? [] {
                let name = LabelNameSanitizer.sanitize(label)
                copy("__meta_kubernetes_service_label_\(name)", to: name)
            }
        }
        for label in spec["podTargetLabels"] as? [String] ?? [] {
            let name = LabelNameSanitizer.sanitize(label)
            copy("__meta_kubernetes_pod_label_\(name)", to: name)
        }
        if kind == .serviceMonitor { copy("__meta_kubernetes_service_name", to: "job") }
        if let label = spec["jobLabel"] as? String, !label.isEmpty {
            copy("\(kind.labelPrefix)_\(LabelNameSanitizer.sanitize(label))", to: "job")
        }
        let targetPort = (endpoint["targetPort"] as? String) ?? (endpoint["targetPort"] as? Int).map(String.init)
        if let name = [endpoint["port"] as? String, targetPort].compactMap({ $0 }).first(where: { !$0.isEmpty }) {
            rules.append(try? RelabelRule(action: .replace, targetLabel: "endpoint", replacement: name))
        }
        return rules.compactMap { $0 }
    }

    /// `keep` rules for the endpoint's port: by name or number, on the container port (PodMonitor) or
    /// the endpoint's port (ServiceMonitor; `targetPort` on the pod's container port).
    private static func portRules(_ endpoint: [String: Any], kind: Kind) -> [RelabelRule] {
        var rules: [(String, String)] = []
        if let port = endpoint["port"] as? String, !port.isEmpty {
            rules.append(
                (
                    kind == .podMonitor
                        ? "__meta_kubernetes_pod_container_port_name" : "__meta_kubernetes_endpoint_port_name",
                    port
                )
            )
        }
        if let number = endpoint["portNumber"] as? Int {
            rules.append(("__meta_kubernetes_pod_container_port_number", String(number)))
        }
        if let number = endpoint["targetPort"] as? Int {
            rules.append(("__meta_kubernetes_pod_container_port_number", String(number)))
        } else if let name = endpoint["targetPort"] as? String, !name.isEmpty {
            rules.append(("__meta_kubernetes_pod_container_port_name", name))
        }
        return rules.compactMap { label, value in
            try? RelabelRule(action: .keep, sourceLabels: [label], regex: RE2.quoted(value))
        }
    }

    /// A label selector as `keep`/`drop` rules on the discovered labels, as the operator writes it.
    private static func selectorRules(_ selector: [String: Any], kind: Kind) -> ([RelabelRule], [String]) {
        var rules: [RelabelRule?] = []
        var problems: [String] = []
        let prefix = kind.labelPrefix
        for (key, value) in (selector["matchLabels"] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
            let label = LabelNameSanitizer.sanitize(key)
            rules.append(
                try? RelabelRule(
                    action: .keep,
                    sourceLabels: ["\(prefix)_\(label)", "\(prefix)present_\(label)"],
                    regex: "\(RE2.quoted(value as? String ?? ""));true"
                )
            )
        }
        for expression in selector["matchExpressions"] as? [[String: Any]] ?? [] {
            let label = LabelNameSanitizer.sanitize(expression["key"] as? String ?? "")
            let values = (expression["values"] as? [String] ?? []).map(RE2.quoted).joined(separator: "|")
            let sources = ["\(prefix)_\(label)", "\(prefix)present_\(label)"]
            switch expression["operator"] as? String {
            case "In": rules.append(try? RelabelRule(action: .keep, sourceLabels: sources, regex: "(\(values));true"))
            case "NotIn":
                rules.append(try? RelabelRule(action: .drop, sourceLabels: sources, regex: "(\(values));true"))
            case "Exists":
                rules.append(
                    try? RelabelRule(action: .keep, sourceLabels: ["\(prefix)present_\(label)"], regex: "true")
                )
            case "DoesNotExist":
                rules.append(
                    try? RelabelRule(action: .drop, sourceLabels: ["\(prefix)present_\(label)"], regex: "true")
                )
            case let other: problems.append("matchExpressions operator \(other ?? "(none)") is not supported")
            }
        }
        return (rules.compactMap { $0 }, problems)
    }

    /// A monitor's `relabelings` entry (the operator's camelCase fields; Prometheus's default action
    /// `replace`, and the operator accepts the action in any case).
    private static func relabeling(_ raw: [String: Any]) -> Result<RelabelRule, Problem> {
        let text = (raw["action"] as? String ?? "replace").lowercased()
        guard let action = RelabelRule.Action(rawValue: text) else {
            return .failure(Problem(description: "action \(text) is not supported"))
        }
        do {
            return .success(
                try RelabelRule(
                    action: action,
                    sourceLabels: raw["sourceLabels"] as? [String] ?? [],
                    separator: raw["separator"] as? String ?? ";",
                    regex: raw["regex"] as? String ?? "(.*)",
                    targetLabel: raw["targetLabel"] as? String ?? "",
                    replacement: raw["replacement"] as? String ?? "$1"
                )
            )
        } catch let invalid as RelabelRule.Invalid {
            return .failure(Problem(description: invalid.description))
        } catch {
            return .failure(Problem(description: "invalid regex: \(error)"))
        }
    }

    /// Why a monitor's field was not taken.
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }
}
