import Foundation
import Testing
import VigilKube

@testable import VigilEngine

/// Which workload a pod belongs to, when the cluster no longer lists the pod.
struct TopologyTests {
    /// `web-0` fits a StatefulSet `web` and a Deployment `web` by name alike: the answer is the same
    /// whatever order the model's dictionary of workloads keeps them in.
    @Test func aDeletedPodThatFitsTwoWorkloadsOfOneNameGetsTheSameOneEveryTime() {
        let items: [[String: Any]] = ["Deployment", "StatefulSet"].map { kind in
            ["kind": kind, "apiVersion": "apps/v1", "metadata": ["name": "web", "namespace": "shop"], "spec": [:]]
        }
        // Sixteen models alive at once: each dictionary of workloads has its own storage, and so its own
        // order of keys (one freed and made again at the same address would keep the same order).
        let clusters = (0..<16).map { _ in
            var cluster = ClusterModel()
            cluster.load(items: items, now: Date(timeIntervalSince1970: 0))
            return cluster
        }
        let subjects = clusters.map { Topology(cluster: $0).subject(ofPod: "shop", "web-0") }
        #expect(Set(subjects.map(\.kind)) == ["statefulset"], "\(subjects)")
    }
}
