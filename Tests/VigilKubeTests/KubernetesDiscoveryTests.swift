import Foundation
import Testing
import VigilHTTP
import VigilTestKit

@testable import VigilKube

/// Kubernetes service discovery: the labels Prometheus's `kubernetes_sd_configs` gives a pod and an
/// endpoint, and targets that come and go with the pods, watched on the fake API server.
struct KubernetesDiscoveryTests {
    static func pod(
        _ name: String,
        ip: String?,
        ports: [(String, Int)] = [("metrics", 8080)],
        labels: [String: String] = ["app": "shop"],
        annotations: [String: String] = ["prometheus.io/scrape": "true"]
    ) -> [String: Any] {
        var status: [String: Any] = [
            "phase": "Running", "hostIP": "192.168.1.5",
            "conditions": [["type": "Ready", "status": "True"]],
        ]
        if let ip { status["podIP"] = ip }
        return [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": name, "namespace": "shop", "uid": "uid-\(name)", "labels": labels,
                "annotations": annotations,
                "ownerReferences": [["kind": "ReplicaSet", "name": "shop-7f6c", "controller": true]],
            ],
            "spec": [
                "nodeName": "node-1",
                "containers": [
                    [
                        "name": "app",
                        "ports": ports.map { ["name": $0.0, "containerPort": $0.1, "protocol": "TCP"] },
                    ],
                    ["name": "sidecar"],
                ],
            ],
            "status": status,
        ]
    }

    @Test func aPodGivesPrometheussLabels() throws {
        let targets = PodTargets.targets(
            of: Self.pod(
                "shop-1",
                ip: "10.1.0.7",
                labels: ["app.kubernetes.io/name": "shop"],
                annotations: ["prometheus.io/port": "9090"]
            )
        )
        #expect(targets.map(\.address) == ["10.1.0.7:8080", "10.1.0.7"])
        let labels = try #require(targets.first?.labels)
        #expect(
            labels == [
                "__address__": "10.1.0.7:8080",
                "__meta_kubernetes_namespace": "shop",
                "__meta_kubernetes_pod_name": "shop-1",
                "__meta_kubernetes_pod_ip": "10.1.0.7",
                "__meta_kubernetes_pod_ready": "true",
                "__meta_kubernetes_pod_phase": "Running",
                "__meta_kubernetes_pod_node_name": "node-1",
                "__meta_kubernetes_pod_host_ip": "192.168.1.5",
                "__meta_kubernetes_pod_uid": "uid-shop-1",
                "__meta_kubernetes_pod_controller_kind": "ReplicaSet",
                "__meta_kubernetes_pod_controller_name": "shop-7f6c",
                "__meta_kubernetes_pod_label_app_kubernetes_io_name": "shop",
                "__meta_kubernetes_pod_labelpresent_app_kubernetes_io_name": "true",
                "__meta_kubernetes_pod_annotation_prometheus_io_port": "9090",
                "__meta_kubernetes_pod_annotationpresent_prometheus_io_port": "true",
                "__meta_kubernetes_pod_container_name": "app",
                "__meta_kubernetes_pod_container_port_name": "metrics",
                "__meta_kubernetes_pod_container_port_number": "8080",
                "__meta_kubernetes_pod_container_port_protocol": "TCP",
            ]
        )
        // The container without ports: one port-less target, as Prometheus makes it.
        #expect(targets[1].labels["__meta_kubernetes_pod_container_name"] == "sidecar")
        #expect(targets[1].labels["__meta_kubernetes_pod_container_port_number"] == nil)
    }

    @Test func aPodWithoutAnIPHasNoTargetsAndIPv6IsBracketed() {
        #expect(PodTargets.targets(of: Self.pod("starting", ip: nil)).isEmpty)
        #expect(PodTargets.targets(of: Self.pod("v6", ip: "fd00::7")).first?.address == "[fd00::7]:8080")
    }

    @Test func anEndpointGetsTheServicesAndThePodsLabels() throws {
        let endpoints: [String: Any] = [
            "metadata": ["name": "shop", "namespace": "shop", "labels": ["tier": "web"]],
            "subsets": [
                [
                    "addresses": [
                        [
                            "ip": "10.1.0.7", "nodeName": "node-1",
                            "targetRef": ["kind": "Pod", "name": "shop-1", "namespace": "shop"],
                        ]
                    ],
                    "notReadyAddresses": [["ip": "10.1.0.9"]],
                    "ports": [["name": "http", "port": 8080, "protocol": "TCP"]],
                ]
            ],
        ]
        let service: [String: Any] = [
            "metadata": ["name": "shop", "namespace": "shop", "annotations": ["prometheus.io/scrape": "true"]]
        ]
        let pod = Self.pod("shop-1", ip: "10.1.0.7", ports: [("http", 8080), ("admin", 9000)])
        let targets = EndpointsTargets.targets(of: endpoints, service: service) { namespace, name in
            namespace == "shop" && name == "shop-1" ? pod : nil
        }
        #expect(targets.map(\.address) == ["10.1.0.7:8080", "10.1.0.9:8080", "10.1.0.7:9000"])
        let first = targets[0].labels
        #expect(first["__meta_kubernetes_endpoints_name"] == "shop")
        #expect(first["__meta_kubernetes_endpoints_label_tier"] == "web")
        #expect(first["__meta_kubernetes_service_name"] == "shop")
        #expect(first["__meta_kubernetes_service_annotation_prometheus_io_scrape"] == "true")
        #expect(first["__meta_kubernetes_endpoint_ready"] == "true")
        #expect(first["__meta_kubernetes_endpoint_port_name"] == "http")
        #expect(first["__meta_kubernetes_endpoint_node_name"] == "node-1")
        #expect(first["__meta_kubernetes_endpoint_address_target_kind"] == "Pod")
        #expect(first["__meta_kubernetes_pod_name"] == "shop-1")
        #expect(first["__meta_kubernetes_pod_container_port_name"] == "http")
        #expect(targets[1].labels["__meta_kubernetes_endpoint_ready"] == "false")
        #expect(targets[1].labels["__meta_kubernetes_pod_name"] == nil)
        // The pod's port no endpoint port covers is a target of its own, without endpoint labels.
        #expect(targets[2].labels["__meta_kubernetes_pod_container_port_name"] == "admin")
        #expect(targets[2].labels["__meta_kubernetes_endpoint_ready"] == nil)
    }

    /// Collects what discovery hands over.
    final class Latest: @unchecked Sendable {
        private let lock = NSLock()
        private var addresses: [String] = []
        func set(_ targets: [DiscoveredTarget]) { lock.withLock { addresses = targets.map(\.address).sorted() } }
        var value: [String] { lock.withLock { addresses } }
    }

    @Test func targetsComeAndGoWithThePodsOfTheSelector() async throws {
        let server = try FakeAPIServer()
        let client = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop", credential: .token("t")),
            transport: CurlHTTPClient(),
            qps: 1000,
            burst: 1000
        )
        func create(_ pod: [String: Any]) async throws {
            let body = String(decoding: KubeAction.json(["object": pod]), as: UTF8.self)
            try await server.control("/__create", body)
        }
        try await create(Self.pod("shop-1", ip: "10.1.0.1"))
        try await create(Self.pod("other-1", ip: "10.1.0.2", labels: ["app": "other"]))
        let discovery = KubernetesDiscovery(
            client: client,
            configuration: KubernetesSDConfiguration(
                role: .pod,
                namespaces: ["shop"],
                selectors: [.init(role: .pod, label: "app=shop")]
            )
        )
        let latest = Latest()
        let (changes, continuation) = AsyncStream<Void>.makeStream()
        let run = Task {
            await discovery.run { targets in
                latest.set(targets)
                continuation.yield()
            }
        }
        defer { run.cancel() }
        var iterator = changes.makeAsyncIterator()
        func next(_ expected: [String]) async {
            while latest.value != expected { guard await iterator.next() != nil else { return } }
        }
        await next(["10.1.0.1", "10.1.0.1:8080"])
        try await create(Self.pod("shop-2", ip: "10.1.0.3"))
        await next(["10.1.0.1", "10.1.0.1:8080", "10.1.0.3", "10.1.0.3:8080"])
        try await server.control("/__delete", #"{"path": "/api/v1/namespaces/shop/pods/shop-1"}"#)
        await next(["10.1.0.3", "10.1.0.3:8080"])
        #expect(latest.value == ["10.1.0.3", "10.1.0.3:8080"])
        // The selector went to the server, on the list and on the watch.
        let requests = try await server.log().filter { $0.path == "/api/v1/namespaces/shop/pods" }
        #expect(requests.count >= 2)
        #expect(requests.allSatisfy { $0.query.contains(["labelSelector", "app=shop"]) })
    }
}
