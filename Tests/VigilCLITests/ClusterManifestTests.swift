import Foundation
import Testing
import VigilKube
import VigilTestKit
import Yams

@testable import VigilCLI

/// `deploy/cluster/`: kubectl accepts every manifest (a client-side dry run against the fake API server,
/// which answers discovery and the reads), and the pieces agree with each other and with Vigil.
struct ClusterManifestTests {
    static let folder = repositoryRoot.appendingPathComponent("deploy/cluster")

    static func documents(_ name: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        return try Yams.load_all(yaml: text).compactMap { $0 as? [String: Any] }
    }

    @Test func kubectlAcceptsEveryManifest() async throws {
        let server = try FakeAPIServer()
        let result = try await server.kubectl(
            [
                // The folder as the docs install it: every file in it (monitoring/ is not read without -R).
                "apply", "--dry-run=client", "--validate=false", "-f", Self.folder.path,
            ]
        )
        #expect(result.status == 0, "\(result.output)")
        #expect(
            result.output.split(separator: "\n").sorted() == [
                "clusterrole.rbac.authorization.k8s.io/vigil-discovery created (dry run)",
                "clusterrole.rbac.authorization.k8s.io/vigil-monitors created (dry run)",
                "clusterrolebinding.rbac.authorization.k8s.io/vigil-discovery created (dry run)",
                "clusterrolebinding.rbac.authorization.k8s.io/vigil-monitors created (dry run)",
                "configmap/vigil-cluster-config created (dry run)",
                "poddisruptionbudget.policy/vigil created (dry run)",
                "role.rbac.authorization.k8s.io/vigil-leader-election created (dry run)",
                "rolebinding.rbac.authorization.k8s.io/vigil-leader-election created (dry run)",
                "service/vigil created (dry run)",
                "statefulset.apps/vigil created (dry run)",
            ]
        )
    }

    @Test func theConfigurationMatchesTheStatefulSetAndTheLeaseRole() throws {
        let documents = try Self.documents("statefulset.yaml")
        let configMap = try #require(documents.first { $0["kind"] as? String == "ConfigMap" })
        let yaml = try #require((configMap["data"] as? [String: String])?["vigil.yaml"])
        let config = try DaemonConfig.parse(yaml, file: "statefulset.yaml#vigil.yaml")
        #expect(config.discovery.map(\.configuration.role) == [.pod, .endpoints])
        let statefulSet = try #require(documents.first { $0["kind"] as? String == "StatefulSet" })
        let spec = try #require(statefulSet["spec"] as? [String: Any])
        #expect(spec["replicas"] as? Int == config.cluster.shards, "one shard per replica")
        let election = try #require(config.cluster.leaderElection)
        let role = try #require(try Self.documents("rbac.yaml").first { $0["kind"] as? String == "Role" })
        #expect((role["metadata"] as? [String: Any])?["namespace"] as? String == election.namespace)
        let rules = try #require(role["rules"] as? [[String: Any]])
        #expect(rules.contains { ($0["resourceNames"] as? [String]) == [election.leaseName] })
        // The board replicas hand proposals over on: read and updated by name, created.
        let board = election.configuration(identity: "vigil-0").proposalBoardName
        #expect(
            rules.contains {
                ($0["resources"] as? [String]) == ["configmaps"] && ($0["resourceNames"] as? [String]) == [board]
                    && Set($0["verbs"] as? [String] ?? []) == ["get", "update"]
            }
        )
        #expect(
            rules.contains {
                ($0["resources"] as? [String]) == ["configmaps"] && ($0["verbs"] as? [String]) == ["create"]
            }
        )
        // The shard and the Lease identity come from the pod name.
        let template = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        let container = try #require((template["containers"] as? [[String: Any]])?.first)
        let env = try #require(container["env"] as? [[String: Any]])
        #expect(env.contains { $0["name"] as? String == "POD_NAME" })
        // No annotation pretending to track the configuration: a change rolls out with `rollout restart`.
        let podMetadata = try #require((spec["template"] as? [String: Any])?["metadata"] as? [String: Any])
        #expect(podMetadata["annotations"] == nil)
    }
}
