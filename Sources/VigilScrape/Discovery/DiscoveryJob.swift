import VigilYAML

/// How a job turns discovered targets (labels such as `__address__` and `__meta_kubernetes_*`) into
/// scrape targets, as Prometheus's `PopulateLabels` does:
///
/// 1. the job's `relabel_configs` (``RelabelRule``: keep, drop, replace, labelmap, labeldrop,
///    labelkeep) run in order on the discovered labels, with `__scheme__`, `__metrics_path__`,
///    `__param_*` and `job`; the target is what they leave: its URL from `__scheme__`, `__address__`,
///    `__metrics_path__` and `__param_*`, its labels every one not starting with `__` (a relabelled
///    `job` renames the job), nothing else — the `prometheus.io/*` annotations mean nothing unless a
///    rule reads them, as a blackbox or sidecar job that rewrites the address needs;
/// 2. a job without any applies what Prometheus's example `kubernetes-pods` and
///    `kubernetes-service-endpoints` jobs write as rules: only what is annotated
///    `prometheus.io/scrape: "true"` is scraped, `prometheus.io/scheme` (`http`/`https`), `/path` and
///    `/port` (the pod's for role pod, the service's for role endpoints) override the scheme, the path
///    and the address's port, and the target keeps `namespace`, `pod`, `container` and `service`
///    labels where discovery knows them.
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
    /// Where a job without rules reads the annotations: `__meta_kubernetes_pod_annotation_` or
    /// `__meta_kubernetes_service_annotation_`.
    public var annotationPrefix: String

    public init(
        template: ScrapeTarget,
        scheme: String = "http",
        metricsPath: String = "/metrics",
        relabeling: [RelabelRule] = [],
        params: [String: [String]] = [:],
        annotationPrefix: String = "__meta_kubernetes_pod_annotation_"
    ) {
        self.template = template
        self.scheme = scheme
        self.metricsPath = metricsPath
        self.relabeling = relabeling
        self.params = params
        self.annotationPrefix = annotationPrefix
    }

    /// Whether its targets carry `namespace` and `pod`, which diagnosis needs to tie a series to its
    /// workload: a job without rules adds them, one with rules only where a `replace` sets each.
    public var labelsWorkloads: Bool {
        relabeling.isEmpty
            || ["namespace", "pod"].allSatisfy { name in
                relabeling.contains { $0.action == .replace && $0.targetLabel == name }
            }
    }

    /// The scrape target for a discovered target's labels, or nil when relabelling drops it or it is
    /// refused (``populate(_:)`` says why).
    public func target(from discovered: [String: String]) -> ScrapeTarget? {
        (try? populate(discovered)) ?? nil
    }

    /// Why Prometheus's `PopulateLabels` refuses a target relabelling kept, in its words.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The scrape target for a discovered target's labels; nil when relabelling drops it. A target whose
    /// relabelled `__scrape_interval__` or `__scrape_timeout__` is no duration, is 0, or gives a timeout
    /// over the interval is refused, as Prometheus refuses it; so is one with no `host:port` address.
    public func populate(_ discovered: [String: String]) throws(Refusal) -> ScrapeTarget? {
        var labels = discovered
        labels["__scheme__"] = labels["__scheme__"] ?? scheme
        labels["__metrics_path__"] = labels["__metrics_path__"] ?? metricsPath
        labels["job"] = template.job
        // The job's interval and timeout, as labels relabelling may read and change per target (a pod's
        // annotation relabelled into `__scrape_interval__`), where discovery set none.
        for (name, seconds) in [("__scrape_interval__", template.interval), ("__scrape_timeout__", template.timeout)]
        where labels[name, default: ""].isEmpty {
            labels[name] = DurationSyntax.text(seconds: seconds)
        }
        labels.merge(TargetURL.labels(of: params)) { discovered, _ in discovered }
        let example = relabeling.isEmpty
        if example {
            guard labels[annotationPrefix + "prometheus_io_scrape"] == "true" else { return nil }
        } else {
            for rule in relabeling { guard rule.apply(to: &labels) else { return nil } }
        }
        let annotation = { (name: String) in example ? labels[annotationPrefix + "prometheus_io_" + name] : nil }
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
        // Prometheus refuses a target whose address is not a valid `host[:port]`.
        guard
            let url = TargetURL.make(
                scheme: targetScheme,
                address: address,
                path: path,
                parameters: TargetURL.parameters(params, labels: labels)
            )
        else { throw Refusal(description: "invalid address \"\(address)\"") }
        var target = template
        target.url = url
        (target.interval, target.timeout) = try Self.intervalAndTimeout(labels)
        if let job = labels["job"], !job.isEmpty { target.job = job }
        var kept = template.labels
        for (name, source) in Self.keptLabels where example {
            if let value = labels[source], !value.isEmpty { kept[name] = value }
        }
        // What relabelling made (`replace`, `labelmap`) stays, as Prometheus keeps every label not
        // starting with `__` after relabelling.
        for (name, value) in labels where !name.hasPrefix("__") && name != "job" { kept[name] = value }
        target.labels = kept
        return target
    }

    /// The relabelled `__scrape_interval__` and `__scrape_timeout__`, checked as Prometheus checks them.
    static func intervalAndTimeout(_ labels: [String: String]) throws(Refusal) -> (Double, Double) {
        let interval = labels["__scrape_interval__", default: ""]
        let timeout = labels["__scrape_timeout__", default: ""]
        /// The seconds `text` says, more than 0; `what` names it in the refusal.
        func seconds(_ text: String, _ what: String) throws(Refusal) -> Double {
            guard !text.isEmpty else {
                throw Refusal(description: "error parsing scrape \(what): empty duration string")
            }
            // Prometheus's `model.ParseDuration` takes a bare "0" too.
            guard let seconds = text == "0" ? 0 : DurationSyntax.seconds(text) else {
                throw Refusal(description: "error parsing scrape \(what): not a valid duration string: \"\(text)\"")
            }
            guard seconds > 0 else { throw Refusal(description: "scrape \(what) cannot be 0") }
            return seconds
        }
        let intervalSeconds = try seconds(interval, "interval")
        let timeoutSeconds = try seconds(timeout, "timeout")
        guard timeoutSeconds <= intervalSeconds else {
            throw Refusal(
                description: "scrape timeout cannot be greater than scrape interval (\"\(timeout)\" > \"\(interval)\")"
            )
        }
        return (intervalSeconds, timeoutSeconds)
    }

    /// The target labels a job without rules keeps from discovery, and where they come from.
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
