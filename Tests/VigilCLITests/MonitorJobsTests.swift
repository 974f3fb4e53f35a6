import Foundation
import Testing
import VigilCore
import VigilHTTP
import VigilKube
import VigilScrape
import VigilTestKit

@testable import VigilCLI

/// PodMonitors and ServiceMonitors as discovery jobs: the fields that map onto a scrape job select the
/// same targets the operator's generated Prometheus configuration selects; the others are named.
struct MonitorJobsTests {
    static var podMonitor: [String: Any] {
        [
            "apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
            "metadata": ["name": "shop", "namespace": "monitoring"],
            "spec": [
                "selector": [
                    "matchLabels": ["app.kubernetes.io/name": "shop"],
                    "matchExpressions": [["key": "tier", "operator": "NotIn", "values": ["batch"]]],
                ],
                "namespaceSelector": ["matchNames": ["shop", "shop-canary"]],
                "podTargetLabels": ["team"],
                "podMetricsEndpoints": [
                    [
                        "port": "metrics", "path": "stats", "scheme": "https", "interval": "30s", "scrapeTimeout": "5s",
                        "params": ["format": ["prometheus"]], "bearerTokenSecret": ["name": "shop", "key": "token"],
                        "relabelings": [
                            ["sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node"]
                        ],
                    ]
                ],
            ],
        ]
    }

    static func pod(labels: [String: String], port: String = "metrics", phase: String = "Running") -> [String: String] {
        var discovered = [
            "__address__": "10.1.0.7:8080", "__meta_kubernetes_namespace": "shop",
            "__meta_kubernetes_pod_name": "shop-1",
            "__meta_kubernetes_pod_container_port_name": port, "__meta_kubernetes_pod_phase": phase,
            "__meta_kubernetes_pod_node_name": "node-1",
        ]
        for (name, value) in labels {
            discovered["__meta_kubernetes_pod_label_\(name)"] = value
            discovered["__meta_kubernetes_pod_labelpresent_\(name)"] = "true"
        }
        return discovered
    }

    @Test func aPodMonitorSelectsWhatTheOperatorsConfigSelects() throws {
        let translated = MonitorJobs(.podMonitor, Self.podMonitor, template: ScrapeTarget(url: ""))
        #expect(
            translated.unsupported == [
                "PodMonitor/monitoring/shop: spec.podMetricsEndpoints[0].bearerTokenSecret is not supported"
            ]
        )
        let sdJob = try #require(translated.jobs.first)
        #expect(translated.jobs.count == 1)
        #expect(sdJob.configuration == KubernetesSDConfiguration(role: .pod, namespaces: ["shop", "shop-canary"]))
        let job = sdJob.job
        let selected = try #require(job.target(from: Self.pod(labels: ["app_kubernetes_io_name": "shop"])))
        #expect(selected.url == "https://10.1.0.7:8080/stats?format=prometheus", "path and params")
        #expect(selected.job == "monitoring/shop")
        #expect(selected.interval == 30 && selected.timeout == 5)
        #expect(selected.labels["node"] == "node-1", "the supported relabeling applied")
        #expect(selected.labels["endpoint"] == "metrics", "the operator's endpoint label")
        // The operator's rules, not Vigil's own additions: a job with rules keeps only what they set.
        #expect(selected.labels["namespace"] == "shop" && selected.labels["pod"] == "shop-1")
        #expect(selected.labels["container"] == nil, "an empty source removes the label, as the default regex does")
        #expect(
            job.target(from: Self.pod(labels: ["app_kubernetes_io_name": "shop", "team": "payments"]))?.labels["team"]
                == "payments",
            "podTargetLabels"
        )
        // The prometheus.io annotations are no part of a monitor's job.
        var annotated = Self.pod(labels: ["app_kubernetes_io_name": "shop"])
        annotated["__meta_kubernetes_pod_annotation_prometheus_io_port"] = "9999"
        #expect(job.target(from: annotated)?.url == "https://10.1.0.7:8080/stats?format=prometheus")
        // Not selected: another app, an excluded tier, another port, a pod that ended.
        #expect(job.target(from: Self.pod(labels: ["app_kubernetes_io_name": "web"])) == nil)
        #expect(job.target(from: Self.pod(labels: ["app_kubernetes_io_name": "shop", "tier": "batch"])) == nil)
        #expect(job.target(from: Self.pod(labels: ["app_kubernetes_io_name": "shop"], port: "admin")) == nil)
        #expect(job.target(from: Self.pod(labels: ["app_kubernetes_io_name": "shop"], phase: "Succeeded")) == nil)
    }

    /// A relabeling Vigil cannot take (a `hashmod` shard, as the operator writes it) was skipped and the
    /// endpoint scraped without it: every shard's targets, not the one the operator's configuration
    /// keeps. Now the endpoint is not scraped, and the warning says so; the monitor's other endpoints are.
    @Test func anEndpointWithARelabelingVigilCannotTakeIsNotScraped() throws {
        var monitor = Self.podMonitor
        var spec = try #require(monitor["spec"] as? [String: Any])
        var endpoints = try #require(spec["podMetricsEndpoints"] as? [[String: Any]])
        var sharded = endpoints[0]
        sharded["relabelings"] = [
            ["action": "HashMod", "sourceLabels": ["__address__"], "modulus": 4, "targetLabel": "__tmp_hash"],
            ["action": "keep", "sourceLabels": ["__tmp_hash"], "regex": "1"],
        ]
        endpoints.append(sharded)
        spec["podMetricsEndpoints"] = endpoints
        monitor["spec"] = spec
        let translated = MonitorJobs(.podMonitor, monitor, template: ScrapeTarget(url: ""))
        #expect(
            translated.unsupported.last
                == "PodMonitor/monitoring/shop: spec.podMetricsEndpoints[1].relabelings[0]: action hashmod is not supported: the endpoint is not scraped"
        )
        #expect(translated.jobs.count == 1, "the first endpoint, whose relabelings are all taken")
    }

    /// A selector Vigil cannot read would select every pod of the namespace: the monitor makes no job.
    @Test func aMonitorWhoseSelectorCannotBeReadIsNotScraped() throws {
        var monitor = Self.podMonitor
        var spec = try #require(monitor["spec"] as? [String: Any])
        spec["selector"] = ["matchExpressions": [["key": "tier", "operator": "Gt", "values": ["1"]]]]
        monitor["spec"] = spec
        let translated = MonitorJobs(.podMonitor, monitor, template: ScrapeTarget(url: ""))
        #expect(translated.jobs.isEmpty)
        #expect(
            translated.unsupported.last
                == "PodMonitor/monitoring/shop: spec.selector: matchExpressions operator Gt is not supported: the monitor is not scraped"
        )
    }

    @Test func aServiceMonitorWatchesEndpointsOfSelectedServicesInItsOwnNamespace() throws {
        let monitor: [String: Any] = [
            "metadata": ["name": "api", "namespace": "shop"],
            "spec": [
                "selector": ["matchExpressions": [["key": "app", "operator": "In", "values": ["api", "api.v2"]]]],
                "endpoints": [["port": "http"], ["targetPort": 9102]],
            ],
        ]
        let translated = MonitorJobs(.serviceMonitor, monitor, template: ScrapeTarget(url: ""))
        #expect(translated.unsupported.isEmpty)
        #expect(
            translated.jobs.map(\.configuration)
                == Array(repeating: .init(role: .endpoints, namespaces: ["shop"]), count: 2)
        )
        let endpoint = [
            "__address__": "10.1.0.9:8080", "__meta_kubernetes_service_label_app": "api.v2",
            "__meta_kubernetes_service_labelpresent_app": "true", "__meta_kubernetes_endpoint_port_name": "http",
            "__meta_kubernetes_pod_container_port_number": "8080",
        ]
        #expect(translated.jobs[0].job.target(from: endpoint)?.url == "http://10.1.0.9:8080/metrics")
        #expect(translated.jobs[1].job.target(from: endpoint) == nil, "targetPort 9102 is another port")
        var other = endpoint
        other["__meta_kubernetes_service_label_app"] = "apixv2"
        #expect(translated.jobs[0].job.target(from: other) == nil, "the value is matched literally")
    }

    /// A ServiceMonitor's targets are of the job the operator names: the service's, or the value of the
    /// service's label `jobLabel` names. Prometheus's series from them carry that `job` (and `endpoint`,
    /// `targetLabels`); Vigil's `shop/api` matched none of them.
    @Test func aServiceMonitorsJobIsTheServicesName() throws {
        let monitor: [String: Any] = [
            "metadata": ["name": "api", "namespace": "shop"],
            "spec": [
                "selector": ["matchLabels": ["app": "api"]],
                "targetLabels": ["team"],
                "endpoints": [["port": "http"]],
            ],
        ]
        var endpoint = [
            "__address__": "10.1.0.9:8080", "__meta_kubernetes_namespace": "shop",
            "__meta_kubernetes_service_name": "api-v2", "__meta_kubernetes_service_label_app": "api",
            "__meta_kubernetes_service_labelpresent_app": "true", "__meta_kubernetes_service_label_team": "payments",
            "__meta_kubernetes_service_label_app_kubernetes_io_name": "checkout",
            "__meta_kubernetes_endpoint_port_name": "http",
        ]
        let translated = MonitorJobs(.serviceMonitor, monitor, template: ScrapeTarget(url: ""))
        #expect(translated.unsupported.isEmpty)
        let target = try #require(translated.jobs.first?.job.target(from: endpoint))
        #expect(target.job == "api-v2")
        #expect(target.labels["endpoint"] == "http" && target.labels["team"] == "payments")
        #expect(target.labels["namespace"] == "shop" && target.labels["service"] == "api-v2")
        // An address of a node, as the operator's first two rules read it.
        var onNode = endpoint
        onNode["__meta_kubernetes_endpoint_address_target_kind"] = "Node"
        onNode["__meta_kubernetes_endpoint_address_target_name"] = "node-3"
        #expect(translated.jobs.first?.job.target(from: onNode)?.labels["node"] == "node-3")
        var labelled = monitor
        var spec = try #require(labelled["spec"] as? [String: Any])
        spec["jobLabel"] = "app.kubernetes.io/name"
        labelled["spec"] = spec
        let named = MonitorJobs(.serviceMonitor, labelled, template: ScrapeTarget(url: ""))
        #expect(named.jobs.first?.job.target(from: endpoint)?.job == "checkout")
        // A service without that label keeps its name as the job, as the operator's rule matches `(.+)`.
        endpoint["__meta_kubernetes_service_label_app_kubernetes_io_name"] = nil
        #expect(named.jobs.first?.job.target(from: endpoint)?.job == "api-v2")
    }

    @Test func monitorsAreAskedForInTheClusterSection() throws {
        #expect(try DaemonConfig.parse("scrape_configs: []\n", file: "vigil.yaml").cluster.monitors == false)
        let config = try DaemonConfig.parse("cluster: {monitors: true}\nscrape_configs: []\n", file: "vigil.yaml")
        #expect(config.cluster.monitors)
        #expect(throws: DaemonConfig.Invalid.self) {
            try DaemonConfig.parse("cluster: {monitors: maybe}\nscrape_configs: []\n", file: "vigil.yaml")
        }
    }

    /// Listed from the API server where the CRDs exist; a 404 (no CRD) is skipped.
    @Test func monitorsAreListedWhereTheCRDsExistAndSkippedWhereNot() async throws {
        let server = try FakeAPIServer()
        let client = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop", credential: .token("t")),
            transport: CurlHTTPClient(),
            access: .read
        )
        let manager = ScrapeManager(targets: [], transport: FixedResponseTransport(body: []), store: SeriesStore())
        let service = DiscoveryService(
            client: client,
            jobs: [],
            targets: TargetSet(manager: manager, shard: .whole, configured: []),
            monitors: true,
            logger: VigilLogging.logger(format: .logfmt, level: "critical")
        )
        #expect(await service.monitorJobs().isEmpty)
        try await server.control("/__crd", #"{"group": "monitoring.coreos.com", "version": "v1"}"#)
        let body = String(
            decoding: try JSONSerialization.data(withJSONObject: ["object": Self.podMonitor]),
            as: UTF8.self
        )
        try await server.control("/__create", body)
        let jobs = await service.monitorJobs()
        #expect(jobs.map(\.job.template.job) == ["monitoring/shop"])
    }
}
