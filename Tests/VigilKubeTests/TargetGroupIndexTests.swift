import Foundation
import Testing
import VigilHTTP

@testable import VigilKube

/// Incremental target maintenance: an event rebuilds the groups of the objects it touches and no
/// others, as Prometheus's discoverers queue one object key per event.
struct TargetGroupIndexTests {
    static func raw(_ object: [String: Any]) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object)) ?? Data())
    }

    static func pod(_ name: String, ip: String?, namespace: String = "shop") -> [UInt8] {
        var pod = KubernetesDiscoveryTests.pod(name, ip: ip)
        if var metadata = pod["metadata"] as? [String: Any] {
            metadata["namespace"] = namespace
            pod["metadata"] = metadata
        }
        return raw(pod)
    }

    static func endpoints(_ name: String, pods: [(name: String, ip: String)]) -> [UInt8] {
        raw([
            "metadata": ["name": name, "namespace": "shop"],
            "subsets": [
                [
                    "addresses": pods.map {
                        ["ip": $0.ip, "targetRef": ["kind": "Pod", "name": $0.name, "namespace": "shop"]]
                    },
                    "ports": [["name": "metrics", "port": 8080, "protocol": "TCP"]],
                ]
            ],
        ])
    }

    @Test func aPodEventRebuildsThatPodsGroupOnly() {
        var index = TargetGroupIndex(role: .pod)
        let listed = index.apply(
            .listed([Self.pod("a", ip: "10.0.0.1"), Self.pod("b", ip: "10.0.0.2")]),
            collection: "pods",
            namespace: ""
        )
        #expect(listed.map(\.source) == ["pod/shop/a", "pod/shop/b"])
        #expect(listed[0].targets.map(\.address) == ["10.0.0.1:8080", "10.0.0.1"])
        let moved = index.apply(.modified(Self.pod("b", ip: "10.0.0.9")), collection: "pods", namespace: "")
        #expect(moved.map(\.source) == ["pod/shop/b"])
        #expect(moved[0].targets.map(\.address) == ["10.0.0.9:8080", "10.0.0.9"])
        // Losing its IP (evicted) empties the group, so the pod's targets go.
        let evicted = index.apply(.modified(Self.pod("b", ip: nil)), collection: "pods", namespace: "")
        #expect(evicted == [TargetGroup(source: "pod/shop/b", targets: [])])
        let deleted = index.apply(.deleted(Self.pod("a", ip: "10.0.0.1")), collection: "pods", namespace: "")
        #expect(deleted == [TargetGroup(source: "pod/shop/a", targets: [])])
    }

    @Test func aRelistRetiresThePodsGoneMeanwhileInItsNamespaceOnly() {
        var index = TargetGroupIndex(role: .pod)
        _ = index.apply(.listed([Self.pod("a", ip: "10.0.0.1")]), collection: "pods", namespace: "shop")
        _ = index.apply(
            .listed([Self.pod("x", ip: "10.0.1.1", namespace: "web")]),
            collection: "pods",
            namespace: "web"
        )
        let relisted = index.apply(.listed([Self.pod("b", ip: "10.0.0.2")]), collection: "pods", namespace: "shop")
        #expect(relisted.map(\.source) == ["pod/shop/a", "pod/shop/b"])
        #expect(relisted[0].targets.isEmpty, "a went while the watch was down")
        #expect(!relisted[1].targets.isEmpty)
        // The other namespace's pod stays: its reflector did not relist.
        let again = index.apply(.listed([]), collection: "pods", namespace: "web")
        #expect(again == [TargetGroup(source: "pod/web/x", targets: [])])
    }

    @Test func underRoleEndpointsAPodOrServiceEventRebuildsTheEndpointsThatNameIt() {
        var index = TargetGroupIndex(role: .endpoints)
        _ = index.apply(.listed([]), collection: "pods", namespace: "")
        _ = index.apply(.listed([]), collection: "services", namespace: "")
        let listed = index.apply(
            .listed([
                Self.endpoints("web", pods: [("web-1", "10.0.0.1")]),
                Self.endpoints("api", pods: [("api-1", "10.0.0.2")]),
            ]),
            collection: "endpoints",
            namespace: ""
        )
        #expect(listed.map(\.source) == ["endpoints/shop/api", "endpoints/shop/web"])
        #expect(listed[1].targets.first?.labels["__meta_kubernetes_pod_name"] == nil, "pod not known yet")
        // The pod arrives: only the endpoints naming it are rebuilt, now with the pod's labels.
        let pod = index.apply(.added(Self.pod("web-1", ip: "10.0.0.1")), collection: "pods", namespace: "")
        #expect(pod.map(\.source) == ["endpoints/shop/web"])
        #expect(pod[0].targets.first?.labels["__meta_kubernetes_pod_name"] == "web-1")
        // A pod no endpoints name changes nothing.
        #expect(index.apply(.added(Self.pod("lone", ip: "10.0.0.7")), collection: "pods", namespace: "").isEmpty)
        // A service rebuilds the endpoints of its name, if any.
        let service = Self.raw([
            "metadata": ["name": "api", "namespace": "shop", "annotations": ["prometheus.io/scrape": "true"]]
        ])
        let withService = index.apply(.added(service), collection: "services", namespace: "")
        #expect(withService.map(\.source) == ["endpoints/shop/api"])
        #expect(
            withService[0].targets.first?.labels["__meta_kubernetes_service_annotation_prometheus_io_scrape"] == "true"
        )
        // The endpoints stop naming the pod: the pod's later events no longer touch them.
        _ = index.apply(.modified(Self.endpoints("web", pods: [])), collection: "endpoints", namespace: "")
        #expect(index.apply(.modified(Self.pod("web-1", ip: "10.0.0.1")), collection: "pods", namespace: "").isEmpty)
        let gone = index.apply(.deleted(Self.endpoints("api", pods: [])), collection: "endpoints", namespace: "")
        #expect(gone == [TargetGroup(source: "endpoints/shop/api", targets: [])])
    }
}
