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
        annotations: [String: String] = ["prometheus.io/scrape": "true"],
        initContainers: [[String: Any]] = []
    ) -> [String: Any] {
        var status: [String: Any] = [
            "phase": "Running", "hostIP": "192.168.1.5",
            "conditions": [["type": "Ready", "status": "True"]],
            "containerStatuses": [["name": "app", "containerID": "containerd://app-\(name)"]],
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
                        "name": "app", "image": "shop:1.2",
                        "ports": ports.map { ["name": $0.0, "containerPort": $0.1, "protocol": "TCP"] },
                    ],
                    ["name": "sidecar", "image": "envoy:1.30"],
                ],
                "initContainers": initContainers,
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
                "__meta_kubernetes_pod_container_image": "shop:1.2",
                "__meta_kubernetes_pod_container_id": "containerd://app-shop-1",
                "__meta_kubernetes_pod_container_init": "false",
                "__meta_kubernetes_pod_container_port_name": "metrics",
                "__meta_kubernetes_pod_container_port_number": "8080",
                "__meta_kubernetes_pod_container_port_protocol": "TCP",
            ]
        )
        // The container without ports: one port-less target, as Prometheus makes it.
        #expect(targets[1].labels["__meta_kubernetes_pod_container_name"] == "sidecar")
        #expect(targets[1].labels["__meta_kubernetes_pod_container_port_number"] == nil)
    }

    /// One row per target of a pod, as `buildPod` (`discovery/kubernetes/pod.go` at
    /// d15adb9ad7e5, lines 366–440) makes them: no targets without a pod IP (line 371); `containers`
    /// then `initContainers` (line 397); per port `net.JoinHostPort(podIP, port)` (line 424), so an
    /// IPv6 address is bracketed; a port-less container gets the bare pod IP (line 413), unbracketed even
    /// for IPv6; `…_container_id` from the matching (init) container status, empty without one
    /// (lines 401–405); `…_container_init` as Go's `strconv.FormatBool` (lines 417, 434).
    struct PodCase: Sendable, CustomTestStringConvertible {
        var why: String
        var ip: String?
        var initContainers: [[String: String]] = []
        /// Per target: address, container name, image, id, init, port number (nil: port-less).
        var expected: [[String?]]
        var testDescription: String { why }
    }

    static let podCases: [PodCase] = [
        PodCase(why: "no pod IP yet: an empty group, not \":8080\"", ip: nil, expected: []),
        PodCase(why: "empty pod IP (evicted): likewise", ip: "", expected: []),
        PodCase(
            why: "IPv4: ip:port, and the port-less sidecar gets the bare IP and no container ID",
            ip: "10.1.0.7",
            expected: [
                ["10.1.0.7:8080", "app", "shop:1.2", "containerd://app-p", "false", "8080"],
                ["10.1.0.7", "sidecar", "envoy:1.30", "", "false", nil],
            ]
        ),
        PodCase(
            why: "IPv6: JoinHostPort brackets it; the port-less target keeps it bare",
            ip: "fd00::7",
            expected: [
                ["[fd00::7]:8080", "app", "shop:1.2", "containerd://app-p", "false", "8080"],
                ["fd00::7", "sidecar", "envoy:1.30", "", "false", nil],
            ]
        ),
        PodCase(
            why: "init containers come after the others, marked init",
            ip: "10.1.0.7",
            initContainers: [["name": "migrate", "image": "flyway:10"]],
            expected: [
                ["10.1.0.7:8080", "app", "shop:1.2", "containerd://app-p", "false", "8080"],
                ["10.1.0.7", "sidecar", "envoy:1.30", "", "false", nil],
                ["10.1.0.7", "migrate", "flyway:10", "containerd://init-migrate", "true", nil],
            ]
        ),
    ]

    @Test(arguments: podCases) func podTargetsMatchPrometheusBuildPod(_ row: PodCase) {
        var pod = Self.pod("p", ip: row.ip, initContainers: row.initContainers)
        if !row.initContainers.isEmpty, var status = pod["status"] as? [String: Any] {
            status["initContainerStatuses"] = row.initContainers.map {
                ["name": $0["name"] ?? "", "containerID": "containerd://init-\($0["name"] ?? "")"]
            }
            pod["status"] = status
        }
        let found = PodTargets.targets(of: pod).map { target -> [String?] in
            [
                target.address, target.labels["__meta_kubernetes_pod_container_name"],
                target.labels["__meta_kubernetes_pod_container_image"],
                target.labels["__meta_kubernetes_pod_container_id"],
                target.labels["__meta_kubernetes_pod_container_init"],
                target.labels["__meta_kubernetes_pod_container_port_number"],
            ]
        }
        #expect(found == row.expected)
    }

    @Test func anEndpointGetsTheServicesAndThePodsLabels() throws {
        let endpoints: [String: Any] = [
            "metadata": [
                "name": "shop", "namespace": "shop", "labels": ["tier": "web"], "annotations": ["team": "checkout"],
            ],
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
        // addObjectMetaLabels(tg.Labels, eps.ObjectMeta, RoleEndpoint) (endpoints.go line 356): annotations too.
        #expect(first["__meta_kubernetes_endpoints_annotation_team"] == "checkout")
        #expect(first["__meta_kubernetes_endpoints_annotationpresent_team"] == "true")
        // The matching container port's labels (lines 425–430): image and init, but no container ID.
        #expect(first["__meta_kubernetes_pod_container_image"] == "shop:1.2")
        #expect(first["__meta_kubernetes_pod_container_init"] == "false")
        #expect(first["__meta_kubernetes_pod_container_id"] == nil)
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
        #expect(targets[2].labels["__meta_kubernetes_pod_container_image"] == "shop:1.2")
    }

    /// `buildEndpoints` skips the uncovered ports of a pod without an IP (endpoints.go line 466): an
    /// endpoint may name a pod whose status has lost its IP (evicted), and ":9000" is no address.
    @Test func aPodWithoutAnIPAddsNoUncoveredPortsToItsEndpoints() {
        let endpoints: [String: Any] = [
            "metadata": ["name": "shop", "namespace": "shop"],
            "subsets": [
                [
                    "addresses": [
                        ["ip": "10.1.0.7", "targetRef": ["kind": "Pod", "name": "gone", "namespace": "shop"]]
                    ],
                    "ports": [["name": "http", "port": 8080, "protocol": "TCP"]],
                ]
            ],
        ]
        let pod = Self.pod("gone", ip: nil, ports: [("http", 8080), ("admin", 9000)])
        let targets = EndpointsTargets.targets(of: endpoints, service: nil) { _, _ in pod }
        #expect(targets.map(\.address) == ["10.1.0.7:8080"])
    }

    /// Two containers declaring the endpoint's port: `buildEndpoints`' `break` (endpoints.go) leaves only
    /// the port loop, so the next container is still looked at and the last match's labels are kept.
    @Test func theLastContainerDeclaringTheEndpointsPortNamesIt() {
        let endpoints: [String: Any] = [
            "metadata": ["name": "shop", "namespace": "shop"],
            "subsets": [
                [
                    "addresses": [
                        ["ip": "10.1.0.7", "targetRef": ["kind": "Pod", "name": "shop-1", "namespace": "shop"]]
                    ],
                    "ports": [["name": "http", "port": 8080, "protocol": "TCP"]],
                ]
            ],
        ]
        let spec: [String: Any] = [
            "nodeName": "node-1",
            "containers": [
                [
                    "name": "a", "image": "a:1",
                    "ports": [["name": "a-http", "containerPort": 8080, "protocol": "TCP"]],
                ],
                [
                    "name": "b", "image": "b:1",
                    "ports": [["name": "b-http", "containerPort": 8080, "protocol": "TCP"]],
                ],
            ],
        ]
        var pod = Self.pod("shop-1", ip: "10.1.0.7")
        pod["spec"] = spec
        let targets = EndpointsTargets.targets(of: endpoints, service: nil) { _, _ in pod }
        // The port is covered by the endpoint: no target of its own for either container.
        #expect(targets.map(\.address) == ["10.1.0.7:8080"])
        let labels = targets.first?.labels ?? [:]
        #expect(labels["__meta_kubernetes_pod_container_name"] == "b")
        #expect(labels["__meta_kubernetes_pod_container_image"] == "b:1")
        #expect(labels["__meta_kubernetes_pod_container_port_name"] == "b-http")
        #expect(labels["__meta_kubernetes_pod_container_port_number"] == "8080")
    }

    /// Collects what discovery hands over: each group replaces the previous group of its source.
    final class Latest: @unchecked Sendable {
        private let lock = NSLock()
        private var groups: [String: [String]] = [:]
        func apply(_ changed: [TargetGroup]) {
            lock.withLock { for group in changed { groups[group.source] = group.targets.map(\.address) } }
        }
        var value: [String] { lock.withLock { groups.values.joined().sorted() } }
    }

    @Test func targetsComeAndGoWithThePodsOfTheSelector() async throws {
        let server = try FakeAPIServer()
        let client = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop", credential: .token("t")),
            transport: CurlHTTPClient(),
            access: .read,
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
            await discovery.run { groups in
                latest.apply(groups)
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
        // Relabelled out of the selector, the pod's watch sees it go (the API server sends DELETED), and
        // relabelled into it, come back (ADDED).
        let shop2 = #"{"path": "/api/v1/namespaces/shop/pods/shop-2", "patch": {"metadata": {"labels": {"app": "#
        try await server.control("/__patch", shop2 + #""other"}}}}"#)
        await next([])
        #expect(latest.value == [])
        try await server.control("/__patch", shop2 + #""shop"}}}}"#)
        await next(["10.1.0.3", "10.1.0.3:8080"])
        #expect(latest.value == ["10.1.0.3", "10.1.0.3:8080"])
        // The selector went to the server, on the list and on the watch.
        let requests = try await server.log().filter { $0.path == "/api/v1/namespaces/shop/pods" }
        #expect(requests.count >= 2)
        #expect(requests.allSatisfy { $0.query.contains(["labelSelector", "app=shop"]) })
    }
}
