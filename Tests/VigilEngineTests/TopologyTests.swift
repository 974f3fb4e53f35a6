import Foundation
import Testing
import VigilKube

@testable import VigilEngine

/// Which workload a pod belongs to, when the cluster no longer lists the pod.
struct TopologyTests {
    /// A pod of a deleted name fits two workloads of one name: the kind whose pods' names have its shape
    /// wins (`web-0` a StatefulSet's, `web-x7k2p` a DaemonSet's, `web-7d9f8c6b5-x7k2p` a Deployment's),
    /// whatever order the model's dictionary of workloads keeps them in.
    @Test(arguments: [
        ("web-0", ["Deployment", "StatefulSet", "DaemonSet"], "statefulset"),
        ("web-x7k2p", ["Deployment", "StatefulSet", "DaemonSet"], "daemonset"),
        ("web-7d9f8c6b5-x7k2p", ["Deployment", "StatefulSet", "DaemonSet"], "deployment"),
        ("web-0", ["Deployment", "DaemonSet"], "deployment"),
    ])
    func aDeletedPodGoesToTheWorkloadItsNameFits(_ pod: String, _ kinds: [String], _ expected: String) {
        let items: [[String: Any]] = kinds.map { kind in
            ["kind": kind, "apiVersion": "apps/v1", "metadata": ["name": "web", "namespace": "shop"], "spec": [:]]
        }
        // Sixteen models alive at once: each dictionary of workloads has its own storage, and so its own
        // order of keys (one freed and made again at the same address would keep the same order).
        let clusters = (0..<16).map { _ in
            var cluster = ClusterModel()
            cluster.load(items: items, now: Date(timeIntervalSince1970: 0))
            return cluster
        }
        let subjects = clusters.map { Topology(cluster: $0).subject(ofPod: "shop", pod) }
        #expect(Set(subjects.map(\.kind)) == [expected], "\(subjects)")
    }
}
