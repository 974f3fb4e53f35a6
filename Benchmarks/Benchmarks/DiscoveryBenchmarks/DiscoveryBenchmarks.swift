import Benchmark
import Foundation
import VigilKube
import VigilScrape

/// Target maintenance of role `pod` over a cluster of 5,000 pods: the initial list, then 1,000 pod
/// updates (readiness flapping, a tenth of them moving to a new IP), each relabelled into scrape targets
/// and cut to one shard of four. Two peers in the same run, on the same events:
///
/// - `incremental`: ``TargetGroupIndex`` — an event rebuilds the one pod's group;
/// - `full-rebuild`: the way discovery worked before, kept here as the reference — every object kept,
///   and after every event every pod's targets rebuilt and relabelled.
///
/// Compare their wall clock: the ratio is what incremental maintenance saves (it grows with the
/// cluster, the full rebuild being quadratic over a list and its watch).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 0,
        scalingFactor: .one,
        maxDuration: .seconds(60),
        maxIterations: 3
    )
    let job = DiscoveryJob(template: ScrapeTarget(url: "", job: "pods"))
    let shard = Shard(index: 0, count: 4) ?? .whole
    let cluster = SimulatedCluster(pods: 5_000, updates: 1_000)

    Benchmark("discovery-5000-pods-list-1000-updates-incremental") { benchmark in
        for _ in benchmark.scaledIterations {
            var index = TargetGroupIndex(role: .pod)
            var owned: [String: [ScrapeTarget]] = [:]
            for event in cluster.events {
                for group in index.apply(event, collection: "pods", namespace: "") {
                    owned[group.source] = group.targets.compactMap { job.target(from: $0.labels) }
                        .filter { shard.owns(address: $0.instance) }
                }
            }
            blackHole(owned.count)
        }
    }

    // Quadratic: one iteration is enough to see it.
    Benchmark(
        "discovery-5000-pods-list-1000-updates-full-rebuild",
        configuration: .init(
            metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
            warmupIterations: 0,
            scalingFactor: .one,
            maxDuration: .seconds(1),
            maxIterations: 1
        )
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            var objects: [String: [String: Any]] = [:]
            var owned: [ScrapeTarget] = []
            for event in cluster.events {
                switch event {
                case .listed(let items):
                    objects = [:]
                    for item in items { if let (key, pod) = SimulatedCluster.keyed(item) { objects[key] = pod } }
                case .added(let item), .modified(let item):
                    if let (key, pod) = SimulatedCluster.keyed(item) { objects[key] = pod }
                case .deleted(let item):
                    if let (key, _) = SimulatedCluster.keyed(item) { objects[key] = nil }
                }
                owned = objects.sorted { $0.key < $1.key }.flatMap { PodTargets.targets(of: $0.value) }
                    .compactMap { job.target(from: $0.labels) }.filter { shard.owns(address: $0.instance) }
            }
            blackHole(owned.count)
        }
    }

    replicaAtScaleBenchmarks()
    relabelBenchmarks()
}

/// A list of `pods` annotated pods (two containers, one port each) and `updates` modifications.
struct SimulatedCluster: Sendable {
    let events: [ReflectorEvent]

    init(pods: Int, updates: Int) {
        let listed = (0..<pods).map { Self.pod($0, ip: Self.ip($0), ready: true) }
        let modified = (0..<updates).map { update -> ReflectorEvent in
            let number = (update * 7_919) % pods
            let ip = update % 10 == 0 ? Self.ip(number + pods) : Self.ip(number)
            return .modified(Self.pod(number, ip: ip, ready: update % 2 == 1))
        }
        events = [.listed(listed)] + modified
    }

    static func ip(_ number: Int) -> String { "10.\(number / 65_536 % 256).\(number / 256 % 256).\(number % 256)" }

    static func pod(_ number: Int, ip: String, ready: Bool) -> [UInt8] {
        let pod: [String: Any] = [
            "metadata": [
                "name": "shop-\(number)", "namespace": "ns-\(number % 50)", "uid": "uid-\(number)",
                "labels": ["app": "shop", "pod-template-hash": "7f6c"],
                "annotations": ["prometheus.io/scrape": "true", "prometheus.io/port": "8080"],
                "ownerReferences": [["kind": "ReplicaSet", "name": "shop-7f6c", "controller": true]],
            ],
            "spec": [
                "nodeName": "node-\(number % 100)",
                "containers": [
                    ["name": "app", "image": "shop:1", "ports": [["name": "metrics", "containerPort": 8080]]],
                    ["name": "envoy", "image": "envoy:1", "ports": [["name": "admin", "containerPort": 9901]]],
                ],
            ],
            "status": [
                "podIP": ip, "hostIP": "192.168.0.\(number % 100)", "phase": "Running",
                "conditions": [["type": "Ready", "status": ready ? "True" : "False"]],
            ],
        ]
        return Array((try? JSONSerialization.data(withJSONObject: pod)) ?? Data())
    }

    static func keyed(_ raw: [UInt8]) -> (String, [String: Any])? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(raw)) as? [String: Any],
            let metadata = object["metadata"] as? [String: Any], let name = metadata["name"] as? String
        else { return nil }
        return ("\(metadata["namespace"] as? String ?? "")/\(name)", object)
    }
}
