import Testing

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
        #expect(
            target.labels == [
                "namespace": "shop", "pod": "shop-1", "app": "shop", "kubernetes_pod_name": "shop-1",
            ]
        )
        #expect(target.job == "kubernetes-pods")
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
