import Benchmark
import VigilScrape

/// Relabelling with Vigil's RE2 engine against Swift's `Regex` (the engine Vigil used before), in the
/// same run on the same work:
///
/// - `relabel-kubernetes-pods-5000-targets-*`: the kubernetes-pods job's rules from Prometheus's
///   example configuration (keep on the scrape annotation, `__address__` rebuilt from the port
///   annotation, `labelmap` of the pod labels, namespace and pod copied, a `labeldrop`) over 5,000
///   discovered pods of 16 labels each. The Swift peer matches the same values with the same patterns,
///   anchored as Prometheus anchors them, but writes no template: it does a little less.
/// - `regex-pathological-*`: `(a|aa)*b` on 28 a's, which a backtracking engine takes Fibonacci(28)
///   ways (about 300,000) to refuse, and RE2 at most a few instructions per code point.
///
/// Compare their wall clock: the ratio is what the engine costs or saves.
func relabelBenchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal],
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(10),
        maxIterations: 20
    )
    let pods = (0..<5_000).map(KubernetesPodsJob.discovered)

    Benchmark("relabel-kubernetes-pods-5000-targets-vigil-re2", configuration: configuration) { benchmark in
        let rules = try KubernetesPodsJob.rules()
        for _ in benchmark.scaledIterations {
            var kept = 0
            for pod in pods {
                var labels = pod
                if rules.allSatisfy({ $0.apply(to: &labels) }) { kept += labels.count }
            }
            blackHole(kept)
        }
    }

    Benchmark("relabel-kubernetes-pods-5000-targets-swift-regex", configuration: configuration) { benchmark in
        let peer = try SwiftRegexPeer()
        for _ in benchmark.scaledIterations {
            var kept = 0
            for pod in pods { kept += peer.relabel(pod)?.count ?? 0 }
            blackHole(kept)
        }
    }

    let pathological = String(repeating: "a", count: 28)
    Benchmark("regex-pathological-(a|aa)*b-28-vigil-re2", configuration: configuration) { benchmark in
        let rule = try RelabelRule(action: .keep, sourceLabels: ["v"], regex: "(a|aa)*b")
        for _ in benchmark.scaledIterations { blackHole(rule.keeps([(name: "v", value: pathological)])) }
    }

    Benchmark("regex-pathological-(a|aa)*b-28-swift-regex", configuration: configuration) { benchmark in
        let regex = try Regex("^(?s:(a|aa)*b)$").matchingSemantics(.unicodeScalar)
        for _ in benchmark.scaledIterations { blackHole(try regex.wholeMatch(in: pathological) != nil) }
    }
}

/// Prometheus's example `kubernetes-pods` job (documentation/examples/prometheus-kubernetes.yml).
enum KubernetesPodsJob {
    static let labelPrefix = "__meta_kubernetes_pod_label_"

    static func rules() throws -> [RelabelRule] {
        [
            try RelabelRule(
                action: .keep,
                sourceLabels: ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"],
                regex: "true"
            ),
            try RelabelRule(
                action: .replace,
                sourceLabels: ["__address__", "__meta_kubernetes_pod_annotation_prometheus_io_port"],
                regex: #"([^:]+)(?::\d+)?;(\d+)"#,
                targetLabel: "__address__",
                replacement: "$1:$2"
            ),
            try RelabelRule(action: .labelmap, regex: labelPrefix + "(.+)"),
            try RelabelRule(action: .replace, sourceLabels: ["__meta_kubernetes_namespace"], targetLabel: "namespace"),
            try RelabelRule(action: .replace, sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: "pod"),
            try RelabelRule(action: .labeldrop, regex: "pod_template_hash"),
        ]
    }

    /// A pod's target as Kubernetes discovery labels it; one in ten is not annotated for scraping.
    static func discovered(_ number: Int) -> [String: String] {
        [
            "__address__": "10.1.\(number / 256 % 256).\(number % 256):8080",
            "__meta_kubernetes_namespace": "ns-\(number % 50)",
            "__meta_kubernetes_pod_name": "shop-\(number)",
            "__meta_kubernetes_pod_uid": "0d6e1f6a-\(number)",
            "__meta_kubernetes_pod_ip": "10.1.\(number / 256 % 256).\(number % 256)",
            "__meta_kubernetes_pod_ready": "true",
            "__meta_kubernetes_pod_phase": "Running",
            "__meta_kubernetes_pod_node_name": "node-\(number % 100)",
            "__meta_kubernetes_pod_container_name": "app",
            "__meta_kubernetes_pod_container_port_number": "8080",
            "__meta_kubernetes_pod_annotation_prometheus_io_scrape": number % 10 == 0 ? "false" : "true",
            "__meta_kubernetes_pod_annotation_prometheus_io_port": "9102",
            labelPrefix + "app": "shop",
            labelPrefix + "pod_template_hash": "7f6c\(number % 7)",
            labelPrefix + "team": "checkout",
            "job": "kubernetes-pods",
        ]
    }
}

/// The same rules matched with Swift's `Regex`, anchored and code point by code point as Vigil anchored
/// them before its own engine.
struct SwiftRegexPeer {
    let keep: Regex<AnyRegexOutput>
    let address: Regex<AnyRegexOutput>
    let podLabel: Regex<AnyRegexOutput>
    let anything: Regex<AnyRegexOutput>
    let templateHash: Regex<AnyRegexOutput>

    init() throws {
        func anchored(_ pattern: String) throws -> Regex<AnyRegexOutput> {
            try Regex("^(?s:\(pattern))$").matchingSemantics(.unicodeScalar)
        }
        keep = try anchored("true")
        address = try anchored(#"([^:]+)(?::\d+)?;(\d+)"#)
        podLabel = try anchored(KubernetesPodsJob.labelPrefix + "(.+)")
        anything = try anchored("(.*)")
        templateHash = try anchored("pod_template_hash")
    }

    func relabel(_ pod: [String: String]) -> [String: String]? {
        var labels = pod
        guard (try? keep.wholeMatch(in: labels["__meta_kubernetes_pod_annotation_prometheus_io_scrape"] ?? "")) != nil
        else { return nil }
        let joined =
            (labels["__address__"] ?? "") + ";" + (labels["__meta_kubernetes_pod_annotation_prometheus_io_port"] ?? "")
        if let match = try? address.wholeMatch(in: joined), let host = match.output[1].substring,
            let port = match.output[2].substring
        {
            labels["__address__"] = "\(host):\(port)"
        }
        for (name, value) in labels.sorted(by: { $0.key < $1.key }) {
            if let match = try? podLabel.wholeMatch(in: name), let mapped = match.output[1].substring {
                labels[String(mapped)] = value
            }
        }
        for (source, target) in [("__meta_kubernetes_namespace", "namespace"), ("__meta_kubernetes_pod_name", "pod")] {
            if let match = try? anything.wholeMatch(in: labels[source] ?? ""), let value = match.output[1].substring {
                labels[target] = value.isEmpty ? nil : String(value)
            }
        }
        return labels.filter { (try? templateHash.wholeMatch(in: $0.key)) == nil }
    }
}
