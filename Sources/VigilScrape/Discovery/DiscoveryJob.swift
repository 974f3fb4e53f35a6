/// How a job turns discovered targets (labels such as `__address__` and `__meta_kubernetes_*`) into
/// scrape targets, after Prometheus's example `kubernetes-pods` and `kubernetes-service-endpoints` jobs:
///
/// 1. the job's `relabel_configs` (``RelabelRule``: keep, drop, replace, labelmap, labeldrop,
///    labelkeep) run in order on the discovered labels, with `__scheme__`, `__metrics_path__` and
///    `job`; a job without any keeps only what is annotated `prometheus.io/scrape: "true"`;
/// 2. the `prometheus.io/scheme` (`http`/`https`), `prometheus.io/path` and `prometheus.io/port`
///    annotations (the pod's for role pod, the service's for role endpoints) override the scheme, the
///    path and the address's port;
/// 3. the target keeps `namespace`, `pod`, `container` and `service` labels where discovery knows them,
///    and every label relabelling left that does not start with `__` (the `__meta_*` labels are
///    dropped, as Prometheus drops them after relabelling); a relabelled `job` renames the job.
public struct DiscoveryJob: Sendable, Equatable {
    /// The job's settings (name, interval, limits, TLS, authorization, metric relabelling); its URL is
    /// made per target.
    public var template: ScrapeTarget
    public var scheme: String
    public var metricsPath: String
    /// `relabel_configs`; empty: keep what is annotated `prometheus.io/scrape: "true"`.
    public var relabeling: [RelabelRule]
    /// `params:`, the URL's query, each name's first value a `__param_<name>` label relabelling may change.
    public var params: [String: [String]]
    /// Where the annotations are: `__meta_kubernetes_pod_annotation_` or
    /// `__meta_kubernetes_service_annotation_`; nil: the job reads none (a PodMonitor's or
    /// ServiceMonitor's job, whose port, path and scheme are the monitor's).
    public var annotationPrefix: String?

    public init(
        template: ScrapeTarget,
        scheme: String = "http",
        metricsPath: String = "/metrics",
        relabeling: [RelabelRule] = [],
        params: [String: [String]] = [:],
        annotationPrefix: String? = "__meta_kubernetes_pod_annotation_"
    ) {
        self.template = template
        self.scheme = scheme
        self.metricsPath = metricsPath
        self.relabeling = relabeling
        self.params = params
        self.annotationPrefix = annotationPrefix
    }

    /// The scrape target for a discovered target's labels, or nil when relabelling drops it.
    public func target(from discovered: [String: String]) -> ScrapeTarget? {
        var labels = discovered
        labels["__scheme__"] = labels["__scheme__"] ?? scheme
        labels["__metrics_path__"] = labels["__metrics_path__"] ?? metricsPath
        labels["job"] = template.job
        labels.merge(TargetURL.labels(of: params)) { discovered, _ in discovered }
        if relabeling.isEmpty {
            guard labels[(annotationPrefix ?? "") + "prometheus_io_scrape"] == "true" else { return nil }
        } else {
            for rule in relabeling { guard rule.apply(to: &labels) else { return nil } }
        }
        let annotation = { (name: String) in annotationPrefix.flatMap { labels[$0 + "prometheus_io_" + name] } }
        var address = labels["__address__"] ?? ""
        if let port = annotation("port"), let number = Int(port),
            (1...65_535).contains(number)
        {
            address = Self.host(of: address) + ":" + String(number)
        }
        var targetScheme = labels["__scheme__"] ?? scheme
        if let annotated = annotation("scheme"), ["http", "https"].contains(annotated) {
            targetScheme = annotated
        }
        var path = labels["__metrics_path__"] ?? metricsPath
        if let annotated = annotation("path"), !annotated.isEmpty {
            path = annotated
        }
        // Prometheus drops a target whose address is no `host:port` ("invalid address").
        guard
            let url = TargetURL.make(
                scheme: targetScheme,
                address: address,
                path: path,
                parameters: TargetURL.parameters(params, labels: labels)
            )
        else { return nil }
        var target = template
        target.url = url
        if let job = labels["job"], !job.isEmpty { target.job = job }
        var kept = template.labels
        for (name, source) in Self.keptLabels {
            if let value = labels[source], !value.isEmpty { kept[name] = value }
        }
        // What relabelling made (`replace`, `labelmap`) stays, as Prometheus keeps every label not
        // starting with `__` after relabelling.
        for (name, value) in labels where !name.hasPrefix("__") && name != "job" { kept[name] = value }
        target.labels = kept
        return target
    }

    /// The target labels kept from discovery, and where they come from.
    static let keptLabels = [
        ("namespace", "__meta_kubernetes_namespace"), ("pod", "__meta_kubernetes_pod_name"),
        ("container", "__meta_kubernetes_pod_container_name"), ("service", "__meta_kubernetes_service_name"),
    ]

    /// The host of `host:port`, `[v6]:port` or a bare host, as Prometheus's port-annotation rule
    /// (`([^:]+)(?::\d+)?;(\d+)` → `$1:$2`) keeps it; an IPv6 host keeps its brackets.
    static func host(of address: String) -> String {
        if address.hasPrefix("["), let close = address.firstIndex(of: "]") { return String(address[...close]) }
        if address.filter({ $0 == ":" }).count > 1 { return "[\(address)]" }
        return String(address.prefix { $0 != ":" })
    }
}
