import Testing
import VigilYAML

@testable import VigilScrape

/// A discovery job's `relabel_configs` with the label-changing actions: what Prometheus's example
/// `kubernetes-pods` job does with them lands on the scrape target.
struct DiscoveryJobRelabelTests {
    static let discovered = [
        "__address__": "10.1.0.7:8080", "__meta_kubernetes_namespace": "shop", "__meta_kubernetes_pod_name": "shop-1",
        "__meta_kubernetes_pod_label_app": "shop", "__meta_kubernetes_pod_label_tier": "web",
        "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
        "__meta_kubernetes_pod_annotation_example_com_metrics_path": "/stats",
    ]

    @Test func prometheusExampleKubernetesPodsJob() throws {
        let job = DiscoveryJob(
            template: ScrapeTarget(url: "", job: "kubernetes-pods"),
            relabeling: [
                try RelabelRule(
                    action: .keep,
                    sourceLabels: ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"],
                    regex: "true"
                ),
                try RelabelRule(
                    action: .replace,
                    sourceLabels: ["__meta_kubernetes_pod_annotation_example_com_metrics_path"],
                    regex: "(.+)",
                    targetLabel: "__metrics_path__"
                ),
                try RelabelRule(
                    action: .replace,
                    sourceLabels: ["__address__"],
                    regex: "([^:]+)(?::\\d+)?",
                    targetLabel: "__address__",
                    replacement: "$1:9102"
                ),
                try RelabelRule(action: .labelmap, regex: "__meta_kubernetes_pod_label_(.+)"),
                try RelabelRule(action: .labeldrop, regex: "tier"),
                try RelabelRule(
                    action: .replace,
                    sourceLabels: ["__meta_kubernetes_pod_name"],
                    targetLabel: "kubernetes_pod_name"
                ),
            ]
        )
        let target = try #require(job.target(from: Self.discovered))
        #expect(target.url == "http://10.1.0.7:9102/stats")
        // What the rules left, nothing more: Prometheus's target has no `namespace` or `pod` unless a rule
        // sets them (Vigil added both, and a kube-state-metrics job's exposed `namespace` and `pod` became
        // `exported_*`, blaming its own pod for every workload's series).
        #expect(target.labels == ["app": "shop", "kubernetes_pod_name": "shop-1"])
        #expect(target.job == "kubernetes-pods")
    }

    /// A job with rules labels its targets' workloads only where it sets both `namespace` and `pod` (the
    /// daemon warns of one that does not); a job without rules always does.
    @Test func aJobLabelsWorkloadsWhereItsRulesSetNamespaceAndPod() throws {
        func set(_ label: String, from source: String) throws -> RelabelRule {
            try RelabelRule(action: .replace, sourceLabels: [source], targetLabel: label)
        }
        #expect(DiscoveryJob(template: ScrapeTarget(url: "", job: "pods")).labelsWorkloads)
        #expect(!(try Self.probeJob().labelsWorkloads))
        let namespaceOnly = try [set("namespace", from: "__meta_kubernetes_namespace")]
        #expect(!DiscoveryJob(template: ScrapeTarget(url: "", job: "pods"), relabeling: namespaceOnly).labelsWorkloads)
        let both = try namespaceOnly + [set("pod", from: "__meta_kubernetes_pod_name")]
        #expect(DiscoveryJob(template: ScrapeTarget(url: "", job: "pods"), relabeling: both).labelsWorkloads)
    }

    /// The blackbox exporter's job: the discovered address to `__param_target`, the prober's to `__address__`.
    static func probeJob(params: [String: [String]] = [:]) throws -> DiscoveryJob {
        DiscoveryJob(
            template: ScrapeTarget(url: "", job: "blackbox"),
            metricsPath: "/probe",
            relabeling: [
                try RelabelRule(action: .replace, sourceLabels: ["__address__"], targetLabel: "__param_target"),
                try RelabelRule(action: .replace, targetLabel: "__address__", replacement: "blackbox:9115"),
            ],
            params: params
        )
    }

    /// A blackbox job on pods annotated for the usual pods job: with rules, the `prometheus.io/*`
    /// annotations mean nothing, as in Prometheus (they overrode the rewritten address's port and path).
    @Test func annotationsMeanNothingToAJobWithRules() throws {
        let job = try Self.probeJob()
        var discovered = Self.discovered
        discovered["__meta_kubernetes_pod_annotation_prometheus_io_port"] = "8080"
        discovered["__meta_kubernetes_pod_annotation_prometheus_io_path"] = "/metrics"
        discovered["__meta_kubernetes_pod_annotation_prometheus_io_scheme"] = "https"
        let target = try #require(job.target(from: discovered))
        #expect(target.url == "http://blackbox:9115/probe?target=10.1.0.7%3A8080")
        #expect(target.labels.isEmpty)
        // Without rules, the example jobs' conventions: the annotations, and the object's labels.
        let example = DiscoveryJob(template: ScrapeTarget(url: "", job: "pods"))
        let annotated = try #require(example.target(from: discovered))
        #expect(annotated.url == "https://10.1.0.7:8080/metrics")
        #expect(annotated.labels == ["namespace": "shop", "pod": "shop-1"])
    }

    /// The URL as Prometheus's `Target.URL` writes it from the relabelled labels: a path gets its leading
    /// `/` and keeps a `?` as part of it, `__param_*` labels are the query (a blackbox probe's
    /// `target`), and an address with a `/`, `?`, `#` or `@` in it, or a scheme other than HTTP(S), is no
    /// target.
    @Test func theURLIsBuiltFromTheLabelsAsPrometheusBuildsIt() throws {
        func url(_ rules: [RelabelRule], address: String = "10.1.0.7:8080") -> String? {
            let job = DiscoveryJob(template: ScrapeTarget(url: "", job: "probe"), relabeling: rules)
            return job.target(from: ["__address__": address])?.url
        }
        func set(_ label: String, _ value: String) throws -> RelabelRule {
            try RelabelRule(action: .replace, targetLabel: label, replacement: value)
        }
        #expect(try url([set("__metrics_path__", "metrics")]) == "http://10.1.0.7:8080/metrics")
        #expect(try url([set("__metrics_path__", "/a b?c#d%")]) == "http://10.1.0.7:8080/a%20b%3Fc%23d%25")
        #expect(
            try url([
                set("__metrics_path__", "/probe"), set("__param_target", "https://shop.example/a b"),
                set("__param_module", "http_2xx"),
            ]) == "http://10.1.0.7:8080/probe?module=http_2xx&target=https%3A%2F%2Fshop.example%2Fa+b"
        )
        #expect(try url([set("__address__", "10.1.0.7:8080/x")]) == nil)
        // An annotation relabelled into the address or scheme made a URL to another host.
        #expect(try url([set("__address__", "elsewhere?10.1.0.7:8080")]) == nil)
        #expect(try url([set("__address__", "user@elsewhere:80")]) == nil)
        #expect(try url([set("__scheme__", "http://elsewhere/#")]) == nil)
    }

    /// The blackbox exporter's pattern: the job's `params` give the module, relabelling moves the
    /// discovered address into `__param_target` and points `__address__` at the exporter.
    @Test func aProbeJobsParamsAndRelabelledTargetMakeTheProbesURL() throws {
        let job = try Self.probeJob(params: ["module": ["http_2xx"]])
        #expect(
            job.target(from: ["__address__": "10.1.0.7:8080"])?.url
                == "http://blackbox:9115/probe?module=http_2xx&target=10.1.0.7%3A8080"
        )
    }

    @Test func aReplacedJobLabelRenamesTheJob() throws {
        let job = DiscoveryJob(
            template: ScrapeTarget(url: "", job: "pods"),
            relabeling: [
                try RelabelRule(
                    action: .replace,
                    sourceLabels: ["__meta_kubernetes_pod_label_app"],
                    targetLabel: "job"
                )
            ]
        )
        #expect(job.target(from: Self.discovered)?.job == "shop")
    }
}

/// `__scrape_interval__` and `__scrape_timeout__`: the job's, as labels relabelling may read and change
/// per target, then checked as Prometheus's `PopulateLabels` checks them.
struct ScrapeIntervalLabelTests {
    /// A pod's annotation relabelled into its target's interval (a common per-target override).
    func job(_ rules: [RelabelRule]) -> DiscoveryJob {
        DiscoveryJob(template: ScrapeTarget(url: "", job: "pods", interval: 30, timeout: 10), relabeling: rules)
    }

    func annotated(_ interval: String, timeout: String? = nil) -> [String: String] {
        var labels = [
            "__address__": "10.1.0.7:8080", "__meta_kubernetes_pod_annotation_example_com_scrape_interval": interval,
        ]
        if let timeout { labels["__meta_kubernetes_pod_annotation_example_com_scrape_timeout"] = timeout }
        return labels
    }

    var rules: [RelabelRule] {
        get throws {
            try ["interval", "timeout"].map { name in
                try RelabelRule(
                    action: .replace,
                    sourceLabels: ["__meta_kubernetes_pod_annotation_example_com_scrape_\(name)"],
                    regex: "(.+)",
                    targetLabel: "__scrape_\(name)__"
                )
            }
        }
    }

    @Test func relabellingSetsATargetsIntervalAndTimeout() throws {
        let target = try #require(try job(try rules).populate(annotated("1m30s", timeout: "45s")))
        #expect(target.interval == 90 && target.timeout == 45)
        // Unannotated: the job's, which a rule can read as Prometheus writes it.
        let keepThirty = try RelabelRule(action: .keep, sourceLabels: ["__scrape_interval__"], regex: "30s")
        #expect(try job([keepThirty]).populate(["__address__": "10.1.0.7:8080"])?.interval == 30)
        #expect(try job([keepThirty, try rules[0]]).populate(annotated("1m"))?.interval == 60)
        // Neither label is a target label.
        #expect(try job(try rules).populate(annotated("1m"))?.labels.keys.contains { $0.hasPrefix("__") } == false)
    }

    /// What Prometheus refuses, in its words: no duration, 0, a timeout over the interval.
    @Test func aTargetWithABadIntervalIsRefusedAsPrometheusRefusesIt() throws {
        let job = job(try rules)
        let cases: [(String, String?, String)] = [
            ("soon", nil, "error parsing scrape interval: not a valid duration string: \"soon\""),
            ("0", nil, "scrape interval cannot be 0"),
            ("1m", "0s", "scrape timeout cannot be 0"),
            ("5s", nil, "scrape timeout cannot be greater than scrape interval (\"10s\" > \"5s\")"),
            ("1m", "2m", "scrape timeout cannot be greater than scrape interval (\"2m\" > \"1m\")"),
        ]
        for (interval, timeout, message) in cases {
            #expect(throws: DiscoveryJob.Refusal(description: message)) {
                try job.populate(annotated(interval, timeout: timeout))
            }
            #expect(job.target(from: annotated(interval, timeout: timeout)) == nil)
        }
        #expect(throws: DiscoveryJob.Refusal(description: "invalid address \"10.1.0.7:99999\"")) {
            try job.populate(["__address__": "10.1.0.7:99999"])
        }
    }

    /// Durations written as Prometheus's `model.Duration` writes them.
    @Test func durationsAreWrittenAsPrometheusWritesThem() throws {
        let written = [15, 60, 90, 3600, 5400, 86_400 * 90, 604_800 * 2, 0.5, 1.25, 0].map {
            DurationSyntax.text(seconds: $0)
        }
        #expect(written == ["15s", "1m", "1m30s", "1h", "1h30m", "90d", "2w", "500ms", "1s250ms", "0s"])
        // Every whole number of milliseconds up to 200 s reads back as written (1s7ms was written 1s6ms).
        for milliseconds in 1...200_000 {
            let text = DurationSyntax.text(seconds: Double(milliseconds) / 1000)
            let seconds = try #require(DurationSyntax.seconds(text))
            #expect(DurationSyntax.text(seconds: seconds) == text, "\(milliseconds) ms")
        }
    }
}
